// Mounted at /api/settings; every route needs the `administer` right.
import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import type { Deps } from '../deps.ts';
import { jsonBody } from '../http/validate.ts';
import { getEula, updateEula, updateEulaInput } from './eula.ts';

export function settingsRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps), requireRight('administer'))
    .get('/eula', async (c) => c.json({ eula: await getEula(deps.db) }))
    .put('/eula', async (c) => {
      const input = await jsonBody(c, updateEulaInput);
      return c.json({
        eula: await updateEula(deps, { type: 'technician', id: c.get('signedIn').technician.id }, input),
      });
    });
}
