import { beforeEach, describe, expect, test } from 'bun:test';
import type { Db } from '../db/client.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { blockedFor, clear, record, recordEach, release, releaseEach } from './limiter.ts';

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
