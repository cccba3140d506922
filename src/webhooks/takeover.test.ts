// At least once across a crash (worker.ts's claim): a delivery left `sending`
// by a node that died is taken over by another worker once its lease has run
// out (`lease_until < now`), and not a moment before; the session's later
// events wait behind it, so the order holds across the takeover. And a node
// that was only slow and answers after its lease ran out records nothing over
// the one that took its row. Two Workers on one database (PGlite, or
// PostgreSQL with LOUPE_TEST_DATABASE_URL), a real receiver on 127.0.0.1 that
// verifies every delivery with the standardwebhooks package, and the fake
// clock moving the leases.
import { afterEach, describe, expect, test } from 'bun:test';
import { asc, eq } from 'drizzle-orm';
import { webhookAttempts, webhookDeliveries } from '../db/schema.ts';
import { silentLogger, type Logger } from '../log.ts';
import { createSession } from '../sessions/create.ts';
import { LINK_RIGHTS, technician, type TestTechnician } from '../sessions/testing.ts';
import { harness, type Harness } from '../testing/harness.ts';
import { Dispatcher } from './dispatcher.ts';
import { startReceiver, until, type Receiver } from './testing.ts';
import { createWebhook } from './webhooks.ts';
import { Worker } from './worker.ts';

const SLOW = 60_000;
/** Longer than the test: the sends end by a crash, a takeover or a release, never by this timer. */
const TIMEOUT_MS = 120_000;
/** worker.ts: a claim's lease is the send's timeout and a minute more. */
const LEASE_MS = TIMEOUT_MS + 60_000;

let h: Harness;
let tess: TestTechnician;
let receiver: Receiver;
let dispatcher: Dispatcher;
let workers: Worker[] = [];
let outcomes: unknown[] = [];

afterEach(async () => {
  receiver.release();
  for (const w of workers) await w.stop();
  workers = [];
  await receiver.stop();
});

/** A receiver whose first request hangs (the send in progress when its node dies), then answers 200. */
async function setUp() {
  receiver = startReceiver((n) => (n === 1 ? 'hang' : 200));
  outcomes = [];
  const log: Logger = {
    ...silentLogger,
    info: (msg, fields) => msg === 'webhook attempt' && outcomes.push(fields?.outcome),
    warn: (msg, fields) => msg === 'webhook attempt' && outcomes.push(fields?.outcome),
  };
  h = await harness({ LOUPE_WEBHOOK_ALLOW_HTTP: receiver.host }, { log });
  tess = await technician(h, { rights: LINK_RIGHTS });
  const { secret } = await createWebhook(
    h,
    { type: 'technician', id: tess.id },
    { url: receiver.url, events: ['session.created', 'session.state_changed', 'session.ended'] },
  );
  receiver.setSecret(secret);
  dispatcher = new Dispatcher(h);
  await dispatcher.pass(); // the cursor, at the log's end
}

/** A node: a worker of its own that polls only when told (wake), on the shared database. */
function node(): Worker {
  const worker = new Worker(h, { pollMs: 3_600_000, timeoutMs: TIMEOUT_MS });
  workers.push(worker);
  return worker;
}

async function pass(worker: Worker) {
  worker.wake();
  await worker.idle();
}

/** A session invited and ended: three deliveries in order (created, state changed, ended). */
async function threeEvents(): Promise<string> {
  const s = await createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'link' });
  const ended = await h.call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie });
  expect(ended.status).toBe(200);
  await dispatcher.pass();
  return s.id;
}

const rows = () => h.db.select().from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));
const attemptsOf = (deliveryId: string) =>
  h.db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId));

describe('a delivery whose node died mid-send', () => {
  test(
    'is taken over once its lease has run out, not before; the session keeps its order',
    async () => {
      await setUp();
      const sessionId = await threeEvents();
      const [first, second, third] = await rows();
      expect([first, second, third].map((d) => [d!.event, d!.status])).toEqual([
        ['session.created', 'queued'],
        ['session.state_changed', 'queued'],
        ['session.ended', 'queued'],
      ]);

      // Node A claims the first (the later two wait behind it) and dies while the receiver holds it.
      const a = node();
      a.wake();
      await until('the first delivery at the receiver', () => receiver.received.length === 1);
      const claimed = (await rows())[0]!;
      expect(claimed.status).toBe('sending');
      expect(claimed.leaseUntil!.getTime()).toBe(h.clock.now().getTime() + LEASE_MS);
      await a.stop(); // cut off, recorded nowhere: what a crash leaves
      expect((await rows()).map((d) => d.status)).toEqual(['sending', 'queued', 'queued']);
      expect((await rows())[0]!.leaseUntil).toEqual(claimed.leaseUntil);
      expect(await attemptsOf(first!.id)).toEqual([]);

      // Node B, while the lease holds, up to its last millisecond: takes nothing, not even the later two.
      const b = node();
      await pass(b);
      h.clock.set(claimed.leaseUntil!);
      await pass(b);
      expect(receiver.received).toHaveLength(1);
      expect((await rows()).map((d) => [d.status, d.leaseUntil?.getTime() ?? null])).toEqual([
        ['sending', claimed.leaseUntil!.getTime()],
        ['queued', null],
        ['queued', null],
      ]);

      // A millisecond later the lease has run out: B sends it again (the same message), then the rest, in order.
      h.clock.advance(1);
      await pass(b);
      await until('all three delivered', async () => (await rows()).every((d) => d.status === 'delivered'));
      expect(receiver.unverified).toBe(0);
      expect(receiver.received.map((r) => [r.id, r.type])).toEqual([
        [first!.messageId, 'session.created'],
        [first!.messageId, 'session.created'],
        [second!.messageId, 'session.state_changed'],
        [third!.messageId, 'session.ended'],
      ]);
      expect(receiver.received.every((r) => r.payload.data.session.id === sessionId)).toBe(true);
      // One attempt each, B's: the crashed send left none.
      for (const d of await rows()) {
        expect(d.attempts).toBe(1);
        expect((await attemptsOf(d.id)).map((t) => t.statusCode)).toEqual([200]);
      }
    },
    SLOW,
  );

  test(
    'another session is not held up by the dead node: its events go while the lease holds',
    async () => {
      await setUp();
      await threeEvents();
      const a = node();
      a.wake();
      await until('the first delivery at the receiver', () => receiver.received.length === 1);
      await a.stop();
      const other = await threeEvents();
      const b = node();
      await pass(b);
      await until('the other session delivered', async () => {
        const mine = (await rows()).filter((d) => d.sessionId === other);
        return mine.every((d) => d.status === 'delivered');
      });
      expect(receiver.received.slice(1).map((r) => [r.type, r.payload.data.session.id])).toEqual([
        ['session.created', other],
        ['session.state_changed', other],
        ['session.ended', other],
      ]);
      expect((await rows()).map((d) => d.status)).toEqual([
        'sending',
        'queued',
        'queued',
        'delivered',
        'delivered',
        'delivered',
      ]);
    },
    SLOW,
  );
});

describe('a node that was only slow', () => {
  test(
    'answered after another took its row over: its late outcome is not recorded',
    async () => {
      await setUp();
      await threeEvents();
      const a = node();
      a.wake();
      await until('the first delivery at the receiver', () => receiver.received.length === 1);
      h.clock.advance(LEASE_MS + 1);
      const b = node();
      await pass(b);
      await until('all three delivered by B', async () => (await rows()).every((d) => d.status === 'delivered'));
      const [first] = await rows();
      // Now A's receiver answers (200, late): A finds the row no longer its own.
      receiver.release();
      await a.idle();
      expect(outcomes.filter((o) => o === 'taken over')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(3);
      expect(first!.attempts).toBe(1);
      expect((await attemptsOf(first!.id)).map((t) => t.statusCode)).toEqual([200]);
      expect((await rows())[0]).toEqual(first!);
      expect(receiver.received.map((r) => r.id)[0]).toBe(receiver.received.map((r) => r.id)[1]!);
      expect(receiver.unverified).toBe(0);
    },
    SLOW,
  );
});
