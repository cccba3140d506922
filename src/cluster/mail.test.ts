// Node-to-node mail on a real PostgreSQL server: three "nodes" are three
// database clients, as three Loupe processes would be.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openDatabase, type Database } from '../db/client.ts';
import { testDatabase } from '../db/testing.ts';
import { silentLogger } from '../log.ts';
import { type Mail, mailChannel, startMail } from './mail.ts';
import { NOTIFY_MAX_BYTES } from './notify.ts';

const url = process.env.LOUPE_TEST_DATABASE_URL;

type Node = { id: string; database: Database; mail: Mail; heard: [string, unknown, string][] };

async function node(id: string): Promise<Node> {
  const database = await openDatabase({ url: url! });
  const mail = await startMail({ pg: database.pg!, db: database.db, nodeId: id, log: silentLogger });
  const heard: Node['heard'] = [];
  for (const kind of ['media.signal', 'media.page'])
    mail.on(kind, (payload, from) => heard.push([kind, payload, from]));
  return { id, database, mail, heard };
}

async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await Bun.sleep(25);
  if (!ready()) throw new Error(`never happened: ${what}`);
}

describe.skipIf(!url)('node-to-node mail over NOTIFY', () => {
  let a: Node;
  let b: Node;
  let c: Node;

  beforeAll(async () => {
    await testDatabase(); // migrated (cluster_messages)
    a = await node('node-a');
    b = await node('node-b');
    c = await node('a node:with odd "characters" and a very long name, longer than a channel name');
  });

  afterAll(async () => {
    for (const n of [a, b, c]) {
      await n.mail.stop();
      await n.database.close();
    }
  });

  test("each node has a channel of its own, within PostgreSQL's 63 bytes, whatever its id", () => {
    const channels = [a, b, c].map((n) => mailChannel(n.id));
    expect(new Set(channels).size).toBe(3);
    for (const ch of channels) expect(ch).toMatch(/^loupe_node_[0-9a-f]{32}$/);
  });

  test('only the node addressed hears a message, in the order sent, with who sent it', async () => {
    for (let i = 0; i < 50; i++) a.mail.send(c.id, 'media.signal', { n: i });
    await a.mail.flushed();
    await Bun.sleep(0);
    for (let i = 50; i < 60; i++) a.mail.send(c.id, 'media.signal', { n: i });
    await a.mail.flushed();
    await until(() => c.heard.length === 60, 'node C heard all 60');
    expect(c.heard.map(([, p]) => (p as { n: number }).n)).toEqual([...Array(60).keys()]);
    expect(new Set(c.heard.map(([kind, , from]) => `${kind} ${from}`))).toEqual(new Set(['media.signal node-a']));
    await Bun.sleep(100);
    expect(a.heard).toEqual([]);
    expect(b.heard).toEqual([]);
  });

  test('a message larger than a NOTIFY goes through cluster_messages and arrives whole, in order with the small ones', async () => {
    b.heard.length = 0;
    const big = 'v=0\r\n'.repeat(Math.ceil((NOTIFY_MAX_BYTES * 2) / 5));
    a.mail.send(b.id, 'media.page', { n: 1 });
    await a.mail.flushed();
    a.mail.send(b.id, 'media.page', { n: 2, sdp: big });
    await a.mail.flushed();
    a.mail.send(b.id, 'media.page', { n: 3 });
    await a.mail.flushed();
    await until(() => b.heard.length === 3, 'node B heard three');
    expect(b.heard.map(([, p]) => (p as { n: number }).n)).toEqual([1, 2, 3]);
    expect((b.heard[1]![1] as { sdp: string }).sdp).toBe(big);
  });

  test('a kind nobody handles, and a notification not from a node, are ignored; later mail still arrives', async () => {
    c.heard.length = 0;
    a.mail.send(c.id, 'something.newer', { x: 1 });
    await a.mail.flushed();
    await a.database.pg!.notify(mailChannel(c.id), 'not json');
    await a.database.pg!.notify(mailChannel(c.id), JSON.stringify({ e: [['media.signal', {}]] }));
    a.mail.send(c.id, 'media.signal', { n: 'after' });
    await a.mail.flushed();
    await until(() => c.heard.length === 1, 'node C heard the last one');
    expect(c.heard).toEqual([['media.signal', { n: 'after' }, 'node-a']]);
  });
});
