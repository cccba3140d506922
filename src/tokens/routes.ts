// Mounted at /api/tokens. Made and revoked in a browser only: access.ts gives
// these routes no scope, so a token is refused here (no token makes another).
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import { createTokenInput } from '../contract/org-schemas.ts';
import type { Deps } from '../deps.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { createToken, listTokens, revokeToken } from './tokens.ts';

export function tokenRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps))
    .post('/', async (c) => {
      const input = await jsonBody(c, createTokenInput);
      return c.json(await createToken(deps, c.get('signedIn').technician, input), 201);
    })
    .get('/', async (c) => c.json({ tokens: await listTokens(deps, c.get('signedIn').technician) }))
    .delete('/:id', async (c) => {
      await revokeToken(deps, c.get('signedIn').technician, parse(idParam, c.req.param('id')));
      return c.body(null, 204);
    });
}
