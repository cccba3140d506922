import { beforeEach, describe, expect, test } from 'bun:test';
import type { Db } from '../db/client.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { blockedFor, clear, record } from './limiter.ts';

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
});
