// Fixed-window counters in the database, so limits hold across restarts and
// across several Loupe nodes sharing one PostgreSQL.
import { eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from '../db/transaction.ts';
import { rateLimits } from '../db/schema.ts';

export type Limit = { max: number; windowMs: number };

/*
 * The fixed-window rule, defined once here and used by every counter: by
 * blockedFor, recordEach and spend below and by the redeem statement
 * (src/sessions/customer.ts), which counts in the database within its one
 * statement. A counter's window opens at its first event; it is over once
 * `windowMs` have passed since then, and the next event opens a new window with
 * a count of 1. While its window is open, a counter holding `max` events refuses.
 * src/ratelimit/window-rule.test.ts runs the same attempts through both users.
 */

/** A window that opened after this moment is still open at `now`. */
export function openedAfter(limit: Pick<Limit, 'windowMs'>, now: Date): Date {
  return new Date(now.getTime() - limit.windowMs);
}

/** The rule on a counter read into memory: is it over, and does it refuse? */
export const windowRule = {
  over: (windowStart: Date, after: Date): boolean => windowStart.getTime() <= after.getTime(),
  refuses: (counter: { windowStart: Date; count: number }, limit: Limit, now: Date): boolean =>
    !windowRule.over(counter.windowStart, openedAfter(limit, now)) && counter.count >= limit.max,
};

/**
 * The same rule in SQL, over a counter's columns (or any expressions for
 * them) and `after`, the bound openedAfter of the limit.
 */
export const windowSql = {
  over: (windowStart: SQL, after: SQL): SQL => sql`${windowStart} <= ${after}`,
  refuses: (counter: { windowStart: SQL; count: SQL }, after: SQL, max: SQL): SQL =>
    sql`not (${windowSql.over(counter.windowStart, after)}) and ${counter.count} >= ${max}`,
  /** The count after one more event. */
  countAfterEvent: (counter: { windowStart: SQL; count: SQL }, after: SQL): SQL =>
    sql`case when ${windowSql.over(counter.windowStart, after)} then 1 else ${counter.count} + 1 end`,
  /** The window's start after one more event at `now`. */
  startAfterEvent: (counter: { windowStart: SQL }, after: SQL, now: SQL): SQL =>
    sql`case when ${windowSql.over(counter.windowStart, after)} then ${now} else ${counter.windowStart} end`,
};

/** Seconds until the key may be used again, or 0 when it is under its limit. */
export async function blockedFor(db: Db, key: string, limit: Limit, now: Date): Promise<number> {
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
  if (!row || !windowRule.refuses(row, limit, now)) return 0;
  return (row.windowStart.getTime() + limit.windowMs - now.getTime()) / 1000;
}

/** Counts one event against the key, starting a new window when the old one is over. */
export async function record(db: Db | Tx, key: string, limit: Limit, now: Date): Promise<number> {
  return (await recordEach(db, [[key, limit]], now)).get(key)!;
}

/** Counts one event against each key; each key's count after it. */
export async function recordEach(
  db: Db | Tx,
  entries: [key: string, limit: Limit][],
  now: Date,
): Promise<Map<string, number>> {
  return new Map([...(await countEach(db, entries, now))].map(([key, c]) => [key, c.count]));
}

/** Where a spend went past a limit: the first key, and the seconds until its window is over. */
export type Over = { key: string; limit: Limit; retryAfterS: number };

/**
 * Spends one event of each key's limit, inside the caller's transaction, for
 * the thing the limit guards (an SMS queued, a sign-in attempt). When this
 * takes a key past its limit, throws what `refuse` makes of it, so the
 * caller's transaction rolls back, these counts with it: a refused request is
 * never counted. Call it in the transaction that does the guarded thing, after
 * that transaction's other checks, so nothing refused for another reason
 * spends the limit either.
 *
 * Race-safe: the upsert locks each counter's row until the transaction ends,
 * so concurrent spenders of a key count one after the other and see each
 * other's counts; a counter that does not exist yet is no gap (a concurrent
 * insert of the same key waits on the primary key, then updates). Exactly
 * `max` spends pass however many run at once.
 */
export async function spend(
  tx: Tx,
  entries: [key: string, limit: Limit][],
  now: Date,
  refuse: (over: Over) => Error,
): Promise<void> {
  const counts = await countEach(tx, entries, now);
  for (const [key, limit] of entries) {
    const counter = counts.get(key)!;
    if (counter.count > limit.max) {
      throw refuse({
        key,
        limit,
        retryAfterS: (counter.windowStart.getTime() + limit.windowMs - now.getTime()) / 1000,
      });
    }
  }
}

/**
 * Counts one event against each key: one statement per run of keys with the
 * same window length (in practice one statement), the keys in sorted order
 * across all statements, so concurrent callers lock them in the same order and
 * never deadlock.
 */
async function countEach(
  db: Db | Tx,
  entries: [key: string, limit: Limit][],
  now: Date,
): Promise<Map<string, { count: number; windowStart: Date }>> {
  const windowOf = new Map(entries.map(([key, limit]) => [key, limit.windowMs]));
  const runs: { windowMs: number; keys: string[] }[] = [];
  for (const key of [...windowOf.keys()].sort()) {
    const windowMs = windowOf.get(key)!;
    const last = runs.at(-1);
    if (last?.windowMs === windowMs) last.keys.push(key);
    else runs.push({ windowMs, keys: [key] });
  }
  const counts = new Map<string, { count: number; windowStart: Date }>();
  for (const { windowMs, keys } of runs) {
    // Bound as text with a cast: postgres-js does not serialise a Date inside a raw sql fragment.
    const after = sql`${openedAfter({ windowMs }, now).toISOString()}::timestamptz`;
    const nowValue = sql`${now.toISOString()}::timestamptz`;
    const counter = { windowStart: sql`${rateLimits.windowStart}`, count: sql`${rateLimits.count}` };
    const rows = await db
      .insert(rateLimits)
      .values(keys.map((key) => ({ key, windowStart: now, count: 1 })))
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: windowSql.countAfterEvent(counter, after),
          windowStart: windowSql.startAfterEvent(counter, after, nowValue),
        },
      })
      .returning({ key: rateLimits.key, count: rateLimits.count, windowStart: rateLimits.windowStart });
    for (const row of rows) counts.set(row.key, { count: row.count, windowStart: row.windowStart });
  }
  return counts;
}

/**
 * Makes the keys' counters exist (count 0, a window opening now) where they do
 * not yet, in a statement of its own. A statement that locks counters to
 * check a limit sees only the rows that existed when it began: parallel
 * attempts that all begin before the first counter exists find nothing to
 * lock and are all let through. Made beforehand, every attempt locks the
 * same rows and waits for the one before it.
 */
export async function ensureCounters(db: Db, keys: string[], now: Date): Promise<void> {
  await db
    .insert(rateLimits)
    .values([...new Set(keys)].sort().map((key) => ({ key, windowStart: now, count: 0 })))
    .onConflictDoNothing({ target: rateLimits.key });
}

/** Takes back one event, e.g. an attempt that turned out to be legitimate. */
export async function release(db: Db, key: string): Promise<void> {
  await releaseEach(db, [key]);
}

/** Takes back one event from each key, in one statement. */
export async function releaseEach(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(rateLimits)
    .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
    .where(inArray(rateLimits.key, keys));
}

export async function clear(db: Db, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}

export async function deleteExpired(db: Db, olderThan: Date): Promise<void> {
  await db.delete(rateLimits).where(lt(rateLimits.windowStart, olderThan));
}
