// The SMS outbox worker. Rows are written by the session verbs in their own
// transaction; this worker claims due rows, hands them to the gateway, and
// records the outcome and later the delivery receipts.
//
// Sent once, never twice: a row is marked `sending` (committed) before its
// submit, and only a definite "not accepted" from the SMSC puts it back in the
// queue. A submit whose outcome is unknown (connection lost, or Loupe stopped
// mid-submit) is marked failed with that reason, for the technician to Resend.
import { and, eq, inArray, isNotNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { heldByGoneNode } from '../cluster/nodes.ts';
import { lensSessions, smsMessages } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import type { DeliveryReport, SmsGateway, SubmitResult } from './gateway.ts';
import { auditSms } from './sms-audit.ts';
import { Passes } from '../outbox/passes.ts';

export type OutboxOptions = {
  /** How often due retries are looked for when nothing wakes the worker. */
  pollMs?: number;
  batch?: number;
  maxAttempts?: number;
  /** Told each submit's outcome (the metrics' loupe_sms_results_total). */
  onResult?: (result: 'sent' | 'retried' | 'failed') => void;
};

/**
 * A `sending` row older than this belongs to a submit that will never finish
 * (a node stopped mid-submit). Well above the gateway's worst case (slot wait,
 * submit timeout, throttle pauses between the parts of a long text).
 */
export const STALE_SENDING_MS = 15 * 60_000;
const BACKOFF_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

type SmsRow = typeof smsMessages.$inferSelect;

/** The rows of a raw `execute`: postgres-js answers an array, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

export class Outbox {
  private readonly passes: Passes;
  private readonly inFlight = new Set<Promise<void>>();
  /** Rows this node is submitting right now: never swept as stale. */
  private readonly submitting = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly gateway: SmsGateway,
    private readonly opts: OutboxOptions = {},
  ) {
    this.passes = new Passes(() => this.pass(), deps.log, 'sms outbox pass failed', opts.pollMs ?? 5_000);
  }

  start(): void {
    this.unsubscribe.push(this.deps.events.onSmsQueued(() => this.wake()));
    this.gateway.onReady(() => this.wake());
    this.gateway.onReport(
      (report) => void this.applyReport(report).catch((err) => this.deps.log.error('sms receipt failed', { err })),
    );
    this.passes.start();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    this.passes.wake();
  }

  /** Resolves when no pass and no submit is in progress (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.passes.current || this.inFlight.size) await Promise.all([this.passes.current, ...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.passes.stop();
    for (const off of this.unsubscribe) off();
    await this.idle();
  }

  private async pass(): Promise<void> {
    await this.failStaleSending();
    if (!this.gateway.ready()) return;
    const claimed = await this.claim();
    for (const row of claimed) {
      this.submitting.add(row.id);
      const work = this.gateway
        .submit({ reference: row.id, to: row.to, text: row.text })
        .then((result) => this.record(row, result))
        .catch((err) => this.deps.log.error('sms submit failed', { err, sms: row.id }))
        .finally(() => this.submitting.delete(row.id));
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    // A full batch means more may be due.
    if (claimed.length === (this.opts.batch ?? 50)) this.passes.runAgain();
  }

  /** Marks due rows `sending`; SKIP LOCKED lets several nodes share one queue. */
  private async claim(): Promise<SmsRow[]> {
    const now = this.deps.clock.now();
    return transaction(this.deps.db, async (tx) => {
      const due = await tx
        .select({ id: smsMessages.id })
        .from(smsMessages)
        .innerJoin(lensSessions, eq(lensSessions.id, smsMessages.sessionId))
        .where(
          and(eq(smsMessages.status, 'queued'), lte(smsMessages.nextAttemptAt, now), eq(lensSessions.state, 'invited')),
        )
        // Locking the session too means an invitation being ended right now is skipped, not texted.
        .orderBy(smsMessages.nextAttemptAt)
        .limit(this.opts.batch ?? 50)
        .for('update', { of: [smsMessages, lensSessions], skipLocked: true });
      if (!due.length) return [];
      return tx
        .update(smsMessages)
        .set({
          status: 'sending',
          attempts: sql`${smsMessages.attempts} + 1`,
          updatedAt: now,
          claimedBy: this.deps.nodeId,
        })
        .where(
          inArray(
            smsMessages.id,
            due.map((d) => d.id),
          ),
        )
        .returning();
    });
  }

  private async record(row: SmsRow, result: SubmitResult): Promise<void> {
    const now = this.deps.clock.now();
    const attempts = row.attempts; // counted when claimed
    let change: Partial<typeof smsMessages.$inferInsert>;
    if (result.ok) {
      change = { status: 'sent', messageIds: result.messageIds, sentAt: now, error: null };
    } else if (result.outcomeUnknown) {
      change = {
        status: 'failed',
        error: `The gateway connection dropped before it confirmed the SMS (${result.reason}). It may or may not arrive: use Resend if the customer got nothing.`,
      };
    } else if (result.permanent || attempts >= (this.opts.maxAttempts ?? 10)) {
      change = { status: 'failed', error: result.reason };
    } else {
      const backoff = BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)]!;
      change = {
        status: 'queued',
        error: `Retrying: ${result.reason}`,
        nextAttemptAt: new Date(now.getTime() + Math.max(backoff, result.retryAfterMs ?? 0)),
      };
    }
    const updated = await transaction(this.deps.db, async (tx) => {
      const [done] = await tx
        .update(smsMessages)
        .set({ ...change, updatedAt: now })
        .where(and(eq(smsMessages.id, row.id), eq(smsMessages.status, 'sending')))
        .returning();
      // A retry stays queued: the timeline shows what happened, not each attempt.
      if (done && (done.status === 'sent' || done.status === 'failed'))
        await auditSms(tx, row.sessionId, done.status, row.id, done.error);
      return done;
    });
    if (updated)
      this.opts.onResult?.(updated.status === 'queued' ? 'retried' : updated.status === 'failed' ? 'failed' : 'sent');
    this.deps.log[result.ok ? 'info' : 'warn']('sms submitted', {
      sms: row.id,
      session: row.sessionId,
      status: updated?.status,
      attempt: attempts,
      reason: result.ok ? undefined : result.reason,
    });
    await this.announce(row.sessionId);
  }

  /** A receipt can overtake the write of its message id; look again shortly before giving up. */
  private async applyReport(report: DeliveryReport, tries = 0): Promise<void> {
    const now = this.deps.clock.now();
    const [row] = await this.deps.db
      .select()
      .from(smsMessages)
      .where(sql`${report.messageId} = any(${smsMessages.messageIds})`);
    if (!row) {
      if (tries < 5) setTimeout(() => void this.applyReport(report, tries + 1).catch(() => {}), 200);
      else this.deps.log.warn('sms receipt for an unknown message', { messageId: report.messageId, stat: report.stat });
      return;
    }
    if (report.delivered) {
      if (row.deliveredIds.includes(report.messageId)) return; // a repeated receipt
      const at = sql`${now.toISOString()}::timestamptz`;
      await transaction(this.deps.db, async (tx) => {
        // `completed`: this receipt was the last part's (each adds one distinct id), so `sms.delivered` is written once.
        const result = await tx.execute(sql`
          update ${smsMessages} set
            delivered_ids = array_append(delivered_ids, ${report.messageId}::text),
            status = case when cardinality(delivered_ids) + 1 >= cardinality(message_ids) and status = 'sent' then 'delivered' else status end,
            delivered_at = case when cardinality(delivered_ids) + 1 >= cardinality(message_ids) then ${at} else delivered_at end,
            updated_at = ${at}
          where id = ${row.id} and not (${report.messageId}::text = any(delivered_ids))
          returning status = 'delivered' and cardinality(delivered_ids) = cardinality(message_ids) as completed`);
        const [changed] = rowsOf<{ completed: boolean }>(result);
        if (changed?.completed) await auditSms(tx, row.sessionId, 'delivered', row.id);
      });
    } else {
      await transaction(this.deps.db, async (tx) => {
        const [failed] = await tx
          .update(smsMessages)
          .set({
            status: 'failed',
            error: `Not delivered: the network reported ${report.stat}${report.err && report.err !== '000' ? ` (error ${report.err})` : ''}.`,
            updatedAt: now,
          })
          .where(and(eq(smsMessages.id, row.id), inArray(smsMessages.status, ['sent', 'delivered'])))
          .returning();
        if (failed) await auditSms(tx, row.sessionId, 'failed', row.id, failed.error);
      });
    }
    await this.announce(row.sessionId);
  }

  private async failStaleSending(): Promise<void> {
    const now = this.deps.clock.now();
    const mine = [...this.submitting];
    const stale = await transaction(this.deps.db, async (tx) => {
      const rows = await tx
        .update(smsMessages)
        .set({
          status: 'failed',
          updatedAt: now,
          error:
            'Loupe stopped while this SMS was being submitted; it may or may not arrive. Use Resend if the customer got nothing.',
        })
        .where(
          and(
            eq(smsMessages.status, 'sending'),
            // The node sending it is gone (its heartbeat ran out: src/cluster/nodes.ts), or, for a row
            // from before nodes were recorded, it has been sending for far too long.
            or(
              and(isNotNull(smsMessages.claimedBy), heldByGoneNode(smsMessages.claimedBy, now)),
              lt(smsMessages.updatedAt, new Date(now.getTime() - STALE_SENDING_MS)),
            ),
            mine.length ? notInArray(smsMessages.id, mine) : undefined,
          ),
        )
        .returning();
      for (const row of rows) await auditSms(tx, row.sessionId, 'failed', row.id, row.error);
      return rows;
    });
    for (const row of stale) {
      this.opts.onResult?.('failed');
      await this.announce(row.sessionId);
    }
  }

  private async announce(sessionId: string): Promise<void> {
    const [s] = await this.deps.db
      .select({ technicianId: lensSessions.technicianId })
      .from(lensSessions)
      .where(eq(lensSessions.id, sessionId));
    if (s) this.deps.events.sessionChanged({ sessionId, technicianId: s.technicianId });
  }
}
