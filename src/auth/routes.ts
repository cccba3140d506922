// Sign-in (mounted at /api/auth) and the first administrator's setup link (at /api/setup).
import { loginInput, setupInput } from '../contract/inputs.ts';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import { clientAddress } from '../http/client-address.ts';
import { jsonBody } from '../http/validate.ts';
import { clearSessionCookie, setSessionCookie } from './cookie.ts';
import { login, logout } from './login.ts';
import { requireTechnician, type AuthEnv } from './middleware.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { checkSetupToken, completeSetup } from './setup.ts';

/** Where a sign-in comes from, for its auth session row and the audit log. */
const meta = (deps: Deps, c: Context) => ({
  address: clientAddress(c, deps.config.trustProxy),
  userAgent: c.req.header('user-agent') ?? '',
});

export function authRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .post('/login', async (c) => {
      const input = await jsonBody(c, loginInput);
      const result = await login(deps, { ...input, ...meta(deps, c) });
      setSessionCookie(c, deps.config, result.token, result.expiresAt);
      return c.json({ technician: result.technician });
    })
    .post('/logout', async (c) => {
      await logout(deps, getCookie(c, SESSION_COOKIE));
      clearSessionCookie(c, deps.config);
      return c.body(null, 204);
    })
    .get('/me', requireTechnician(deps), (c) => c.json({ technician: c.get('signedIn').technician }))
    .get('/options', (c) =>
      // What the login page offers (docs/integrations.md, "Single sign-on").
      c.json({
        passwordLogin: deps.config.passwordLogin,
        oidc: deps.config.oidc ? { displayName: deps.config.oidc.displayName } : null,
        emailInvitations: !!deps.config.smtp,
      }),
    );
}

export function setupRoutes(deps: Deps) {
  return new Hono()
    .get('/:token', async (c) => {
      await checkSetupToken(deps, c.req.param('token'));
      return c.json({ valid: true });
    })
    .post('/', async (c) => {
      const input = await jsonBody(c, setupInput);
      const result = await completeSetup(deps, { ...input, ...meta(deps, c) });
      setSessionCookie(c, deps.config, result.token, result.expiresAt);
      return c.json({ technician: result.technician }, 201);
    });
}
