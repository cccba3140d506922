// The administrator's verbs on webhook receivers and their deliveries. The
// secret is made here, returned once by create, and never again: not in a
// view, not in the audit log (docs/integrations.md, "Webhooks").
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { audit, type Actor } from '../audit/audit.ts';
import { WEBHOOKS_MAX } from '../contract/org.ts';
import type { CreateWebhookInput, UpdateWebhookInput, WebhookDelivery, WebhookView } from '../contract/org-schemas.ts';
import { webhookAttempts, webhookDeliveries, webhooks } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, NotFound } from '../http/errors.ts';
import { assertTarget } from './target.ts';

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Serialises creations, so two at once cannot both pass the WEBHOOKS_MAX count. Any constant unique to this use. */
const CREATE_LOCK_KEY = 0x77686b73; // "whks"

/** `whsec_` + base64 of 32 random bytes: the form the standardwebhooks package reads. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export function webhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function createWebhook(
  deps: Deps,
  actor: Extract<Actor, { type: 'technician' }>,
  input: CreateWebhookInput,
): Promise<{ id: string; secret: string; webhook: WebhookView }> {
  assertTarget(input.url, deps.config.webhookAllowHttp);
  const secret = newSecret();
  const now = deps.clock.now();
  const row = await transaction(deps.db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(CREATE_LOCK_KEY))})`);
    const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(webhooks);
    if (Number(count!.n) >= WEBHOOKS_MAX)
      throw new Conflict(`At most ${WEBHOOKS_MAX} webhooks; delete one first.`, 'too_many_webhooks');
    const [created] = await tx
      .insert(webhooks)
      .values({
        url: input.url,
        events: input.events,
        description: input.description ?? '',
        secret,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await audit(tx, actor, 'webhook.created', { type: 'webhook', id: created!.id }, auditDetails(created!), {
      at: now,
    });
    return created!;
  });
  return { id: row.id, secret, webhook: webhookView(row) };
}

/** What the audit log says of a receiver: never its secret. */
const auditDetails = (row: Pick<WebhookRow, 'url' | 'events' | 'enabled'>) => ({
  url: row.url,
  events: row.events,
  enabled: row.enabled,
});

export async function listWebhooks(deps: Pick<Deps, 'db'>): Promise<WebhookView[]> {
  const rows = await deps.db.select().from(webhooks).orderBy(webhooks.createdAt, webhooks.id);
  return rows.map(webhookView);
}

async function findWebhook(db: Deps['db'] | Tx, id: string, lock = false): Promise<WebhookRow> {
  const query = db.select().from(webhooks).where(eq(webhooks.id, id));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new NotFound('No such webhook.');
  return row;
}

export async function getWebhook(deps: Pick<Deps, 'db'>, id: string): Promise<WebhookView> {
  return webhookView(await findWebhook(deps.db, id));
}

export async function updateWebhook(
  deps: Deps,
  actor: Actor,
  id: string,
  input: UpdateWebhookInput,
): Promise<WebhookView> {
  if (input.url !== undefined) assertTarget(input.url, deps.config.webhookAllowHttp);
  const now = deps.clock.now();
  const row = await transaction(deps.db, async (tx) => {
    await findWebhook(tx, id, true);
    const [updated] = await tx
      .update(webhooks)
      .set({ ...input, updatedAt: now })
      .where(eq(webhooks.id, id))
      .returning();
    await audit(
      tx,
      actor,
      'webhook.updated',
      { type: 'webhook', id },
      { ...auditDetails(updated!), changed: Object.keys(input) },
      { at: now },
    );
    return updated!;
  });
  return webhookView(row);
}

/** Its deliveries go with it (on delete cascade): a receiver removed is told nothing more. */
export async function deleteWebhook(deps: Deps, actor: Actor, id: string): Promise<void> {
  await transaction(deps.db, async (tx) => {
    const row = await findWebhook(tx, id, true);
    await tx.delete(webhooks).where(eq(webhooks.id, id));
    await audit(tx, actor, 'webhook.deleted', { type: 'webhook', id }, { url: row.url }, { at: deps.clock.now() });
  });
}

/** A delivery with its attempts, oldest attempt first. */
export async function deliveryViews(db: Deps['db'] | Tx, rows: DeliveryRow[]): Promise<WebhookDelivery[]> {
  const attempts = rows.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(webhookAttempts.id)
    : [];
  return rows.map((r) => ({
    id: r.id,
    messageId: r.messageId,
    event: r.event,
    sessionId: r.sessionId,
    status: r.status,
    attempts: attempts
      .filter((a) => a.deliveryId === r.id)
      .map((a) => ({ at: a.at.toISOString(), statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error })),
    nextAttemptAt: r.status === 'queued' || r.status === 'sending' ? r.nextAttemptAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
  }));
}

export const DELIVERIES_PAGE = 25;

/** Newest first, by `seq`; the cursor is the last row's `seq`. */
export async function listDeliveries(
  deps: Pick<Deps, 'db'>,
  webhookId: string,
  q: { cursor?: string; limit?: number },
): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
  await findWebhook(deps.db, webhookId);
  const limit = q.limit ?? DELIVERIES_PAGE;
  // Checked by webhookDeliveriesQuery: up to 15 digits, a safe integer.
  const before = q.cursor === undefined ? undefined : Number(q.cursor);
  const rows = await deps.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        before === undefined ? undefined : lt(webhookDeliveries.seq, before),
      ),
    )
    .orderBy(desc(webhookDeliveries.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    deliveries: await deliveryViews(deps.db, page),
    nextCursor: rows.length > limit ? String(page.at(-1)!.seq) : null,
  };
}

/**
 * Queues a delivered or failed delivery again, now, with the same message id
 * (a receiver that already has it may drop the repeat). One being sent is a 409.
 * Its retry window starts again (`attempts` counts from the resend; worker.ts): the administrator asked for it.
 */
export async function resendDelivery(
  deps: Deps,
  actor: Actor,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const now = deps.clock.now();
  const row = await transaction(deps.db, async (tx) => {
    await findWebhook(tx, webhookId);
    const [current] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId)))
      .for('update');
    if (!current) throw new NotFound('No such delivery.');
    if (current.status === 'queued' || current.status === 'sending')
      throw new Conflict('This delivery is already queued; it goes out at its next attempt.', 'invalid_state');
    const [updated] = await tx
      .update(webhookDeliveries)
      .set({ status: 'queued', nextAttemptAt: now, leaseUntil: null, attempts: 0, updatedAt: now })
      .where(eq(webhookDeliveries.id, deliveryId))
      .returning();
    await audit(
      tx,
      actor,
      'webhook.resent',
      { type: 'webhook', id: webhookId },
      { deliveryId, messageId: current.messageId, event: current.event, was: current.status },
      { at: now },
    );
    return updated!;
  });
  return (await deliveryViews(deps.db, [row]))[0]!;
}
