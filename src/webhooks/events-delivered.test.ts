// The two events no session step makes, delivered for real: `snapshot.created`
// (the technician asks, the phone uploads a real image, the photo is stored)
// and `email.status_changed` (the e-mail outbox sends the invitation to a real
// SMTP server, the smtp-server package on 127.0.0.1), each to a receiver on
// 127.0.0.1 that verifies every delivery with the standardwebhooks package.
import { afterEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { WebhookEvent } from '../contract/org.ts';
import type { Right } from '../contract/rights.ts';
import { emailMessages, snapshots } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { EmailOutbox } from '../email/outbox.ts';
import { createSmtpSender } from '../email/smtp.ts';
import { startTestSmtp, type TestSmtp } from '../email/test-smtp.ts';
import { createSession } from '../sessions/create.ts';
import { technician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { harness, type Harness } from '../testing/harness.ts';
import { buildWorld, type World } from '../testing/world.ts';
import { png } from '../tools/test-images.ts';
import { startWebhooks, type WebhookService } from './service.ts';
import { startReceiver, until, type Receiver } from './testing.ts';
import { createWebhook } from './webhooks.ts';

const EMAIL_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_email_method'];
const SLOW = 60_000;

let receiver: Receiver | undefined;
let service: WebhookService | undefined;
let outbox: EmailOutbox | undefined;
let smtp: TestSmtp | undefined;
let world: World | undefined;

afterEach(async () => {
  await service?.stop();
  await outbox?.stop();
  await receiver?.stop();
  await smtp?.stop();
  await world?.stop();
  service = outbox = receiver = smtp = world = undefined;
});

/**
 * Subscribes `receiver` to `events` as the administrator `adminId`, and starts
 * the dispatcher and worker; its first pass sets the cursor at the log's end, so
 * only what happens after this is told.
 */
async function subscribe(deps: Deps, adminId: string, r: Receiver, events: string[]) {
  const { secret } = await createWebhook(
    deps,
    { type: 'technician', id: adminId },
    { url: r.url, events: events as WebhookEvent[] },
  );
  r.setSecret(secret);
  service = startWebhooks(deps, { pollMs: 50 });
  await service.idle();
}

describe('snapshot.created', () => {
  test(
    'the phone uploads the photo the technician asked for: the receiver is told, signed, with the snapshot and the reference',
    async () => {
      world = await buildWorld({ maxLive: 20 });
      const w = world;
      receiver = startReceiver();
      // The world's harness has no allow list: the webhook parts get one naming the receiver.
      const deps: Deps = { ...w.h, config: { ...w.h.config, webhookAllowHttp: new Set([receiver.host]) } };
      await subscribe(deps, w.people.admin.id, receiver, ['snapshot.created']);

      const owner = w.people.owner.cookie;
      const created = await w.call('POST', '/api/sessions', {
        cookie: owner,
        body: { type: 'lens', name: 'Boiler at Visser', method: 'link', reference: 'INC-2026-0815' },
      });
      expect(created.status).toBe(201);
      const session = (await created.json()) as SessionView;
      const redeemed = await w.call('POST', '/api/lens/redeem', { body: { pin: session.pin } });
      const customer = redeemed.headers
        .getSetCookie()
        .find((c) => c.startsWith('loupe_lens='))!
        .split(';')[0]!;
      expect((await w.call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true } })).status).toBe(200);
      expect((await w.call('POST', `/api/sessions/${session.id}/start`, { cookie: owner })).status).toBe(200);
      const asked = await w.call('POST', `/api/sessions/${session.id}/snapshots`, { cookie: owner });
      const snapshotId = ((await asked.json()) as { snapshot: { id: string } }).snapshot.id;
      const uploaded = await w.call('POST', `/api/lens/snapshots/${snapshotId}`, {
        cookie: customer,
        bytes: png(64, 48, { noise: true }),
        headers: { 'content-type': 'image/png' },
      });
      expect(uploaded.status).toBe(201);
      const [stored] = await w.h.db.select().from(snapshots).where(eq(snapshots.id, snapshotId));
      expect(stored!.status).toBe('stored');

      await until('the snapshot at the receiver', () => receiver!.received.length >= 1);
      await service!.idle();
      expect(receiver.unverified).toBe(0);
      // Only the subscribed event: none of the session's state changes.
      expect(receiver.received.map((r) => r.type)).toEqual(['snapshot.created']);
      const [got] = receiver.received;
      expect(got!.status).toBe(200);
      expect(got!.payload.data.snapshot).toEqual({ id: snapshotId, frozen: false });
      expect(got!.payload.data.session).toMatchObject({
        id: session.id,
        state: 'active',
        reference: 'INC-2026-0815',
        method: 'link',
      });
      const everything = JSON.stringify(got!.payload);
      for (const secret of [session.pin!, 'Boiler at Visser']) expect(everything).not.toContain(secret);
    },
    SLOW,
  );
});

describe('email.status_changed', () => {
  let h: Harness;

  async function setUp() {
    smtp = await startTestSmtp();
    receiver = startReceiver();
    h = await harness({
      SMTP_URL: smtp.url(),
      SMTP_FROM: 'Loupe <loupe@example.test>',
      LOUPE_WEBHOOK_ALLOW_HTTP: receiver.host,
    });
    const admin = await technician(h, { name: 'Ada Admin' });
    await subscribe(h, admin.id, receiver, ['email.status_changed']);
    const tess = await technician(h, { rights: EMAIL_RIGHTS });
    outbox = new EmailOutbox(h, createSmtpSender(h.config.smtp!), { pollMs: 100, backoffMs: [60_000] });
    outbox.start();
    return tess;
  }

  const emailRow = async (sessionId: string) =>
    (await h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, sessionId)))[0]!;

  test(
    'queued, then sent by the SMTP server: both told, in order, with the e-mail id and never the address',
    async () => {
      const tess = await setUp();
      const s = await createSession(h, tess.me, {
        type: 'lens',
        name: 'Printer at Smit',
        method: 'email',
        email: 'klant@example.test',
        reference: 'CASE-77',
      });
      await smtp!.waitForMail();
      await until('both changes at the receiver', () => receiver!.received.length >= 2);
      await service!.idle();
      const row = await emailRow(s.id);
      expect(row.status).toBe('sent');
      expect(receiver!.unverified).toBe(0);
      expect(receiver!.received.map((r) => [r.type, r.payload.data.email])).toEqual([
        ['email.status_changed', { id: row.id, status: 'queued' }],
        ['email.status_changed', { id: row.id, status: 'sent' }],
      ]);
      for (const r of receiver!.received)
        expect(r.payload.data.session).toMatchObject({ id: s.id, reference: 'CASE-77', method: 'email' });
      const everything = JSON.stringify(receiver!.received.map((r) => r.payload));
      for (const secret of ['klant@example.test', s.pin!, 'Printer at Smit']) expect(everything).not.toContain(secret);
    },
    SLOW,
  );

  test(
    'refused by the SMTP server (5xx): `failed` with the reason, the address taken out of it',
    async () => {
      const tess = await setUp();
      smtp!.answers.push({ code: 550, message: 'No such user klant@example.test here' });
      const s = await createSession(h, tess.me, {
        type: 'lens',
        name: 'Printer at Smit',
        method: 'email',
        email: 'klant@example.test',
        reference: 'CASE-78',
      });
      await until('both changes at the receiver', () => receiver!.received.length >= 2);
      await service!.idle();
      const row = await emailRow(s.id);
      expect(row.status).toBe('failed');
      expect(receiver!.unverified).toBe(0);
      const [queued, failed] = receiver!.received;
      expect(queued!.payload.data.email).toEqual({ id: row.id, status: 'queued' });
      expect(failed!.payload.data.email).toMatchObject({ id: row.id, status: 'failed' });
      const error = (failed!.payload.data.email as { error?: string }).error;
      expect(error).toContain('550');
      expect(error).toContain('[address]');
      expect(failed!.payload.data.session).toMatchObject({ id: s.id, reference: 'CASE-78' });
      expect(JSON.stringify(receiver!.received.map((r) => r.payload))).not.toContain('klant@example.test');
    },
    SLOW,
  );
});
