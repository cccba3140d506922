// The event relay between nodes, on a real PostgreSQL server (LISTEN/NOTIFY
// has no PGlite counterpart across processes): two "nodes" are two database
// clients with their own Events, as two Loupe processes would be.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openDatabase, type Database } from '../db/client.ts';
import { silentLogger } from '../log.ts';
import { Events, type ToolEvent } from '../sessions/events.ts';
import { CHANNEL, NOTIFY_MAX_BYTES, type Relay, startRelay } from './relay.ts';
import { testDatabase } from '../db/testing.ts';

const url = process.env.LOUPE_TEST_DATABASE_URL;

type Node = { id: string; database: Database; events: Events; relay: Relay };

async function node(id: string): Promise<Node> {
  const database = await openDatabase({ url: url! });
  const events = new Events();
  const relay = await startRelay({ pg: database.pg!, db: database.db, events, nodeId: id, log: silentLogger });
  return { id, database, events, relay };
}

/** Waits (bounded) until `ready()` holds; the relay is asynchronous. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await Bun.sleep(25);
  if (!ready()) throw new Error(`never happened: ${what}`);
}

const tool = (n: number, extra = ''): ToolEvent => ({
  sessionId: 's1',
  technicianId: 't1',
  to: 'customer',
  message: { type: 'tool.stroke', sessionId: 's1', n, extra },
});

describe.skipIf(!url)('cluster relay over LISTEN/NOTIFY', () => {
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    await testDatabase(); // migrated (cluster_messages)
    a = await node('node-a');
    b = await node('node-b');
  });

  afterAll(async () => {
    for (const n of [a, b]) {
      await n.relay.stop();
      await n.database.close();
    }
  });

  test('what one node emits, the other hears once, and the emitter does not hear it back', async () => {
    const onA: unknown[] = [];
    const onB: unknown[] = [];
    const offA = a.events.onSessionChanged((c) => onA.push(c));
    const offB = b.events.onSessionChanged((c) => onB.push(c));
    a.events.sessionChanged({ sessionId: 'x', technicianId: 'y', state: 'active' });
    await a.relay.flushed();
    await until(() => onB.length === 1, 'node B heard the change');
    await Bun.sleep(100); // nothing more arrives: not twice, and not back to A
    expect(onB).toEqual([{ sessionId: 'x', technicianId: 'y', state: 'active' }]);
    expect(onA).toEqual([{ sessionId: 'x', technicianId: 'y', state: 'active' }]);
    offA();
    offB();
  });

  test("every kind of event crosses: sign-out, SMS and e-mail queued, a session's media moved", async () => {
    const heard: string[] = [];
    const offs = [
      b.events.onSignedOut((e) => heard.push(`signed_out:${e.technicianId}:${e.reason}`)),
      b.events.onSmsQueued(() => heard.push('sms')),
      b.events.onEmailQueued(() => heard.push('email')),
      b.events.onMediaMoved((e) => heard.push(`moved:${e.sessionId}:${e.node}`)),
    ];
    a.events.signedOut({ technicianId: 't9', reason: 'disabled' });
    a.events.smsQueued();
    a.events.emailQueued();
    a.events.mediaMoved({ sessionId: 's9', technicianId: 't9', node: 'node-a' });
    await until(() => heard.length === 4, 'four events heard');
    expect(heard).toEqual(['signed_out:t9:disabled', 'sms', 'email', 'moved:s9:node-a']);
    for (const off of offs) off();
  });

  test('a stream of tool messages arrives complete and in order', async () => {
    const got: number[] = [];
    const off = b.events.onTool((e) => got.push(e.message.n as number));
    for (let n = 0; n < 300; n++) {
      a.events.tool(tool(n));
      if (n % 7 === 0) await Bun.sleep(0); // some in one batch, some apart
    }
    await until(() => got.length === 300, '300 tool messages heard');
    expect(got).toEqual([...Array(300).keys()]);
    off();
  });

  test('a tool message whose pages are all on the emitting node is not NOTIFYed; one for a page elsewhere is', async () => {
    const got: number[] = [];
    const off = b.events.onTool((e) => got.push(e.message.n as number));
    const here: number[] = [];
    // Node A's socket layer: the phone of n = 1 is here, the one of n = 2 is not.
    a.events.deliverToolsWith((e) => {
      here.push(e.message.n as number);
      return e.message.n === 1;
    });
    a.events.tool(tool(1));
    a.events.tool(tool(2));
    await until(() => got.length === 1, 'the message for a page elsewhere');
    await Bun.sleep(100);
    expect(got).toEqual([2]);
    expect(here).toEqual([1, 2]); // both tried here first
    // On node B, what the relay delivers goes to B's sockets too.
    const atB: number[] = [];
    b.events.deliverToolsWith((e) => {
      atB.push(e.message.n as number);
      return false;
    });
    a.events.tool(tool(3));
    await until(() => atB.length === 1, "delivered to B's sockets");
    expect(atB).toEqual([3]);
    a.events.deliverToolsWith(undefined);
    b.events.deliverToolsWith(undefined);
    off();
  });

  test('an event larger than a NOTIFY payload goes through cluster_messages, in its place in the order', async () => {
    const got: { n: number; bytes: number }[] = [];
    const off = b.events.onTool((e) => got.push({ n: e.message.n as number, bytes: String(e.message.extra).length }));
    const big = 'x'.repeat(NOTIFY_MAX_BYTES * 2);
    a.events.tool(tool(1));
    await a.relay.flushed();
    a.events.tool(tool(2, big));
    await a.relay.flushed();
    a.events.tool(tool(3));
    await until(() => got.length === 3, 'three tool messages heard');
    expect(got).toEqual([
      { n: 1, bytes: 0 },
      { n: 2, bytes: big.length },
      { n: 3, bytes: 0 },
    ]);
    off();
  });

  test('a notification that is not an envelope is ignored, and what follows is still delivered', async () => {
    const got: unknown[] = [];
    const off = b.events.onSessionChanged((c) => got.push(c));
    for (const junk of ['not json', '{"n":5}', '{"n":"z","e":"x"}', '{"n":"z","e":[["no.such.kind",{}]]}', '[]'])
      await a.database.pg!.notify(CHANNEL, junk);
    a.events.sessionChanged({ sessionId: 'after', technicianId: 'y' });
    await until(() => got.length === 1, 'the change after the junk');
    expect(got).toEqual([{ sessionId: 'after', technicianId: 'y' }]);
    off();
  });
});
