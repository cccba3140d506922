// The results counters through the real parts, hooked as main.ts hooks them:
// the SMS outbox submitting to a real SMSC (the smpp package's server), the
// e-mail outbox sending to a real SMTP server (smtp-server), and the webhook
// worker posting to a receiver that verifies every delivery. Then the
// registry is scraped and the counters read.
import { afterEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { emailMessages, webhookDeliveries } from '../db/schema.ts';
import { EmailOutbox } from '../email/outbox.ts';
import { createSmtpSender } from '../email/smtp.ts';
import { startTestSmtp, type TestSmtp } from '../email/test-smtp.ts';
import { silentLogger } from '../log.ts';
import { createSession } from '../sessions/create.ts';
import { smsRows, technician } from '../sessions/testing.ts';
import { Outbox } from '../sms/outbox.ts';
import { createSmppGateway } from '../sms/smpp-gateway.ts';
import { startTestSmsc, type TestSmsc } from '../sms/test-smsc.ts';
import { harness, signInAsAdmin } from '../testing/harness.ts';
import { startWebhooks, type WebhookService } from '../webhooks/service.ts';
import { startReceiver, until, type Receiver } from '../webhooks/testing.ts';
import { Metrics } from './metrics.ts';
import { parseScrape } from './testing.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const scraped = async (metrics: Metrics) => parseScrape(await metrics.scrape());

describe('the results counters', () => {
  test('an SMS the real SMSC accepted counts as sent', async () => {
    const h = await harness();
    const tess = await technician(h);
    const smsc: TestSmsc = await startTestSmsc({ systemId: 'loupe', password: 'secret' });
    stops.push(() => smsc.stop());
    const metrics = new Metrics();
    const gateway = createSmppGateway(smsc.settings(), silentLogger, { reconnectMinMs: 50, reconnectMaxMs: 200 });
    const outbox = new Outbox(h, gateway, { pollMs: 100, onResult: (result) => metrics.smsResult(result) });
    outbox.start();
    stops.push(async () => {
      await outbox.stop();
      await gateway.close();
    });

    const s = await createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'sms', phone: '+31612345678' });
    await smsc.waitForMessage();
    await until('the SMS marked sent', async () => (await smsRows(h, s.id))[0]?.status === 'sent');
    await outbox.idle();
    const m = await scraped(metrics);
    expect(m.value('loupe_sms_results_total', { result: 'sent' })).toBe(1);
    expect(m.value('loupe_sms_results_total', { result: 'retried' })).toBe(0);
    expect(m.value('loupe_sms_results_total', { result: 'failed' })).toBe(0);
  });

  test('e-mails: a 4xx counts as retried, its next send as sent, a 5xx as failed', async () => {
    const smtp: TestSmtp = await startTestSmtp();
    stops.push(() => smtp.stop());
    const h = await harness({ SMTP_URL: smtp.url(), SMTP_FROM: 'Loupe <loupe@example.test>' });
    const tess = await technician(h, {
      rights: ['start_lens_sessions', 'start_private_sessions', 'use_email_method'],
      settings: { maxLiveLensSessions: 5 },
    });
    const metrics = new Metrics();
    // No back-off: the greylisted e-mail is due again at once (the fake clock stands still).
    const outbox = new EmailOutbox(h, createSmtpSender(h.config.smtp!), {
      pollMs: 100,
      backoffMs: [0],
      onResult: (result) => metrics.emailResult(result),
    });
    outbox.start();
    stops.push(() => outbox.stop());
    const statusOf = async (sessionId: string) =>
      (await h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, sessionId)))[0]?.status;
    const invite = (email: string) =>
      createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'email', email });

    smtp.answers.push({ code: 451, message: 'Greylisted, try again later' });
    const greylisted = await invite('customer@example.test');
    await until('the greylisted e-mail sent', async () => (await statusOf(greylisted.id)) === 'sent');
    smtp.answers.push({ code: 550, message: 'No such user' });
    const refused = await invite('nobody@example.test');
    await until('the refused e-mail failed', async () => (await statusOf(refused.id)) === 'failed');
    await outbox.idle();

    const m = await scraped(metrics);
    expect(smtp.attempts).toBe(3);
    expect(m.value('loupe_email_results_total', { result: 'retried' })).toBe(1);
    expect(m.value('loupe_email_results_total', { result: 'sent' })).toBe(1);
    expect(m.value('loupe_email_results_total', { result: 'failed' })).toBe(1);
  });

  test('webhooks: a 500 counts as retried, the next attempt as delivered, each attempt timed', async () => {
    const receiver: Receiver = startReceiver((n) => (n === 1 ? 500 : 200));
    stops.push(() => receiver.stop());
    const h = await harness({ LOUPE_WEBHOOK_ALLOW_HTTP: receiver.host });
    const admin = await signInAsAdmin(h);
    const tess = await technician(h);
    const metrics = new Metrics();
    const service: WebhookService = startWebhooks(h, {
      pollMs: 50,
      onAttempt: (outcome, seconds) => metrics.webhookAttempt(outcome, seconds),
    });
    stops.push(() => service.stop());
    const created = await h.call('POST', '/api/webhooks', {
      cookie: admin,
      body: { url: receiver.url, events: ['session.created'] },
    });
    expect(created.status).toBe(201);
    receiver.setSecret(((await created.json()) as { secret: string }).secret);

    await createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'link' });
    await until('the first attempt answered', () => receiver.received.length === 1);
    await until('the delivery queued again', async () => {
      const [row] = await h.db.select().from(webhookDeliveries);
      return row?.status === 'queued' && row.attempts === 1;
    });
    h.clock.advance(10 * 60_000); // past the back-off
    await until(
      'the delivery delivered',
      async () => (await h.db.select().from(webhookDeliveries))[0]?.status === 'delivered',
    );

    const m = await scraped(metrics);
    expect(receiver.unverified).toBe(0);
    expect(m.value('loupe_webhook_attempts_total', { outcome: 'retried' })).toBe(1);
    expect(m.value('loupe_webhook_attempts_total', { outcome: 'delivered' })).toBe(1);
    expect(m.value('loupe_webhook_attempts_total', { outcome: 'failed' })).toBe(0);
    expect(m.value('loupe_webhook_attempt_seconds_count')).toBe(2);
    expect(m.value('loupe_webhook_attempt_seconds_sum')).toBeGreaterThan(0);
    expect(m.types.get('loupe_webhook_attempt_seconds')).toBe('histogram');
  });
});
