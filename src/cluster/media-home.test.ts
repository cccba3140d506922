// A session's media home on a real PostgreSQL server: three "nodes" are three
// clients, each naming its connections as main.ts does (or, for the one
// behind a renaming pooler, not).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/client.ts';
import { lensSessions } from '../db/schema.ts';
import { sessionRow, technician } from '../sessions/testing.ts';
import { harness, type Harness } from '../testing/harness.ts';
import { actsOnMedia, claimMediaHome, nodeApplicationName, takeOverMediaOfGoneNodes } from './media-home.ts';
import { heartbeat } from './nodes.ts';

const url = process.env.LOUPE_TEST_DATABASE_URL;

type Node = { nodeId: string; database: Database; db: Database['db']; clock: Harness['clock'] };

describe.skipIf(!url)('media home', () => {
  let h: Harness;
  let a: Node;
  let b: Node;
  let pooled: Node;

  async function node(nodeId: string, named = true): Promise<Node> {
    const database = await openDatabase({
      url: url!,
      applicationName: named ? nodeApplicationName(nodeId) : undefined,
    });
    await database.ping(); // a connection open, under its name
    await heartbeat(database.db, nodeId, h.clock.now());
    return { nodeId, database, db: database.db, clock: h.clock };
  }

  async function session(state: string): Promise<string> {
    const tess = await technician(h);
    const res = await h.call('POST', '/api/sessions', {
      cookie: tess.cookie,
      body: { type: 'lens', name: 'Home', method: 'link' },
    });
    const { id } = (await res.json()) as { id: string };
    await h.db
      .update(lensSessions)
      .set({ state: state as never, ...(state === 'closed' && { endedAt: h.clock.now(), endReason: 'technician' }) })
      .where(eq(lensSessions.id, id));
    return id;
  }

  beforeAll(async () => {
    h = await harness();
    a = await node('home-a');
    b = await node('home-b');
    pooled = await node('home-pooled', false);
  });

  afterAll(async () => {
    for (const n of [b, pooled]) await n?.database.close();
  });

  test('the first node to handle a waiting session holds its media; the others are told which node', async () => {
    const id = await session('waiting');
    expect(await claimMediaHome(b, id)).toBe('home-b');
    expect(await claimMediaHome(a, id)).toBe('home-b');
    expect((await sessionRow(h, id)).mediaNode).toBe('home-b');
    expect(await actsOnMedia(b, id, () => false)).toBe(true);
    expect(await actsOnMedia(a, id, () => true)).toBe(false);
  });

  test('a session without media (invited, closed, unknown) is claimed by nobody: each node handles it itself', async () => {
    for (const state of ['invited', 'closed']) {
      const id = await session(state);
      expect(await claimMediaHome(a, id)).toBe('home-a');
      expect(await claimMediaHome(b, id)).toBe('home-b');
      expect((await sessionRow(h, id)).mediaNode).toBeNull();
    }
    expect(await claimMediaHome(a, crypto.randomUUID())).toBe('home-a');
  });

  test("a node whose connections closed is gone at once; the leader takes its sessions' media, one pass only", async () => {
    const id = await session('active');
    expect(await claimMediaHome(a, id)).toBe('home-a');
    expect(await takeOverMediaOfGoneNodes(b)).toEqual([]);
    // Behind a pooler that renames connections a node cannot tell: it waits for the heartbeat.
    expect(await takeOverMediaOfGoneNodes(pooled)).toEqual([]);
    await a.database.close(); // as a kill -9 closes them; its heartbeat row is still fresh
    expect(await takeOverMediaOfGoneNodes(pooled)).toEqual([]);
    expect(await actsOnMedia(b, id, () => true)).toBe(true);
    const moved = await takeOverMediaOfGoneNodes(b);
    expect(moved.map((m) => m.sessionId)).toContain(id);
    expect((await sessionRow(h, id)).mediaNode).toBe('home-b');
    expect(await takeOverMediaOfGoneNodes(b)).toEqual([]);
  });
});
