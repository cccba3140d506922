import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { rateLimits } from '../db/schema.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { transaction } from '../db/transaction.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { blockedFor, clear, record, recordEach, release, releaseEach, spend } from './limiter.ts';

let db: Db;
const limit = { max: 3, windowMs: 60_000 };
const t0 = new Date('2026-11-25T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

beforeEach(async () => {
  db = (await freshTestDatabase()).db;
}, DATABASE_HOOK);

describe('fixed-window limiter', () => {
  test('blocks after max events until the window ends', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await blockedFor(db, 'k', limit, at(i))).toBe(0);
      expect(await record(db, 'k', limit, at(i))).toBe(i);
    }
    expect(await blockedFor(db, 'k', limit, at(10_000))).toBeCloseTo(50, 0);
    expect(await blockedFor(db, 'other', limit, at(10_000))).toBe(0);
    expect(await blockedFor(db, 'k', limit, at(60_001))).toBe(0); // the window opened at the first event, at(1)
    expect(await record(db, 'k', limit, at(60_001))).toBe(1); // a new window starts
  });

  test('clear forgets a key', async () => {
    for (let i = 0; i < 3; i++) await record(db, 'k', limit, t0);
    await clear(db, 'k');
    expect(await blockedFor(db, 'k', limit, t0)).toBe(0);
  });

  test('concurrent events are all counted', async () => {
    const counts = await Promise.all(Array.from({ length: 20 }, () => record(db, 'busy', limit, t0)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('several keys in one call: each counted in its own window, and released together', async () => {
    const long = { max: 2, windowMs: 600_000 };
    const limits = { a: limit, b: limit, c: long };
    /** recordEach for these keys at t ms, its counts as an object. */
    const counts = async (keys: (keyof typeof limits)[], t: number) =>
      Object.fromEntries(
        await recordEach(
          db,
          keys.map((key): [string, typeof limit] => [key, limits[key]]),
          at(t),
        ),
      );
    expect(await counts(['a', 'b', 'c'], 0)).toEqual({ a: 1, b: 1, c: 1 });
    expect(await counts(['a', 'c'], 1_000)).toEqual({ a: 2, c: 2 });
    // At 61 s "a" is in a new window; "c"'s longer window still runs.
    expect(await counts(['a', 'c'], 61_000)).toEqual({ a: 1, c: 3 });
    expect(await blockedFor(db, 'c', long, at(61_000))).toBeGreaterThan(0);
    await releaseEach(db, ['a', 'c', 'unknown']);
    await release(db, 'b');
    await releaseEach(db, []);
    expect(await counts(['a', 'b', 'c'], 62_000)).toEqual({ a: 1, b: 1, c: 3 });
  });

  test('concurrent calls over the same keys neither lose counts nor deadlock', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordEach(
          db,
          i % 2
            ? [
                ['x', limit],
                ['y', limit],
              ]
            : [
                ['y', limit],
                ['x', limit],
              ],
          t0,
        ),
      ),
    );
    expect(results.map((r) => r.get('x')!).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(results.map((r) => r.get('y')!).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe("spend: counted in the caller's transaction, and only when it passes", () => {
  class Over extends Error {}
  const attempt = (entries: [string, typeof limit][], now = t0) =>
    transaction(db, (tx) =>
      spend(tx, entries, now, (over) => new Over(`${over.key} ${Math.round(over.retryAfterS)}`)),
    ).then(
      () => 'passed',
      (err) => {
        if (err instanceof Over) return err.message;
        throw err;
      },
    );
  const count = async (key: string) => (await countOf(key)) ?? 0;
  const countOf = async (key: string) => (await db.select().from(rateLimits).where(eq(rateLimits.key, key)))[0]?.count;

  test('a spend past the limit throws, with the seconds until the window ends, and counts nothing', async () => {
    for (let i = 0; i < limit.max; i++) expect(await attempt([['k', limit]], at(i * 1000))).toBe('passed');
    expect(await attempt([['k', limit]], at(20_000))).toBe('k 40');
    expect(await count('k')).toBe(limit.max);
    expect(await attempt([['k', limit]], at(60_000))).toBe('passed');
    expect(await count('k')).toBe(1);
  });

  test('one key over rolls back the others: all or nothing', async () => {
    for (let i = 0; i < limit.max; i++) await attempt([['full', limit]]);
    expect(
      await attempt([
        ['a', limit],
        ['full', limit],
        ['z', limit],
      ]),
    ).toBe('full 60');
    expect([await countOf('a'), await countOf('full'), await countOf('z')]).toEqual([undefined, limit.max, undefined]);
  });

  test("the caller's own failure after the spend rolls the count back too", async () => {
    await expect(
      transaction(db, async (tx) => {
        await spend(tx, [['k', limit]], t0, () => new Over());
        throw new Error('the guarded thing failed');
      }),
    ).rejects.toThrow('the guarded thing failed');
    expect(await countOf('k')).toBeUndefined();
  });

  test('concurrent spends at the limit: exactly max pass, for a new counter and an existing one', async () => {
    for (const key of ['new', 'existing']) {
      if (key === 'existing') await record(db, key, { ...limit, max: 100 }, t0);
      const start = (await countOf(key)) ?? 0;
      const results = await Promise.all(Array.from({ length: 20 }, () => attempt([[key, limit]])));
      expect(results.filter((r) => r === 'passed')).toHaveLength(limit.max - start);
      expect(await countOf(key)).toBe(limit.max);
    }
  });

  test('concurrent spends over keys of different windows, given in any order, neither deadlock nor overrun', async () => {
    const long = { max: 5, windowMs: 600_000 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        attempt(
          i % 2
            ? [
                ['m', long],
                ['b', limit],
                ['x', long],
              ]
            : [
                ['x', long],
                ['m', long],
                ['b', limit],
              ],
        ),
      ),
    );
    expect(results.filter((r) => r === 'passed')).toHaveLength(limit.max);
    expect([await countOf('b'), await countOf('m'), await countOf('x')]).toEqual([limit.max, limit.max, limit.max]);
  });
});
