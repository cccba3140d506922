// The fan-out: turns new audit rows into webhook deliveries. The audit log is
// already the one ordered record of every change, written in the change's own
// transaction, so following it (after a cursor kept in `settings`) means no
// verb has to know about webhooks, and an event exists exactly when its change
// committed.
//
// Why a cursor on the audit id never skips a row: audit() (src/audit/audit.ts)
// takes the chain's transaction-scoped advisory lock *before* it draws the id
// from the sequence, and holds it until its transaction commits or rolls back.
// So the transaction that holds id N has ended (committed: visible; rolled
// back: N is a gap for ever) before any other transaction can draw N+1. A
// reader that sees id M therefore already sees every committed id below M:
// reading `id > cursor` in id order and moving the cursor to the last id read
// is safe. (Ids drawn by a plain bigserial without that lock could commit out
// of order, and such a cursor would then skip the late one.)
//
// The deliveries and the cursor's move are one transaction: a crash between
// them repeats nothing and loses nothing. Two nodes serialise on the cursor's
// row lock.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { WebhookEvent } from '../contract/org.ts';
import { type SessionState, isEndedState } from '../contract/states.ts';
import { auditLog, lensSessions, settings, webhookDeliveries, webhooks } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Passes } from '../outbox/passes.ts';

export const CURSOR_KEY = 'webhooks.cursor';
/** Audit rows per transaction: bounded, so one pass never holds the cursor for long. */
const BATCH = 200;
/** Batches per wake-up before yielding to the next tick. */
const MAX_BATCHES = 20;

type AuditRow = typeof auditLog.$inferSelect;
type SessionRow = typeof lensSessions.$inferSelect;

/** The state a session action leaves the session in, and the one it left (when the action alone says so). */
const STATE_CHANGES: Record<string, { from?: SessionState; to: SessionState }> = {
  'session.opened': { from: 'invited', to: 'connecting' },
  'session.eula_accepted': { from: 'connecting', to: 'waiting' },
  'session.started': { from: 'waiting', to: 'active' },
  'session.held': { from: 'active', to: 'on_hold' },
  'session.on_hold': { from: 'active', to: 'on_hold' },
  'session.resumed': { from: 'on_hold', to: 'active' },
  // The ends (src/sessions/end.ts, finish): their details name the state they left.
  'session.closed': { to: 'closed' },
  'session.expired': { to: 'expired' },
  'session.timed_out': { to: 'timed_out' },
};

type Event = { type: WebhookEvent; data: Record<string, unknown> };

/** The webhook events an audit row makes, in the order they are sent. */
export function eventsOf(row: AuditRow): Event[] {
  const details = row.details ?? {};
  const action = row.action;
  if (action === 'session.invited') return [{ type: 'session.created', data: {} }];
  const change = STATE_CHANGES[action];
  if (change) {
    const from = change.from ?? (typeof details.from === 'string' ? details.from : undefined);
    const data: Record<string, unknown> = { from: from ?? null, to: change.to };
    if (typeof details.reason === 'string') data.reason = details.reason;
    const events: Event[] = [{ type: 'session.state_changed', data }];
    if (isEndedState(change.to)) events.push({ type: 'session.ended', data: { ...data } });
    return events;
  }
  const [kind, status] = action.split('.', 2);
  if (kind === 'sms' && ['queued', 'sent', 'delivered', 'failed'].includes(status!))
    return [{ type: 'sms.status_changed', data: { sms: statusOf(details, 'smsId', status!) } }];
  if (kind === 'email' && status)
    return [{ type: 'email.status_changed', data: { email: statusOf(details, 'emailId', status) } }];
  if (action === 'snapshot.taken' || action === 'snapshot.stored') {
    const snapshot: Record<string, unknown> = { id: details.snapshotId ?? null, frozen: details.frozen === true };
    return [{ type: 'snapshot.created', data: { snapshot } }];
  }
  return [];
}

function statusOf(details: Record<string, unknown>, idKey: string, status: string) {
  const out: Record<string, unknown> = { id: typeof details[idKey] === 'string' ? details[idKey] : null, status };
  if (typeof details.error === 'string') out.error = details.error;
  return out;
}

/**
 * What a receiver is told of the session: never the PIN, the link, the phone
 * number, the e-mail address or the customer's name. `state` is the one this
 * event left it in (a later change may already have happened: its own event follows).
 */
export function sessionData(row: SessionRow, state: string) {
  return {
    id: row.id,
    state,
    reference: row.reference,
    technicianId: row.technicianId,
    method: row.method,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    endReason: row.endReason,
  };
}

export class Dispatcher {
  private readonly passes: Passes;

  constructor(
    private readonly deps: Deps,
    /** Called after deliveries were written: the worker sends them. */
    private readonly onQueued: () => void = () => {},
    opts: { pollMs?: number } = {},
  ) {
    this.passes = new Passes(() => this.pass(), deps.log, 'webhook dispatch failed', opts.pollMs ?? 1_000);
  }

  /**
   * Polls, and is not woken by session or tool events: those come with every
   * redeem, state change and pointer move, and a pass per event (a transaction
   * of five statements) doubled the database work of a redeem under load
   * (bench api.postgres.redeem). A receiver hears of a change within a second.
   */
  start(): void {
    this.passes.start();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    this.passes.wake();
  }

  async idle(): Promise<void> {
    while (this.passes.current) await this.passes.current;
  }

  async stop(): Promise<void> {
    this.passes.stop();
    await this.idle();
  }

  /** Runs batches until the log is read to its end (or MAX_BATCHES); resolves when done. */
  async pass(): Promise<void> {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const { read, queued } = await transaction(this.deps.db, (tx) => this.batch(tx));
      if (queued) this.onQueued();
      if (read < BATCH) return;
    }
    this.passes.runAgain();
  }

  private async batch(tx: Tx): Promise<{ read: number; queued: number }> {
    const cursor = await lockCursor(tx);
    const rows = await tx.select().from(auditLog).where(gt(auditLog.id, cursor)).orderBy(asc(auditLog.id)).limit(BATCH);
    if (!rows.length) return { read: 0, queued: 0 };
    const receivers = await tx
      .select({ id: webhooks.id, events: webhooks.events })
      .from(webhooks)
      .where(eq(webhooks.enabled, true));
    const wanted = rows.filter((r) => r.subjectType === 'session' && r.subjectId && eventsOf(r).length);
    const sessionIds = [...new Set(wanted.map((r) => r.subjectId!))].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const sessions = new Map(
      receivers.length && sessionIds.length
        ? (await tx.select().from(lensSessions).where(inArray(lensSessions.id, sessionIds))).map((s) => [s.id, s])
        : [],
    );
    // The worker's clock (deps.clock), not the database's: it decides when a row is due.
    const now = this.deps.clock.now();
    const values: (typeof webhookDeliveries.$inferInsert)[] = [];
    for (const row of wanted) {
      const session = sessions.get(row.subjectId!);
      if (!session) continue; // erased since, or no receivers at all
      for (const event of eventsOf(row)) {
        const state =
          typeof event.data.to === 'string'
            ? event.data.to
            : event.type === 'session.created'
              ? 'invited'
              : session.state;
        const payload = {
          type: event.type,
          timestamp: row.at.toISOString(),
          data: { session: sessionData(session, state), ...event.data },
        };
        for (const receiver of receivers) {
          if (!receiver.events.includes(event.type)) continue;
          values.push({
            webhookId: receiver.id,
            messageId: `msg_${randomUUID()}`,
            event: event.type,
            sessionId: session.id,
            payload,
            nextAttemptAt: now,
            createdAt: now,
            updatedAt: now,
          });
        }
      }
    }
    // In order: `seq` follows the insert, so a session's events keep the audit log's order.
    if (values.length) await tx.insert(webhookDeliveries).values(values);
    await tx
      .update(settings)
      .set({ value: { auditId: rows.at(-1)!.id }, updatedAt: sql`now()` })
      .where(eq(settings.key, CURSOR_KEY));
    return { read: rows.length, queued: values.length };
  }
}

/**
 * The cursor, locked until the batch's transaction ends. The first time, it
 * starts at the log's end: a new installation's history is not replayed to
 * receivers that did not exist then.
 */
async function lockCursor(tx: Tx): Promise<number> {
  await tx.execute(sql`
    insert into ${settings} (key, value)
    select ${CURSOR_KEY}, jsonb_build_object('auditId', coalesce(max(${auditLog.id}), 0)) from ${auditLog}
    on conflict (key) do nothing`);
  const [row] = await tx
    .select()
    .from(settings)
    .where(and(eq(settings.key, CURSOR_KEY)))
    .for('update');
  const id = (row?.value as { auditId?: unknown } | undefined)?.auditId;
  return typeof id === 'number' ? id : Number(id ?? 0);
}
