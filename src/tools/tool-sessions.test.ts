// The relay's session cache on the real database: one read per session while
// nothing changes (a pointer at 60/s costs no read per message), a fresh read
// after a change, and nothing kept of sessions that do not exist.
import { beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { ToolSessions } from './tool-sessions.ts';

let h: Harness;
let sessionId: string;
let technicianId: string;
let reads = 0;
/** The harness's database, counting the reads made through it. */
let counted: Pick<Deps, 'db'>;

beforeAll(async () => {
  h = await harness();
  const tess = await technician(h);
  technicianId = tess.id;
  const res = await h.call('POST', '/api/sessions', {
    cookie: tess.cookie,
    body: { type: 'lens', name: 'Cached', method: 'link' },
  });
  sessionId = ((await res.json()) as { id: string }).id;
  const db = new Proxy(h.db, {
    get(target, key, receiver) {
      if (key === 'select') reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  counted = { db };
}, DATABASE_HOOK);

describe('the tool session cache', () => {
  test('reads a session once however many messages ask, again after it changed', async () => {
    const cache = new ToolSessions(counted);
    reads = 0;
    const all = await Promise.all(Array.from({ length: 60 }, () => cache.get(sessionId)));
    expect(all.every((s) => s?.state === 'invited' && s.technicianId === technicianId)).toBe(true);
    expect(await cache.get(sessionId)).toEqual({ technicianId, state: 'invited' });
    expect(reads).toBe(1);
    await h.db.update(lensSessions).set({ state: 'connecting' }).where(eq(lensSessions.id, sessionId));
    // Until its change event drops it, the kept state stands (the event comes after the commit).
    expect((await cache.get(sessionId))?.state).toBe('invited');
    cache.forget(sessionId);
    expect((await cache.get(sessionId))?.state).toBe('connecting');
    expect(reads).toBe(2);
  });

  test('a session that does not exist is not kept: made-up ids cannot fill the cache', async () => {
    const cache = new ToolSessions(counted);
    reads = 0;
    const made = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    for (const id of made) expect(await cache.get(id)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(await cache.get(made[0]!)).toBeUndefined();
    expect(reads).toBe(3);
  });
});
