// Fixed-window counters in the database, so limits hold across restarts and
// across several Loupe nodes sharing one PostgreSQL.
import { eq, lt, sql } from 'drizzle-orm';
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
  // Bound as text with a cast: postgres-js does not serialise a Date inside a raw sql fragment.
  const windowOpenedAfter = sql`${new Date(now.getTime() - limit.windowMs).toISOString()}::timestamptz`;
  const nowValue = sql`${now.toISOString()}::timestamptz`;
  const [row] = await db.insert(rateLimits).values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStart} <= ${windowOpenedAfter} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${rateLimits.windowStart} <= ${windowOpenedAfter} then ${nowValue} else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ count: rateLimits.count });
  return row!.count;
}

/** Takes back one event, e.g. an attempt that turned out to be legitimate. */
export async function release(db: Db, key: string): Promise<void> {
  await db.update(rateLimits).set({ count: sql`greatest(${rateLimits.count} - 1, 0)` }).where(eq(rateLimits.key, key));
}

export async function clear(db: Db, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}

export async function deleteExpired(db: Db, olderThan: Date): Promise<void> {
  await db.delete(rateLimits).where(lt(rateLimits.windowStart, olderThan));
}
