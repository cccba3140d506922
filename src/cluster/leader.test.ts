// Leader election on a real PostgreSQL server: one leader among several
// nodes, and a take-over when the leader stops or loses its connection.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openDatabase, type Database } from '../db/client.ts';
import { silentLogger } from '../log.ts';
import { electLeader, LEADER_LOCK_KEY, type Leadership } from './leader.ts';

const url = process.env.LOUPE_TEST_DATABASE_URL;

async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await Bun.sleep(25);
  if (!ready()) throw new Error(`never happened: ${what}`);
}

describe.skipIf(!url)('cluster leader', () => {
  const databases: Database[] = [];
  const open = async () => {
    const database = await openDatabase({ url: url! });
    databases.push(database);
    return database;
  };

  beforeAll(async () => {
    // Whatever an earlier test left holding the lock is gone with its connection.
    await open();
  });

  afterAll(async () => {
    for (const d of databases) await d.close();
  });

  test('of three nodes exactly one leads; when it stops, another takes over', async () => {
    const nodes: Leadership[] = [];
    for (let i = 0; i < 3; i++) nodes.push(await electLeader((await open()).openSingle!(), silentLogger, 50));
    expect(nodes.filter((n) => n.isLeader()).length).toBe(1);
    const first = nodes.findIndex((n) => n.isLeader());
    await nodes[first]!.stop();
    const rest = nodes.filter((_, i) => i !== first);
    await until(() => rest.some((n) => n.isLeader()), 'another node leads');
    await Bun.sleep(200); // several checks later, still exactly one
    expect(rest.filter((n) => n.isLeader()).length).toBe(1);
    for (const n of rest) await n.stop();
  });

  test('a leader whose connection is cut loses the lock with it: a live backend holds it next, and one node leads', async () => {
    const one = await electLeader((await open()).openSingle!(), silentLogger, 50);
    const two = await electLeader((await open()).openSingle!(), silentLogger, 50);
    const [leader, other] = one.isLeader() ? [one, two] : [two, one];
    expect(leader.isLeader()).toBe(true);
    expect(other.isLeader()).toBe(false);
    // Cut the backend that holds the lock, from outside.
    const admin = (await open()).pg!;
    const high = Math.floor(LEADER_LOCK_KEY / 2 ** 32);
    const low = LEADER_LOCK_KEY % 2 ** 32;
    const holders = await admin<{ pid: number }[]>`
      select pid from pg_locks where locktype = 'advisory' and granted and classid = ${high} and objid = ${low}`;
    expect(holders.length).toBe(1);
    const cut = holders[0]!.pid;
    await admin`select pg_terminate_backend(${cut})`;
    // The lock is held again, by a live backend: either node may have it (the cut
    // node reconnects and may win), but never both, and never the cut backend.
    const holder = async () =>
      (
        await admin<{ pid: number }[]>`
          select pid from pg_locks where locktype = 'advisory' and granted and classid = ${high} and objid = ${low}`
      )[0]?.pid;
    let now: number | undefined;
    for (let i = 0; i < 200; i++) {
      now = await holder();
      if (now && now !== cut) break;
      await Bun.sleep(25);
    }
    expect(now).toBeDefined();
    expect(now).not.toBe(cut);
    await until(() => one.isLeader() !== two.isLeader(), 'exactly one node leads');
    await Bun.sleep(200); // several checks later, still exactly one
    expect([one.isLeader(), two.isLeader()].filter(Boolean).length).toBe(1);
    await one.stop();
    await two.stop();
  });
});
