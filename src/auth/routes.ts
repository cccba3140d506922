import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { audit } from '../audit/audit.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { clientAddress } from '../http/client-address.ts';
import { NotFound } from '../http/errors.ts';
import { jsonBody } from '../http/validate.ts';
import { createTechnicianInput } from '../technicians/schemas.ts';
import { clearSessionCookie, setSessionCookie } from './cookie.ts';
import { login } from './login.ts';
import { requireTechnician, type AuthEnv } from './middleware.ts';
import { endAuthSession, SESSION_COOKIE } from './sessions.ts';
import { completeSetup, isSetupTokenValid } from './setup.ts';

const loginInput = z.strictObject({
  // Not the full email rule: a malformed address is simply a wrong login.
  email: z.string().min(1, 'Enter your email.').max(254),
  password: z.string().min(1, 'Enter your password.').max(256),
});

const setupInput = createTechnicianInput.omit({ groupId: true }).extend({ token: z.string().min(1).max(100) });

export function authRoutes(deps: Deps) {
  const meta = (c: Parameters<typeof clientAddress>[0]) => ({
    address: clientAddress(c, deps.config.trustProxy),
    userAgent: c.req.header('user-agent') ?? '',
  });

  return new Hono<AuthEnv>()
    .post('/api/auth/login', async (c) => {
      const input = await jsonBody(c, loginInput);
      const result = await login(deps, { ...input, ...meta(c) });
      setSessionCookie(c, deps.config, result.token, result.expiresAt);
      return c.json({ technician: result.technician });
    })
    .post('/api/auth/logout', async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) {
        const technicianId = await endAuthSession(deps.db, token);
        if (technicianId)
          await transaction(deps.db, (tx) => audit(tx, { type: 'technician', id: technicianId }, 'auth.logout'));
      }
      clearSessionCookie(c, deps.config);
      return c.body(null, 204);
    })
    .get('/api/auth/me', requireTechnician(deps), (c) => c.json({ technician: c.get('signedIn').technician }))
    .get('/api/setup/:token', async (c) => {
      if (!(await isSetupTokenValid(deps, c.req.param('token')))) {
        throw new NotFound('This setup link is invalid or was already used. Restart Loupe to get a new one.');
      }
      return c.json({ valid: true });
    })
    .post('/api/setup', async (c) => {
      const input = await jsonBody(c, setupInput);
      const result = await completeSetup(deps, { ...input, ...meta(c) });
      deps.log.info('first administrator created through the setup link', { email: input.email });
      setSessionCookie(c, deps.config, result.token, result.expiresAt);
      return c.json({ technician: result.technician }, 201);
    });
}
