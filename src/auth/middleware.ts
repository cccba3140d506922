import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import { Forbidden, Unauthorized } from '../http/errors.ts';
import type { Right } from '../contract/rights.ts';
import { signedInByToken } from '../tokens/bearer.ts';
import { resolveAuthSession, SESSION_COOKIE, type SignedIn } from './sessions.ts';

export type AuthEnv = { Variables: { signedIn: SignedIn } };

export function requireTechnician(deps: Deps): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    // Each router is mounted at its prefix and runs this once for it (src/app.ts): one cookie lookup per request.
    // A router mounted before it on the same path may have signed the request in already.
    if (c.get('signedIn')) return next();
    // Any Authorization header means an API client: it is the credential, never the cookie beside it.
    const authorization = c.req.header('authorization');
    const signedIn =
      authorization !== undefined
        ? await signedInByToken(deps, { method: c.req.method, path: c.req.path, authorization })
        : await resolveAuthSession(deps, getCookie(c, SESSION_COOKIE) ?? '');
    if (!signedIn) throw new Unauthorized('Your session has ended. Sign in again.');
    c.set('signedIn', signedIn);
    await next();
  };
}

export function requireRight(right: Right): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (!c.get('signedIn').technician.rights.includes(right)) {
      throw new Forbidden(`This needs the "${right}" right, which your group does not have.`);
    }
    await next();
  };
}
