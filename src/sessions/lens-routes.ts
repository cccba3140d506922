// The customer's API (the Lens page at /l), mounted at /api/lens. No sign-in: the PIN or link is
// redeemed for an HttpOnly cookie that is only good while the session lives.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import { clientAddress } from '../http/client-address.ts';
import { pageIceServers } from '../media/ice-servers.ts';
import { AppError } from '../http/errors.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { storeUpload } from '../tools/snapshot-upload.ts';
import { uploadOf } from '../tools/snapshot-routes.ts';
import {
  answerEula,
  customerSession,
  endByCustomer,
  LENS_COOKIE,
  LENS_HINT_COOKIE,
  lensCapabilities,
  lensView,
  redeem,
} from './customer.ts';
import { eulaInput, idParam, redeemInput, snapshotFrozenParam } from '../contract/inputs.ts';
import { customerChatTranscript } from '../tools/chat.ts';

type LensEnv = { Variables: { lensSession: NonNullable<Awaited<ReturnType<typeof customerSession>>> } };

class NoLensSession extends AppError {
  constructor() {
    super(
      401,
      'no_lens_session',
      'There is no open session in this browser. Open the link from your SMS again, or enter your PIN.',
    );
  }
}

function requireCustomer(deps: Deps): MiddlewareHandler<LensEnv> {
  return async (c, next) => {
    const session = await customerSession(deps.db, getCookie(c, LENS_COOKIE));
    if (!session) throw new NoLensSession();
    c.set('lensSession', session);
    await next();
  };
}

function setLensCookie(c: Context, deps: Deps, token: string) {
  const secure = deps.config.publicUrl.protocol === 'https:' || !!deps.config.tls;
  // Long enough for any session; the server forgets the token the moment the session ends.
  const expires = new Date(deps.clock.now().getTime() + deps.config.sessionMaxHours * 3_600_000);
  setCookie(c, LENS_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure, path: '/', expires });
  setCookie(c, LENS_HINT_COOKIE, '1', { sameSite: 'Lax', secure, path: '/l', expires });
}

export function lensRoutes(deps: Deps) {
  const customer = requireCustomer(deps);
  return (
    new Hono<LensEnv>()
      // Every method on these paths needs the cookie (a wrong method without one is 401, not 404).
      .use('/session', customer)
      .use('/eula', customer)
      .use('/end', customer)
      .use('/messages', customer)
      .use('/snapshots/*', customer)
      // Public: what the Lens page needs before anything else (no session yet).
      .get('/capabilities', (c) => c.json(lensCapabilities(deps.config)))
      .post('/redeem', async (c) => {
        const input = await jsonBody(c, redeemInput);
        const address = clientAddress(c, deps.config.trustProxy);
        const client = { address, userAgent: c.req.header('user-agent') };
        const result = await redeem(deps, input, client, getCookie(c, LENS_COOKIE));
        setLensCookie(c, deps, result.token);
        return c.json({ session: result.view, iceServers: pageIceServers(deps) });
      })
      .get('/session', async (c) =>
        c.json({ session: await lensView(deps.db, c.get('lensSession')), iceServers: pageIceServers(deps) }),
      )
      .post('/eula', async (c) => {
        const answer = await jsonBody(c, eulaInput);
        const session = await answerEula(deps, c.get('lensSession').id, answer);
        return c.json({ session, iceServers: pageIceServers(deps) });
      })
      .post('/end', async (c) => c.json({ session: await endByCustomer(deps, c.get('lensSession').id) }))
      .get('/messages', async (c) => c.json(await customerChatTranscript(deps, c.get('lensSession').id)))
      // The body is the photo's bytes (any content type: they are checked, not it); ?frozen=1 for a frozen frame.
      .post('/snapshots/:id', async (c) => {
        const id = parse(idParam, c.req.param('id'));
        const frozen = parse(snapshotFrozenParam, c.req.query('frozen')) === '1';
        const view = await storeUpload(deps, c.get('lensSession'), id, uploadOf(c), frozen);
        return c.json({ snapshot: view }, 201);
      })
  );
}
