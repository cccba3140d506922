import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import type { Deps } from '../deps.ts';
import { jsonBody } from '../http/validate.ts';
import { getEula, updateEula, updateEulaInput } from './eula.ts';

export function settingsRoutes(deps: Deps) {
  const app = new Hono<AuthEnv>();
  app.use('/api/settings/*', requireTechnician(deps), requireRight('administer'));
  return app
    .get('/api/settings/eula', async (c) => c.json({ eula: await getEula(deps.db) }))
    .put('/api/settings/eula', async (c) => {
      const input = await jsonBody(c, updateEulaInput);
      return c.json({
        eula: await updateEula(deps, { type: 'technician', id: c.get('signedIn').technician.id }, input),
      });
    });
}
