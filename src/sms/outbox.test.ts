// The outbox against a real SMSC (the smpp package's server on loopback)
// through Loupe's real SMPP client: sent once, never twice, whatever happens.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import { smsMessages } from '../db/schema.ts';
import { createSession } from '../sessions/create.ts';
import { endSession } from '../sessions/end.ts';
import { auditActions, smsRows, technician, type TestTechnician } from '../sessions/testing.ts';
import { auditLog } from '../db/schema.ts';
import { sessionView } from '../sessions/view.ts';
import { silentLogger } from '../log.ts';
import { harness, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import type { SmsGateway } from './gateway.ts';
import { Outbox, STALE_SENDING_MS } from './outbox.ts';
import { heartbeat } from '../cluster/nodes.ts';
import { createSmppGateway } from './smpp-gateway.ts';
import { startTestSmsc, type TestSmsc } from './test-smsc.ts';

let h: Harness;
let tess: TestTechnician;
let smsc: TestSmsc;
const running: { outbox: Outbox; gateway: SmsGateway }[] = [];

const FAST = {
  reconnectMinMs: 50,
  reconnectMaxMs: 200,
  throttleMinMs: 50,
  throttleMaxMs: 100,
  enquireLinkIntervalMs: 60_000,
  slotWaitMs: 500,
};

function startOutbox() {
  const gateway = createSmppGateway(smsc.settings(), silentLogger, FAST);
  const outbox = new Outbox(h, gateway, { pollMs: 100 });
  outbox.start();
  running.push({ outbox, gateway });
  return { outbox, gateway };
}
async function stopOutbox(parts = running.pop()!) {
  await parts.outbox.stop();
  await parts.gateway.close();
}
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms; last: ${JSON.stringify(v)}`);
    await Bun.sleep(25);
  }
}
const invite = (phone = '+31612345678') =>
  createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'sms', phone });
const statusOf = async (sessionId: string) => (await smsRows(h, sessionId)).map((r) => r.status);
/** The SMSC got the session's SMS and Loupe marked it sent; what the SMSC got. */
async function whenSent(sessionId: string) {
  const message = await smsc.waitForMessage();
  await until(
    () => statusOf(sessionId),
    (st) => st[0] === 'sent',
  );
  return message;
}
/** Sent, and no second copy follows. */
async function sentExactlyOnce(sessionId: string) {
  await whenSent(sessionId);
  await Bun.sleep(300);
  expect(smsc.received).toHaveLength(1);
}

beforeEach(async () => {
  h = await harness();
  tess = await technician(h);
  smsc = await startTestSmsc({ systemId: 'loupe', password: 'secret' });
}, DATABASE_HOOK);

afterEach(async () => {
  while (running.length) await stopOutbox();
  await smsc.stop();
});

describe('the SMS outbox', () => {
  test('submits the invitation and follows it to delivered, telling the console each step', async () => {
    const changes: string[] = [];
    h.events.onSessionChanged((c) => changes.push(c.sessionId));
    startOutbox();
    const s = await invite();
    const message = await smsc.waitForMessage();
    expect(message.to).toBe('31612345678');
    expect(message.text).toContain(s.pin!);
    expect(message.text).toContain(s.link!);
    const [sent] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]?.status === 'sent',
    );
    expect(sent!.messageIds).toEqual(message.messageIds);
    await smsc.sendReceipt(message.messageId, 'DELIVRD');
    await until(
      () => statusOf(s.id),
      (st) => st[0] === 'delivered',
    );
    expect((await sessionView(h.db, h.config, s.id))!.sms!.status).toBe('delivered');
    expect(changes.filter((id) => id === s.id).length).toBeGreaterThanOrEqual(3); // created, sent, delivered
    // The timeline's SMS history: each status once, by the system, naming neither the number nor the text.
    expect(await auditActions(h, s.id)).toEqual(['session.invited', 'sms.queued', 'sms.sent', 'sms.delivered']);
    const rows = await h.db.select().from(auditLog).where(eq(auditLog.subjectId, s.id));
    for (const row of rows.filter((r) => r.action.startsWith('sms.'))) {
      expect(row.actorType).toBe('system');
      expect(row.details).toEqual({ smsId: sent!.id });
    }
    expect(JSON.stringify(rows)).not.toContain('612345678');
  });

  test('a repeated receipt for one part of a two-part text does not make it delivered', async () => {
    startOutbox();
    const s = await invite();
    const message = await whenSent(s.id);
    await h.db
      .update(smsMessages)
      .set({ messageIds: [message.messageId, 'second-part'] })
      .where(eq(smsMessages.sessionId, s.id));
    await smsc.sendReceipt(message.messageId, 'DELIVRD');
    await smsc.sendReceipt(message.messageId, 'DELIVRD');
    const [row] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]!.deliveredIds.length === 1,
    );
    await Bun.sleep(200);
    expect(row!.status).toBe('sent');
    expect(await auditActions(h, s.id)).not.toContain('sms.delivered');
    expect((await smsRows(h, s.id))[0]!.deliveredIds).toEqual([message.messageId]);
  });

  test("a negative receipt marks the SMS failed with the network's reason", async () => {
    startOutbox();
    const s = await invite();
    const message = await whenSent(s.id);
    await smsc.sendReceipt(message.messageId, 'UNDELIV', { err: '001' });
    const [row] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]?.status === 'failed',
    );
    expect(row!.error).toContain('UNDELIV');
    const [failed] = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, s.id), eq(auditLog.action, 'sms.failed')));
    expect(failed!.details).toEqual({ smsId: row!.id, error: row!.error });
  });

  test('SMSC down at send time: the SMS waits, and goes out once when it comes up', async () => {
    await smsc.stop();
    startOutbox();
    const s = await invite();
    await Bun.sleep(300);
    expect(await statusOf(s.id)).toEqual(['queued']);
    await smsc.start();
    await sentExactlyOnce(s.id);
  });

  test('throttled by the SMSC: retried after the back-off, accepted once', async () => {
    smsc.throttleNext(1);
    const { outbox } = startOutbox();
    const s = await invite();
    const [retrying] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]?.status === 'queued' && r[0].attempts === 1,
    );
    expect(retrying!.error).toContain('Retrying');
    expect(smsc.received).toHaveLength(0);
    h.clock.advance(61_000); // past the back-off, on Loupe's clock
    await Bun.sleep(150); // past the gateway's own pause, on the real clock
    outbox.wake();
    await whenSent(s.id);
    expect(smsc.received).toHaveLength(1);
    expect((await smsRows(h, s.id))[0]!.attempts).toBe(2);
  }, 20_000); // waits out the gateway's real 1 s throttle pause; slow on a loaded 2-core machine

  test('a permanent refusal is not retried', async () => {
    smsc.failNext(1, 0x0b); // ESME_RINVDSTADR
    const { outbox } = startOutbox();
    const s = await invite();
    const [row] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]?.status === 'failed',
    );
    expect(row!.error).toMatch(/0x0*b|dest/i);
    h.clock.advance(10 * 60_000);
    outbox.wake();
    await outbox.idle();
    expect(smsc.received).toHaveLength(0);
  });

  test('a restart of Loupe with a queued SMS sends it once', async () => {
    await smsc.stop();
    startOutbox();
    const s = await invite();
    await Bun.sleep(200);
    await stopOutbox(); // Loupe stops with the SMS still queued
    expect(await statusOf(s.id)).toEqual(['queued']);
    await smsc.start();
    startOutbox(); // ... and starts again
    await sentExactlyOnce(s.id);
  });

  test('an SMS caught mid-submit by a crash is never sent again; it is marked for Resend', async () => {
    const s = await invite();
    await h.db
      .update(smsMessages)
      .set({ status: 'sending', attempts: 1, updatedAt: new Date(h.clock.now().getTime() - STALE_SENDING_MS - 1) })
      .where(eq(smsMessages.sessionId, s.id));
    startOutbox();
    const [row] = await until(
      () => smsRows(h, s.id),
      (r) => r[0]?.status === 'failed',
    );
    expect(row!.error).toContain('Resend');
    await Bun.sleep(300);
    expect(smsc.received).toHaveLength(0);
  });

  test("a row another node was submitting when it died is settled at once, not resent; a running node's is left alone", async () => {
    const gone = await invite();
    const other = await technician(h);
    const running = await createSession(h, other.me, {
      type: 'lens',
      name: 'Meter',
      method: 'sms',
      phone: '+31612345679',
    });
    await heartbeat(h.db, 'node-alive', h.clock.now());
    // Both rows were claimed a moment ago, long before STALE_SENDING_MS.
    await h.db
      .update(smsMessages)
      .set({ status: 'sending', attempts: 1, claimedBy: 'node-dead', updatedAt: h.clock.now() })
      .where(eq(smsMessages.sessionId, gone.id));
    await h.db
      .update(smsMessages)
      .set({ status: 'sending', attempts: 1, claimedBy: 'node-alive', updatedAt: h.clock.now() })
      .where(eq(smsMessages.sessionId, running.id));
    const { outbox } = startOutbox();
    const [row] = await until(
      () => smsRows(h, gone.id),
      (r) => r[0]?.status === 'failed',
    );
    expect(row!.error).toContain('Resend');
    await outbox.idle();
    expect(await statusOf(running.id)).toEqual(['sending']);
    expect(smsc.received).toHaveLength(0);
  });

  test('an invitation cancelled while its SMS waits for the SMSC is never sent', async () => {
    await smsc.stop();
    startOutbox();
    const s = await invite();
    await endSession(h, tess.id, s.id);
    await smsc.start();
    await until(
      async () => smsc.boundSessions,
      (n) => n > 0,
    );
    await Bun.sleep(300);
    expect(smsc.received).toHaveLength(0);
    expect(await statusOf(s.id)).toEqual(['failed']);
  });
});
