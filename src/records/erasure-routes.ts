// POST /api/erasures: an administrator erases everything about a phone number or an e-mail address (src/records/erasure.ts).
import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { erasureInput } from '../contract/records.ts';
import type { Deps } from '../deps.ts';
import { jsonBody } from '../http/validate.ts';
import { eraseEmail, erasePhone } from './erasure.ts';

/** Mounted at /api/erasures. */
export function erasureRoutes(deps: Deps) {
  return new Hono<AuthEnv>().use(requireTechnician(deps), requireRight('administer')).post('/', async (c) => {
    const { phone, email } = await jsonBody(c, erasureInput);
    const actor = { type: 'technician', id: c.get('signedIn').technician.id } as const;
    // The contract lets exactly one of the two through.
    const receipt = email !== undefined ? await eraseEmail(deps, actor, email) : await erasePhone(deps, actor, phone!);
    return c.json({ receipt }, 201);
  });
}
