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
} from '../contract/inputs.ts';
import { createTechnician, listTechnicians, resetPassword, updateTechnician } from './technicians.ts';

type ActorContext = { get(k: 'signedIn'): { technician: { id: string } } };
const actor = (c: ActorContext) => ({ type: 'technician', id: c.get('signedIn').technician.id }) as const;
const id = (c: { req: { param(name: 'id'): string } }) => parse(idParam, c.req.param('id'));

/** Mounted at /api/groups. */
export function groupRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps), requireRight('administer'))
    .get('/', async (c) => c.json({ groups: await listGroups(deps) }))
    .post('/', async (c) => {
      const input = await jsonBody(c, createGroupInput);
      return c.json(await createGroup(deps, actor(c), input), 201);
    })
    .patch('/:id', async (c) => {
      const groupId = id(c);
      const input = await jsonBody(c, updateGroupInput);
      return c.json(await updateGroup(deps, actor(c), groupId, input));
    })
    .delete('/:id', async (c) => {
      await deleteGroup(deps, actor(c), id(c));
      return c.body(null, 204);
    });
}

/** Mounted at /api/technicians. */
export function technicianRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps), requireRight('administer'))
    .get('/', async (c) => c.json({ technicians: await listTechnicians(deps) }))
    .post('/', async (c) => {
      const input = await jsonBody(c, createTechnicianInput);
      return c.json(await createTechnician(deps, actor(c), input), 201);
    })
    .patch('/:id', async (c) => {
      const technicianId = id(c);
      const input = await jsonBody(c, updateTechnicianInput);
      return c.json(await updateTechnician(deps, actor(c), technicianId, input));
    })
    .post('/:id/password', async (c) => {
      const technicianId = id(c);
      const { password } = await jsonBody(c, resetPasswordInput);
      await resetPassword(deps, actor(c), technicianId, password, c.get('signedIn').authSessionId);
      return c.body(null, 204);
    });
}
