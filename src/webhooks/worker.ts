// The webhook delivery worker: sends the outbox's due rows, signed per
// Standard Webhooks, and records each attempt.
//
// - Claimed with FOR UPDATE SKIP LOCKED and a lease (`lease_until`): several
//   nodes share the queue, and a row whose node stopped mid-send is taken over
//   once its lease has run out (at least once: the receiver drops a repeated
//   `webhook-id`).
// - In order per session and receiver: a row waits while an earlier one of the
//   same session and receiver is still queued or being sent.
// - A slow or dead receiver only ever holds its own rows: a pass never waits
//   for a send, sends run in parallel (PER_RECEIVER per receiver, `concurrency`
//   in all), each bounded by WEBHOOK_TIMEOUT_MS, off the request path.
// - 2xx: delivered. Anything else: retried with exponential back-off and
//   jitter until WEBHOOK_RETRY_HOURS after the first attempt, then failed.
import { and, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_RETRY_HOURS, WEBHOOK_TIMEOUT_MS } from '../contract/org.ts';
import { webhookAttempts, webhookDeliveries, webhooks } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { systemClock, type Deps } from '../deps.ts';
import { post } from './post.ts';
import { Passes } from '../outbox/passes.ts';

/** The rows of a raw `execute`: postgres-js answers an array, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

export type WorkerOptions = {
  pollMs?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Told each recorded attempt's outcome and time (the metrics' loupe_webhook_attempts_total). */
  onAttempt?: (outcome: 'delivered' | 'retried' | 'failed', seconds: number) => void;
};

/** Sends to one receiver at once at most: the rest of the slots stay for the others. */
const PER_RECEIVER = 4;
/** Back-off after the n-th failed attempt (≈ 5 s, 30 s, 2 min, 10 min, 30 min, then hourly), ±20 % jitter. */
const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
const RETRY_MS = WEBHOOK_RETRY_HOURS * 3_600_000;

export function backoffMs(failedAttempts: number, random = Math.random): number {
  const base = BACKOFF_MS[Math.min(failedAttempts - 1, BACKOFF_MS.length - 1)]!;
  return Math.round(base * (0.8 + 0.4 * random()));
}

type Claimed = {
  id: string;
  webhook_id: string;
  message_id: string;
  session_id: string | null;
  payload: unknown;
  attempts: number;
  lease_until: string | Date;
};

export class Worker {
  private readonly passes: Passes;
  private readonly inFlight = new Map<string, { webhookId: string; abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly deps: Deps,
    private readonly opts: WorkerOptions = {},
  ) {
    this.passes = new Passes(() => this.pass(), deps.log, 'webhook pass failed', opts.pollMs ?? 2_000);
  }

  start(): void {
    this.passes.start();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    this.passes.wake();
  }

  /** Resolves when no pass runs and nothing is being sent (tests). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.passes.current || this.inFlight.size); i++)
      await Promise.all([this.passes.current, ...[...this.inFlight.values()].map((f) => f.done)]);
  }

  /** Sends in flight are cut off, not recorded: their leases run out and another pass sends them again. */
  async stop(): Promise<void> {
    this.passes.stop();
    for (const f of this.inFlight.values()) f.abort.abort();
    await this.idle();
  }

  private async pass(): Promise<void> {
    const slots = (this.opts.concurrency ?? 32) - this.inFlight.size;
    if (slots <= 0) return;
    const claimed = await this.claim(slots);
    for (const row of claimed) {
      const abort = new AbortController();
      const done = this.send(row, abort.signal)
        .catch((err) => this.deps.log.error('webhook send failed', { err, delivery: row.id }))
        .finally(() => {
          this.inFlight.delete(row.id);
          // The session's next row may go now.
          this.wake();
        });
      this.inFlight.set(row.id, { webhookId: row.webhook_id, abort, done });
    }
  }

  /**
   * Marks due rows `sending` until their lease ends. Due: queued and its time
   * has come, or sending with a lease run out (its node stopped). Not: an
   * earlier row of the same session and receiver still pending (order), a
   * disabled receiver's (kept until it is enabled again), more than
   * PER_RECEIVER of one receiver in flight on this node.
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const at = sql`${now.toISOString()}::timestamptz`;
    const lease = sql`${new Date(now.getTime() + (this.opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS) + 60_000).toISOString()}::timestamptz`;
    const busy = new Map<string, number>();
    for (const f of this.inFlight.values()) busy.set(f.webhookId, (busy.get(f.webhookId) ?? 0) + 1);
    const full = [...busy].filter(([, n]) => n >= PER_RECEIVER).map(([id]) => id);
    const notFull = full.length
      ? sql`and d.webhook_id not in (${sql.join(
          full.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`
      : sql``;
    return transaction(this.deps.db, async (tx) => {
      const result = await tx.execute(sql`
        with candidates as (
          select d.id, row_number() over (partition by d.webhook_id order by d.seq) as n
          from ${webhookDeliveries} d join ${webhooks} w on w.id = d.webhook_id and w.enabled
          where ((d.status = 'queued' and d.next_attempt_at <= ${at}) or (d.status = 'sending' and d.lease_until < ${at}))
            ${notFull}
            and not exists (
              select 1 from ${webhookDeliveries} e
              where e.webhook_id = d.webhook_id and e.session_id = d.session_id and e.seq < d.seq
                and e.status in ('queued', 'sending'))
        ),
        due as (
          select d.id from ${webhookDeliveries} d
          where d.id in (select id from candidates where n <= ${PER_RECEIVER})
          order by d.seq limit ${limit}
          for update of d skip locked
        )
        update ${webhookDeliveries} set status = 'sending', lease_until = ${lease}, updated_at = ${at}
        from due where ${webhookDeliveries}.id = due.id
        returning ${webhookDeliveries}.id, webhook_id, message_id, session_id, payload, attempts, lease_until`);
      return rowsOf<Claimed>(result);
    });
  }

  private async send(row: Claimed, signal: AbortSignal): Promise<void> {
    const [receiver] = await this.deps.db.select().from(webhooks).where(eq(webhooks.id, row.webhook_id));
    if (!receiver) return; // deleted meanwhile: its rows went with it
    const body = JSON.stringify(row.payload);
    // The signature's timestamp is the wall clock's, not deps.clock's: the
    // receiver checks it against its own clock (the standard's replay window).
    const signedAt = systemClock.now();
    const signature = new Webhook(receiver.secret).sign(row.message_id, signedAt, body);
    const at = this.deps.clock.now();
    const outcome = await post(
      new URL(receiver.url),
      {
        'content-type': 'application/json',
        'user-agent': 'Loupe-Webhooks/1',
        'webhook-id': row.message_id,
        'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      { allow: this.deps.config.webhookAllowHttp, timeoutMs: this.opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS, signal },
    );
    if (signal.aborted) return;
    await this.record(row, at, outcome);
  }

  private async record(
    row: Claimed,
    at: Date,
    outcome: { statusCode: number | null; latencyMs: number; error: string | null },
  ): Promise<void> {
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const now = this.deps.clock.now();
    const status = await transaction(this.deps.db, async (tx) => {
      // Still ours: not taken over by another node after our lease ran out.
      const [mine] = await tx
        .select({ attempts: webhookDeliveries.attempts })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.id, row.id),
            eq(webhookDeliveries.status, 'sending'),
            eq(webhookDeliveries.leaseUntil, new Date(row.lease_until)),
          ),
        )
        .for('update');
      if (!mine) return undefined;
      await tx.insert(webhookAttempts).values({ deliveryId: row.id, at, ...outcome });
      const attempts = mine.attempts + 1;
      if (ok) {
        await tx
          .update(webhookDeliveries)
          .set({ status: 'delivered', attempts, deliveredAt: now, leaseUntil: null, lastError: null, updatedAt: now })
          .where(eq(webhookDeliveries.id, row.id));
        return 'delivered' as const;
      }
      // `attempts` counts from the row's last (re)queue, so its first attempt is that many rows back.
      const [first] = await tx
        .select({ at: webhookAttempts.at })
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, row.id))
        .orderBy(sql`${webhookAttempts.id} desc`)
        .offset(attempts - 1)
        .limit(1);
      const next = new Date(now.getTime() + backoffMs(attempts));
      const giveUp = next.getTime() > (first?.at ?? at).getTime() + RETRY_MS;
      await tx
        .update(webhookDeliveries)
        .set({
          status: giveUp ? 'failed' : 'queued',
          attempts,
          nextAttemptAt: giveUp ? now : next,
          leaseUntil: null,
          lastError: outcome.error,
          updatedAt: now,
        })
        .where(eq(webhookDeliveries.id, row.id));
      return giveUp ? ('failed' as const) : ('queued' as const);
    });
    // Not an attempt taken over by another node: that node records (and counts) its own.
    if (status) this.opts.onAttempt?.(status === 'queued' ? 'retried' : status, outcome.latencyMs / 1000);
    this.deps.log[ok ? 'info' : 'warn']('webhook attempt', {
      delivery: row.id,
      webhook: row.webhook_id,
      statusCode: outcome.statusCode,
      ms: outcome.latencyMs,
      outcome: status ?? 'taken over',
    });
  }
}
