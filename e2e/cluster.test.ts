// Two real Loupe processes on one real PostgreSQL server, as behind a load
// balancer without sticky sessions: what one node does reaches the sockets of
// the other (LISTEN/NOTIFY), the SMS outbox sends each text once, the
// cluster-wide timers run once, and a node killed with SIGKILL is taken over:
// the other node leads, marks the customers it held away, and the customer's
// page connects again through the node that is left.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startTestSmsc, type TestSmsc } from '../src/sms/test-smsc.ts';
import { ADMINISTRATOR_ENV, addTechnician, cookieOf, postJson, signInByApi } from './helpers.ts';
import { type LoupeProcess, startLoupe } from './loupe-process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const TECH = { email: 'cluster@example.test', password: 'cluster password 1', name: 'Nora Node' };
const GROUP = {
  name: 'Cluster',
  rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
};

let pgDir: string;
let databaseUrl: string;
let sql: postgres.Sql;
let smsc: TestSmsc;
let a: LoupeProcess;
let b: LoupeProcess;

function startNode(): Promise<LoupeProcess> {
  return startLoupe({
    ...ADMINISTRATOR_ENV,
    DATABASE_URL: databaseUrl,
    SMPP_URL: smsc.url,
    SMPP_SOURCE_ADDR: 'Loupe',
    LOUPE_RECONNECT_WINDOW_S: '5',
    LOUPE_CUSTOMER_TIMEOUT_S: '10',
  });
}

const listening = (l: Record<string, unknown>) => l.msg === 'listening';

beforeAll(async () => {
  pgDir = mkdtempSync(join(tmpdir(), 'loupe-cluster-pg-'));
  const started = Bun.spawnSync(['scripts/postgres-tmp.sh', 'start', pgDir], { cwd: ROOT, stderr: 'pipe' });
  if (started.exitCode !== 0) throw new Error(`PostgreSQL did not start: ${started.stderr}`);
  databaseUrl = started.stdout.toString().trim();
  sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  smsc = await startTestSmsc({ systemId: 'loupe', password: 'smsc secret' });
  // Both at once on an empty database, as a deployment starts them: they
  // migrate one after the other (an advisory lock) and one creates the administrator.
  [a, b] = await Promise.all([startNode(), startNode()]);
  await Promise.all([a.waitForLog(listening, 60_000), b.waitForLog(listening, 60_000)]);
  await addTechnician(a.url, GROUP, TECH);
}, 150_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await smsc?.stop();
  await sql?.end();
  if (pgDir) Bun.spawnSync(['scripts/postgres-tmp.sh', 'stop', pgDir], { cwd: ROOT });
});

type Message = { type: string; session?: { id: string; state: string; customer: { connected: boolean } } };

/** A socket and everything it received; `next` waits (bounded) for a message that matches. */
function socket(node: LoupeProcess, path: string, cookie: string) {
  const ws = new WebSocket(`${node.url.replace('http', 'ws')}${path}`, {
    headers: { cookie, origin: node.url },
  } as unknown as string[]);
  const received: Message[] = [];
  let closed: number | undefined;
  ws.onmessage = (e) => received.push(JSON.parse(String(e.data)));
  ws.onclose = (e) => {
    closed = e.code;
  };
  const until = async <T>(probe: () => T | undefined, what: string, ms = 40_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; got ${JSON.stringify(received.slice(-5))}`);
      await Bun.sleep(50);
    }
  };
  return {
    ws,
    received,
    next: (match: (m: Message) => boolean, what: string, ms?: number) => until(() => received.find(match), what, ms),
    closedWith: (what: string) => until(() => closed, what),
  };
}

const auditCount = async (sessionId: string, action: string) =>
  Number(
    (
      await sql<
        { n: string }[]
      >`select count(*) as n from audit_log where subject_id = ${sessionId} and action = ${action}`
    )[0]!.n,
  );

async function invite(node: LoupeProcess, cookie: string, body: Record<string, unknown>) {
  return (await (await postJson(node.url, '/api/sessions', { type: 'lens', ...body }, cookie)).json()) as {
    id: string;
    pin: string;
  };
}

async function customerOf(node: LoupeProcess, pin: string): Promise<string> {
  const cookie = cookieOf(await postJson(node.url, '/api/lens/redeem', { pin }));
  await postJson(node.url, '/api/lens/eula', { accept: true }, cookie);
  return cookie;
}

describe('two Loupe nodes on one PostgreSQL', () => {
  test('started together on an empty database, both serve and exactly one created the administrator', () => {
    const created = [a, b].filter((n) => n.logs.some((l) => String(l.msg).includes('administrator created')));
    expect(created.length).toBe(1);
    expect([a, b].flatMap((n) => n.logs.filter((l) => l.level === 'error'))).toEqual([]);
  });

  test('a console on node B sees live what is done on node A', async () => {
    const cookie = await signInByApi(a.url, TECH); // a sign-in made on A works on B: it is in the database
    const onB = socket(b, '/ws/console', cookie);
    await onB.next((m) => m.type === 'snapshot', 'the snapshot on B');
    const s = await invite(a, cookie, { name: 'Router', method: 'link' });
    await onB.next((m) => m.type === 'session' && m.session?.id === s.id, 'the new session on B');
    await postJson(a.url, `/api/sessions/${s.id}/end`, {}, cookie);
    await onB.next((m) => m.session?.id === s.id && m.session.state === 'closed', 'the end on B');
    onB.ws.close();
  }, 60_000);

  test("signing out on node A closes that sign-in's console socket on node B", async () => {
    const cookie = await signInByApi(b.url, TECH);
    const onB = socket(b, '/ws/console', cookie);
    await onB.next((m) => m.type === 'snapshot', 'the snapshot on B');
    await postJson(a.url, '/api/auth/logout', {}, cookie);
    expect(await onB.closedWith('closed after the sign-out on A')).toBe(4401);
  }, 60_000);

  test('SMS invitations made on both nodes at once are each sent exactly once', async () => {
    const before = smsc.messages().length;
    const technicians = [];
    for (let i = 0; i < 6; i++) {
      const tech = { email: `sms${i}@example.test`, password: 'cluster password 1', name: `Sam ${i}` };
      await addTechnician(a.url, { ...GROUP, name: `SMS ${i}` }, tech);
      technicians.push(await signInByApi(i % 2 ? a.url : b.url, tech));
    }
    const sessions = await Promise.all(
      technicians.map((cookie, i) =>
        invite(i % 2 ? a : b, cookie, { name: `Meter ${i}`, method: 'sms', phone: `+3161234500${i}` }),
      ),
    );
    const end = Date.now() + 30_000;
    while (smsc.messages().length < before + sessions.length && Date.now() < end) await Bun.sleep(100);
    await Bun.sleep(1_500); // both outboxes polled again in the meantime: a second copy would be here by now
    const sent = smsc.messages().slice(before);
    expect(sent.map((m) => m.to).sort()).toEqual(sessions.map((_, i) => `3161234500${i}`).sort()); // E.164 without the +, as SMPP carries it
    for (const s of sessions) expect(await auditCount(s.id, 'sms.sent')).toBe(1);
    for (const [i, cookie] of technicians.entries())
      await postJson(a.url, `/api/sessions/${sessions[i]!.id}/end`, {}, cookie);
  }, 90_000);

  test("node A killed mid-session: B leads, marks A's customer away, the page comes back through B, and the time-out fires once", async () => {
    const tech = { email: 'kill@example.test', password: 'cluster password 1', name: 'Kim Kill' };
    await addTechnician(b.url, { ...GROUP, name: 'Kill' }, tech);
    const cookie = await signInByApi(b.url, tech);
    const consoleOnB = socket(b, '/ws/console', cookie);
    await consoleOnB.next((m) => m.type === 'snapshot', 'the snapshot on B');
    const s = await invite(b, cookie, { name: 'Pipe', method: 'link' });
    const customer = await customerOf(a, s.pin);
    const lensOnA = socket(a, '/ws/lens', customer);
    await lensOnA.next((m) => m.type === 'state', 'the Lens state on A');
    await consoleOnB.next((m) => m.session?.id === s.id && m.session.customer.connected, 'connected, seen on B');

    a.proc.kill('SIGKILL');
    await a.proc.exited;
    // No clean goodbye: B finds out from A's heartbeat running out (src/cluster/nodes.ts).
    await consoleOnB.next(
      (m) => m.session?.id === s.id && m.session.customer.connected === false,
      'the customer marked away by B',
    );
    await b.waitForLog((l) => String(l.msg).includes('this node is the leader'), 30_000);

    // The page reconnects, through the node that is left.
    const lensOnB = socket(b, '/ws/lens', customer);
    await lensOnB.next((m) => m.type === 'state', 'the Lens state on B');
    await consoleOnB.next((m) => m.session?.id === s.id && m.session.customer.connected, 'connected again, through B');

    // Gone for good: the customer time-out (10 s here) ends the session once, on the leader.
    lensOnB.ws.close();
    await consoleOnB.next((m) => m.session?.id === s.id && m.session.state === 'timed_out', 'timed out');
    await Bun.sleep(6_000); // more than one expiry period: a second run would have written a second row
    expect(await auditCount(s.id, 'session.timed_out')).toBe(1);
    consoleOnB.ws.close();
  }, 120_000);
});
