// Webhooks end to end: real sessions through the API, the dispatcher and the
// worker running, and real receivers on 127.0.0.1 that verify every delivery
// with the standardwebhooks package. The fake clock jumps the back-off.
import { afterEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { auditLog, webhookDeliveries } from '../db/schema.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { startWebhooks, type WebhookService } from './service.ts';
import { startReceiver, until, type Behaviour, type Receiver } from './testing.ts';

let h: Harness;
let admin: string;
let tess: TestTechnician;
let service: WebhookService | undefined;
let receivers: Receiver[] = [];

async function setUp(...behaviours: Behaviour[]): Promise<Receiver[]> {
  receivers = behaviours.map((b) => startReceiver(b));
  h = await harness({ LOUPE_WEBHOOK_ALLOW_HTTP: receivers.map((r) => r.host).join(',') });
  admin = await signInAsAdmin(h);
  tess = await technician(h, { name: 'Tess de Vries', settings: { maxLiveLensSessions: 5 } });
  service = startWebhooks(h, { pollMs: 50 });
  return receivers;
}

afterEach(async () => {
  await service?.stop();
  service = undefined;
  for (const r of receivers) await r.stop();
  receivers = [];
});

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

async function subscribe(receiver: Receiver, events: string[]): Promise<string> {
  const created = await json<{ id: string; secret: string }>(
    h.call('POST', '/api/webhooks', { cookie: admin, body: { url: receiver.url, events } }),
    201,
  );
  receiver.setSecret(created.secret);
  return created.id;
}

const ALL = [
  'session.created',
  'session.state_changed',
  'session.ended',
  'sms.status_changed',
  'email.status_changed',
  'snapshot.created',
];

function invite(body: Record<string, unknown> = {}) {
  return json<SessionView>(
    h.call('POST', '/api/sessions', {
      cookie: tess.cookie,
      body: { type: 'lens', name: 'Router at Jansen', method: 'link', ...body },
    }),
    201,
  );
}

type DeliveryPage = {
  deliveries: {
    id: string;
    messageId: string;
    event: string;
    status: string;
    attempts: { statusCode: number | null; latencyMs: number; error: string | null }[];
  }[];
  nextCursor: string | null;
};
const deliveries = (webhookId: string, query = '') =>
  json<DeliveryPage>(h.call('GET', `/api/webhooks/${webhookId}/deliveries${query}`, { cookie: admin }));

describe('a session, told to its receivers', () => {
  test('created, each state change and the end arrive in order, signed, with the reference and no secret', async () => {
    const [all, ends] = await setUp(
      () => 200,
      () => 200,
    );
    const allId = await subscribe(all!, ALL);
    await subscribe(ends!, ['session.ended']);
    const session = await invite({ method: 'sms', phone: '+31612345678', reference: 'INC-4711' });
    const token = session.link!.split('/l/')[1]!;
    const redeemed = await h.call('POST', '/api/lens/redeem', { body: { token } });
    expect(redeemed.status).toBe(200);
    const lens = redeemed.headers
      .getSetCookie()
      .find((c) => c.startsWith('loupe_lens='))!
      .split(';')[0]!;
    await json(h.call('POST', '/api/lens/eula', { cookie: lens, body: { accept: true } }));
    await json(h.call('POST', `/api/sessions/${session.id}/end`, { cookie: tess.cookie }));

    await until('seven events at the first receiver', () => all!.received.length >= 7);
    await until('the end at the second', () => ends!.received.length >= 1);
    await service!.idle();
    expect(all!.unverified + ends!.unverified).toBe(0);
    expect(all!.received.map((r) => r.type)).toEqual([
      'session.created',
      'sms.status_changed',
      'session.state_changed',
      'session.state_changed',
      'session.state_changed',
      'session.ended',
      // The end withdrew the SMS that was still queued.
      'sms.status_changed',
    ]);
    const changes = all!.received.filter((r) => r.type === 'session.state_changed').map((r) => r.payload.data);
    expect(changes.map((d) => [d.from, d.to])).toEqual([
      ['invited', 'connecting'],
      ['connecting', 'waiting'],
      ['waiting', 'closed'],
    ]);
    const [created] = all!.received;
    expect(created!.payload.data.session).toMatchObject({
      id: session.id,
      state: 'invited',
      reference: 'INC-4711',
      technicianId: tess.id,
      method: 'sms',
    });
    expect(all!.received[1]!.payload.data.sms).toMatchObject({ status: 'queued' });
    expect(all!.received.at(-1)!.payload.data.sms).toMatchObject({ status: 'failed' });
    expect(all!.received.at(-2)!.payload.data).toMatchObject({
      to: 'closed',
      reason: 'technician',
      session: { state: 'closed', endReason: 'technician' },
    });
    expect(ends!.received.map((r) => r.type)).toEqual(['session.ended']);
    // Never the PIN, the link's token, the phone number or the customer's name.
    const everything = JSON.stringify([...all!.received, ...ends!.received].map((r) => r.payload));
    for (const secret of [session.pin!, token, '612345678', 'Router at Jansen'])
      expect(everything).not.toContain(secret);
    // One message id per delivery, the `webhook-id` the receiver saw.
    expect(new Set(all!.received.map((r) => r.id)).size).toBe(7);
    expect(all!.received.every((r) => r.id.startsWith('msg_'))).toBe(true);

    // The list: newest first, each with its attempt; paged by cursor.
    const page = await deliveries(allId, '?limit=4');
    expect(page.deliveries.map((d) => d.event)).toEqual([
      'sms.status_changed',
      'session.ended',
      'session.state_changed',
      'session.state_changed',
    ]);
    expect(page.deliveries.every((d) => d.status === 'delivered' && d.attempts[0]?.statusCode === 200)).toBe(true);
    const rest = await deliveries(allId, `?limit=4&cursor=${page.nextCursor}`);
    expect(rest.deliveries.map((d) => d.event)).toEqual([
      'session.state_changed',
      'sms.status_changed',
      'session.created',
    ]);
    expect(rest.nextCursor).toBeNull();
    expect(rest.deliveries.at(-1)!.messageId).toBe(created!.id);
  }, 60_000);
});

describe('retries', () => {
  test('a receiver that answers 500 and then 200 gets the event again after the back-off; both attempts listed', async () => {
    const [flaky] = await setUp((n) => (n === 1 ? 500 : 200));
    const id = await subscribe(flaky!, ['session.created']);
    await invite();
    await until('the first attempt', () => flaky!.received.length === 1);
    await until('the retry to be scheduled', async () => (await deliveries(id)).deliveries[0]?.status === 'queued');
    const [waiting] = await h.db.select().from(webhookDeliveries);
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
    h.clock.advance(10 * 60_000);
    await until('the second attempt', () => flaky!.received.length === 2);
    await until('delivered', async () => (await deliveries(id)).deliveries[0]?.status === 'delivered');
    const [d] = (await deliveries(id)).deliveries;
    expect(d!.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(d!.attempts[0]!.error).toContain('500');
    expect(d!.attempts.every((a) => a.latencyMs >= 0)).toBe(true);
    // The same message both times: the receiver can drop a repeat.
    expect(flaky!.received[0]!.id).toBe(flaky!.received[1]!.id);
    expect(flaky!.unverified).toBe(0);
  }, 60_000);

  test('a dead receiver: failed after a day of retries; an administrator resends it and it arrives', async () => {
    const [dead] = await setUp(() => 503);
    const id = await subscribe(dead!, ['session.created']);
    await invite();
    await until('the first attempt', () => dead!.received.length === 1);
    // Read from the table while the clock jumps (the administrator's sign-in would time out meanwhile).
    const row = async () => (await h.db.select().from(webhookDeliveries))[0]!;
    let status = 'queued';
    for (let jump = 0; jump < 30 && status !== 'failed'; jump++) {
      const seen = dead!.received.length;
      await until('the attempt recorded', async () => {
        const r = await row();
        return r.attempts === seen && r.status !== 'sending';
      });
      status = (await row()).status;
      if (status === 'failed') break;
      h.clock.advance(2 * 3_600_000);
      await until('the next attempt', () => dead!.received.length > seen);
    }
    expect(status).toBe('failed');
    admin = await signInAsAdmin(h);
    const [failed] = (await deliveries(id)).deliveries;
    // Back-off to hourly, within the 24 hours after the first attempt.
    expect(failed!.attempts.length).toBeGreaterThan(6);
    expect(failed!.attempts.length).toBeLessThan(20);
    expect(failed!.attempts.every((a) => a.statusCode === 503)).toBe(true);

    dead!.behave(() => 200);
    const resent = await json<{ delivery: { status: string } }>(
      h.call('POST', `/api/webhooks/${id}/deliveries/${failed!.id}/resend`, { cookie: admin }),
      202,
    );
    expect(resent.delivery.status).toBe('queued');
    await until('delivered after the resend', async () => (await deliveries(id)).deliveries[0]?.status === 'delivered');
    expect(dead!.received.at(-1)!.id).toBe(failed!.messageId);
    const [audited] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.resent'));
    expect(audited!.details).toMatchObject({ deliveryId: failed!.id, was: 'failed' });
    expect(dead!.unverified).toBe(0);
  }, 120_000);
});

describe('a slow receiver', () => {
  test('that never answers does not hold up another receiver, nor the console', async () => {
    const [slow, fast] = await setUp(
      () => 'hang',
      () => 200,
    );
    await subscribe(slow!, ALL);
    await subscribe(fast!, ALL);
    const first = await invite();
    await until('the slow receiver to be holding the first event', () => slow!.received.length === 1);
    // While it hangs: the console answers, and the fast receiver gets every event of two sessions.
    const second = await invite({ name: 'Printer at Bakker' });
    await json(h.call('POST', `/api/sessions/${first.id}/end`, { cookie: tess.cookie }));
    await json(h.call('GET', '/api/sessions', { cookie: tess.cookie }));
    await until('the fast receiver to get all four', () => fast!.received.length >= 4);
    expect(fast!.received.filter((r) => r.payload.data.session.id === first.id).map((r) => r.type)).toEqual([
      'session.created',
      'session.state_changed',
      'session.ended',
    ]);
    expect(fast!.received.filter((r) => r.payload.data.session.id === second.id).map((r) => r.type)).toEqual([
      'session.created',
    ]);
    // The slow one still holds the first session's first event; that session's later ones wait behind it (order),
    // the second session's first event went to it alongside.
    await until('the second session at the slow receiver', () => slow!.received.length === 2);
    expect(slow!.received.map((r) => [r.type, r.payload.data.session.id])).toEqual([
      ['session.created', first.id],
      ['session.created', second.id],
    ]);
    expect(fast!.unverified + slow!.unverified).toBe(0);
  }, 60_000);
});
