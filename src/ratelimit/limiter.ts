// Fixed-window counters in the database, so limits hold across restarts and
// across several Loupe nodes sharing one PostgreSQL.
import { eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from '../db/transaction.ts';
import { rateLimits } from '../db/schema.ts';

export type Limit = { max: number; windowMs: number };

/** Seconds until the key may be used again, or 0 when it is under its limit. */
export async function blockedFor(db: Db, key: string, limit: Limit, now: Date): Promise<number> {
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
  if (!row) return 0;
  const endsAt = row.windowStart.getTime() + limit.windowMs;
  if (endsAt <= now.getTime() || row.count < limit.max) return 0;
  return (endsAt - now.getTime()) / 1000;
}

/** Counts one event against the key, starting a new window when the old one is over. */
export async function record(db: Db | Tx, key: string, limit: Limit, now: Date): Promise<number> {
  return (await recordEach(db, [[key, limit]], now)).get(key)!;
}

/**
 * Counts one event against each key (a statement per distinct window length,
 * not per key: a PIN redeem counts two keys on every attempt). Keys are
 * written in sorted order, so concurrent callers lock them in the same order.
 */
export async function recordEach(
  db: Db | Tx,
  entries: [key: string, limit: Limit][],
  now: Date,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const byWindow = new Map<number, string[]>();
  for (const [key, limit] of entries) byWindow.set(limit.windowMs, [...(byWindow.get(limit.windowMs) ?? []), key]);
  for (const [windowMs, keys] of byWindow) {
    // Bound as text with a cast: postgres-js does not serialise a Date inside a raw sql fragment.
    const windowOpenedAfter = sql`${new Date(now.getTime() - windowMs).toISOString()}::timestamptz`;
    const nowValue = sql`${now.toISOString()}::timestamptz`;
    const rows = await db
      .insert(rateLimits)
      .values([...new Set(keys)].sort().map((key) => ({ key, windowStart: now, count: 1 })))
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`case when ${rateLimits.windowStart} <= ${windowOpenedAfter} then 1 else ${rateLimits.count} + 1 end`,
          windowStart: sql`case when ${rateLimits.windowStart} <= ${windowOpenedAfter} then ${nowValue} else ${rateLimits.windowStart} end`,
        },
      })
      .returning({ key: rateLimits.key, count: rateLimits.count });
    for (const row of rows) counts.set(row.key, row.count);
  }
  return counts;
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
