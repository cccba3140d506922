import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import { Forbidden, Unauthorized } from '../http/errors.ts';
import type { Right } from '../contract/rights.ts';
import { resolveAuthSession, SESSION_COOKIE, type SignedIn } from './sessions.ts';

export type AuthEnv = { Variables: { signedIn: SignedIn } };

export function requireTechnician(deps: Deps): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    // Each router is mounted at its prefix and runs this once for it (src/app.ts): one cookie lookup per request.
    const signedIn = await resolveAuthSession(deps, getCookie(c, SESSION_COOKIE) ?? '');
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
