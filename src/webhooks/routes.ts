// /api/webhooks: administrators manage the receivers of signed events
// (docs/integrations.md, "Webhooks"). An API token with `webhooks:manage`
// reaches these too, through the sign-in middleware (src/contract/access.ts).
import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import { createWebhookInput, updateWebhookInput, webhookDeliveriesQuery } from '../contract/org-schemas.ts';
import type { Deps } from '../deps.ts';
import { jsonBody, parse } from '../http/validate.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  resendDelivery,
  updateWebhook,
} from './webhooks.ts';

type ActorContext = { get(k: 'signedIn'): { technician: { id: string } } };
const actor = (c: ActorContext) => ({ type: 'technician', id: c.get('signedIn').technician.id }) as const;
const id = (c: { req: { param(name: 'id'): string } }) => parse(idParam, c.req.param('id'));

/** Mounted at /api/webhooks. `wake`: the worker, told of a resend so it goes out now. */
export function webhookRoutes(deps: Deps, opts: { wake?: () => void } = {}) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps), requireRight('administer'))
    .get('/', async (c) => c.json({ webhooks: await listWebhooks(deps) }))
    .post('/', async (c) => {
      const input = await jsonBody(c, createWebhookInput);
      return c.json(await createWebhook(deps, actor(c), input), 201);
    })
    .get('/:id', async (c) => c.json({ webhook: await getWebhook(deps, id(c)) }))
    .patch('/:id', async (c) => {
      const webhookId = id(c);
      const input = await jsonBody(c, updateWebhookInput);
      return c.json({ webhook: await updateWebhook(deps, actor(c), webhookId, input) });
    })
    .delete('/:id', async (c) => {
      await deleteWebhook(deps, actor(c), id(c));
      return c.body(null, 204);
    })
    .get('/:id/deliveries', async (c) => {
      const webhookId = id(c);
      return c.json(await listDeliveries(deps, webhookId, parse(webhookDeliveriesQuery, c.req.query())));
    })
    .post('/:id/deliveries/:deliveryId/resend', async (c) => {
      const webhookId = id(c);
      const deliveryId = parse(idParam, c.req.param('deliveryId'));
      const delivery = await resendDelivery(deps, actor(c), webhookId, deliveryId);
      opts.wake?.();
      return c.json({ delivery }, 202);
    });
}
