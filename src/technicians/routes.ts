// Admin API for groups and technicians: every route needs the `administer` right.
import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import type { Deps } from '../deps.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { createGroup, deleteGroup, listGroups, updateGroup } from './groups.ts';
import {
  createGroupInput,
  createTechnicianInput,
  idParam,
  resetPasswordInput,
  updateGroupInput,
  updateTechnicianInput,
} from './schemas.ts';
import { createTechnician, listTechnicians, resetPassword, updateTechnician } from './technicians.ts';

export function adminRoutes(deps: Deps) {
  const app = new Hono<AuthEnv>();
  app.use('/api/groups', requireTechnician(deps), requireRight('administer'));
  app.use('/api/groups/*', requireTechnician(deps), requireRight('administer'));
  app.use('/api/technicians', requireTechnician(deps), requireRight('administer'));
  app.use('/api/technicians/*', requireTechnician(deps), requireRight('administer'));

  const actor = (c: { get(k: 'signedIn'): { technician: { id: string } } }) =>
    ({ type: 'technician', id: c.get('signedIn').technician.id }) as const;

  return app
    .get('/api/groups', async (c) => c.json({ groups: await listGroups(deps) }))
    .post('/api/groups', async (c) => {
      const input = await jsonBody(c, createGroupInput);
      return c.json(await createGroup(deps, actor(c), input), 201);
    })
    .patch('/api/groups/:id', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      const input = await jsonBody(c, updateGroupInput);
      return c.json(await updateGroup(deps, actor(c), id, input));
    })
    .delete('/api/groups/:id', async (c) => {
      await deleteGroup(deps, actor(c), parse(idParam, c.req.param('id')));
      return c.body(null, 204);
    })
    .get('/api/technicians', async (c) => c.json({ technicians: await listTechnicians(deps) }))
    .post('/api/technicians', async (c) => {
      const input = await jsonBody(c, createTechnicianInput);
      return c.json(await createTechnician(deps, actor(c), input), 201);
    })
    .patch('/api/technicians/:id', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      const input = await jsonBody(c, updateTechnicianInput);
      return c.json(await updateTechnician(deps, actor(c), id, input));
    })
    .post('/api/technicians/:id/password', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      const { password } = await jsonBody(c, resetPasswordInput);
      await resetPassword(deps, actor(c), id, password, c.get('signedIn').authSessionId);
      return c.body(null, 204);
    });
}
