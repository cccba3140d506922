// The e-mail outbox worker, like the SMS one (src/sms/outbox.ts): rows are
// written by the session verbs in their own transaction; this worker claims
// due rows, sends them through SMTP and records the outcome.
//
// Sent once, never twice: a row is marked `sending` (committed) before its
// send. A refusal for now (4xx, no connection) puts it back in the queue with
// a back-off, a bounded number of times; a refusal for good (5xx) fails it
// with the server's reason. A send whose outcome is unknown (the connection
// dropped after the whole message went out, or Loupe stopped mid-send: a
// `sending` row nobody holds) is marked failed with that reason, never sent
// again: the technician can read the PIN out or send the link another way.
import { and, eq, inArray, isNotNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { heldByGoneNode } from '../cluster/nodes.ts';
import { emailMessages, lensSessions } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { auditEmail, withoutAddress } from './email-audit.ts';
import type { EmailSender, SendResult } from './smtp.ts';
import { Passes } from '../outbox/passes.ts';

export type EmailOutboxOptions = {
  /** How often due retries are looked for when nothing wakes the worker. */
  pollMs?: number;
  batch?: number;
  maxAttempts?: number;
  /** The waits between attempts (the last one repeats); tests shorten them. */
  backoffMs?: readonly number[];
  /** Told each send's outcome (the metrics' loupe_email_results_total). */
  onResult?: (result: 'sent' | 'retried' | 'failed') => void;
};

/**
 * A `sending` row older than this belongs to a send that will never finish (a
 * node stopped mid-send). Well above the sender's worst case (connection,
 * greeting and socket timeouts of one message).
 */
export const STALE_SENDING_MS = 15 * 60_000;
const BACKOFF_MS = [5_000, 30_000, 120_000, 300_000, 600_000];
const MAX_ATTEMPTS = 8;

type EmailRow = typeof emailMessages.$inferSelect;

export class EmailOutbox {
  private readonly passes: Passes;
  private readonly inFlight = new Set<Promise<void>>();
  /** Rows this node is sending right now: never swept as stale. */
  private readonly sending = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly sender: EmailSender,
    private readonly opts: EmailOutboxOptions = {},
  ) {
    this.passes = new Passes(() => this.pass(), deps.log, 'email outbox pass failed', opts.pollMs ?? 5_000);
  }

  start(): void {
    this.unsubscribe.push(this.deps.events.onEmailQueued(() => this.wake()));
    this.passes.start();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    this.passes.wake();
  }

  /** Resolves when no pass and no send is in progress (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.passes.current || this.inFlight.size) await Promise.all([this.passes.current, ...this.inFlight]);
  }

  /** Stops claiming; a send in flight gets its answer and is recorded. */
  async stop(): Promise<void> {
    this.passes.stop();
    for (const off of this.unsubscribe) off();
    await this.idle();
  }

  private async pass(): Promise<void> {
    await this.failStaleSending();
    const claimed = await this.claim();
    for (const row of claimed) {
      this.sending.add(row.id);
      const work = this.sender
        .send({ reference: row.id, to: row.to, subject: row.subject, text: row.text, html: row.html })
        .then((result) => this.record(row, result))
        .catch((err) => this.deps.log.error('email send failed', { err, email: row.id }))
        .finally(() => this.sending.delete(row.id));
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    // A full batch means more may be due.
    if (claimed.length === (this.opts.batch ?? 20)) this.passes.runAgain();
  }

  /** Marks due rows `sending`; SKIP LOCKED lets several nodes share one queue. */
  private async claim(): Promise<EmailRow[]> {
    const now = this.deps.clock.now();
    return transaction(this.deps.db, async (tx) => {
      const due = await tx
        .select({ id: emailMessages.id })
        .from(emailMessages)
        .innerJoin(lensSessions, eq(lensSessions.id, emailMessages.sessionId))
        .where(
          and(
            eq(emailMessages.status, 'queued'),
            lte(emailMessages.nextAttemptAt, now),
            eq(lensSessions.state, 'invited'),
          ),
        )
        // Locking the session too means an invitation being ended right now is skipped, not mailed.
        .orderBy(emailMessages.nextAttemptAt)
        .limit(this.opts.batch ?? 20)
        .for('update', { of: [emailMessages, lensSessions], skipLocked: true });
      if (!due.length) return [];
      return tx
        .update(emailMessages)
        .set({
          status: 'sending',
          attempts: sql`${emailMessages.attempts} + 1`,
          updatedAt: now,
          claimedBy: this.deps.nodeId,
        })
        .where(
          inArray(
            emailMessages.id,
            due.map((d) => d.id),
          ),
        )
        .returning();
    });
  }

  private async record(row: EmailRow, result: SendResult): Promise<void> {
    const now = this.deps.clock.now();
    const attempts = row.attempts; // counted when claimed
    const maxAttempts = this.opts.maxAttempts ?? MAX_ATTEMPTS;
    let change: Partial<typeof emailMessages.$inferInsert>;
    if (result.ok) {
      change = { status: 'sent', messageId: result.messageId, sentAt: now, error: null };
    } else if (result.outcomeUnknown) {
      change = {
        status: 'failed',
        error: `The mail server's connection dropped before it confirmed the e-mail (${result.reason}). It may or may not arrive: give the customer the PIN another way if they got nothing.`,
      };
    } else if (result.permanent) {
      // Servers often quote the address; the row keeps the reason, not the contact data (retention clears `to`).
      change = { status: 'failed', error: withoutAddress(result.reason, row.to) };
    } else if (attempts >= maxAttempts) {
      change = {
        status: 'failed',
        error: `Gave up after ${attempts} attempts: ${withoutAddress(result.reason, row.to)}`,
      };
    } else {
      const backoff = this.opts.backoffMs ?? BACKOFF_MS;
      const wait = backoff[Math.min(attempts - 1, backoff.length - 1)]!;
      change = {
        status: 'queued',
        error: `Retrying: ${withoutAddress(result.reason, row.to)}`,
        nextAttemptAt: new Date(now.getTime() + wait),
      };
    }
    const updated = await transaction(this.deps.db, async (tx) => {
      const [done] = await tx
        .update(emailMessages)
        .set({ ...change, updatedAt: now })
        .where(and(eq(emailMessages.id, row.id), eq(emailMessages.status, 'sending')))
        .returning();
      // A retry stays queued: the timeline shows what happened, not each attempt.
      if (done && (done.status === 'sent' || done.status === 'failed'))
        await auditEmail(tx, row.sessionId, done.status, row.id, { reason: done.error, address: row.to });
      return done;
    });
    if (updated)
      this.opts.onResult?.(updated.status === 'queued' ? 'retried' : updated.status === 'failed' ? 'failed' : 'sent');
    this.deps.log[result.ok ? 'info' : 'warn']('email sent', {
      email: row.id,
      session: row.sessionId,
      status: updated?.status,
      attempt: attempts,
    });
    await this.announce(row.sessionId);
  }

  private async failStaleSending(): Promise<void> {
    const now = this.deps.clock.now();
    const mine = [...this.sending];
    const stale = await transaction(this.deps.db, async (tx) => {
      const rows = await tx
        .update(emailMessages)
        .set({
          status: 'failed',
          updatedAt: now,
          error:
            'Loupe stopped while this e-mail was being sent; it may or may not arrive. Give the customer the PIN another way if they got nothing.',
        })
        .where(
          and(
            eq(emailMessages.status, 'sending'),
            // The node sending it is gone (its heartbeat ran out: src/cluster/nodes.ts), or, for a row
            // from before nodes were recorded, it has been sending for far too long.
            or(
              and(isNotNull(emailMessages.claimedBy), heldByGoneNode(emailMessages.claimedBy, now)),
              lt(emailMessages.updatedAt, new Date(now.getTime() - STALE_SENDING_MS)),
            ),
            mine.length ? notInArray(emailMessages.id, mine) : undefined,
          ),
        )
        .returning();
      for (const row of rows)
        await auditEmail(tx, row.sessionId, 'failed', row.id, { reason: row.error, address: row.to });
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
