// size: the SMPP client against the test SMSC, one scenario per test (binds, encodings, throttling,
// receipts, reconnects, TLS); they share the SMSC and gateway helpers above the describes.
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecodedMessage } from 'smpp';
import { createLogger, type Logger } from '../log.ts';
import type { DeliveryReport, SmppSettings, SmsGateway } from './gateway.ts';
import {
  createSmppGateway,
  describeStatus,
  destinationAddress,
  sourceAddress,
  type SmppGatewayOptions,
} from './smpp-gateway.ts';
import { selfSignedCertificate } from '../testing/tls.ts';
import { startTestSmsc, type TestSmsc, type TestSmscOptions } from './test-smsc.ts';

// Short timings so every test is over in well under a second or two.
const FAST: SmppGatewayOptions = {
  enquireLinkIntervalMs: 100,
  responseTimeoutMs: 300,
  submitTimeoutMs: 2_000,
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  slotWaitMs: 2_000,
  throttleMinMs: 100,
  throttleMaxMs: 400,
  closeTimeoutMs: 1_000,
  random: () => 0.5, // no jitter
};
const CREDENTIALS: TestSmscOptions = { systemId: 'loupe', password: 's3cret' };
const TO = '+31612345678';

type LogEntry = { level: string; msg: string; [field: string]: unknown };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smscFor(options: Partial<TestSmscOptions> = {}): Promise<TestSmsc> {
  const smsc = await startTestSmsc({ ...CREDENTIALS, ...options });
  cleanups.push(() => smsc.stop());
  return smsc;
}

function gatewayFor(settings: SmppSettings, options: SmppGatewayOptions = {}) {
  const entries: LogEntry[] = [];
  const log: Logger = createLogger('debug', (line) => entries.push(JSON.parse(line) as LogEntry));
  const gateway = createSmppGateway(settings, log, { ...FAST, ...options });
  cleanups.push(() => gateway.close());
  const reports: DeliveryReport[] = [];
  gateway.onReport((report) => reports.push(report));
  let binds = 0;
  gateway.onReady(() => binds++);
  return { gateway, entries, reports, readyCount: () => binds };
}

async function until(condition: () => boolean, timeoutMs = 2_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

const whenReady = (gateway: SmsGateway) => until(() => gateway.ready(), 2_000, 'bind');

async function bound(settings: Partial<SmppSettings> = {}, options: SmppGatewayOptions = {}) {
  const smsc = await smscFor();
  const client = gatewayFor(smsc.settings(settings), options);
  await whenReady(client.gateway);
  return { smsc, ...client };
}

function rawUdh(pdu: { short_message?: unknown }): number[][] {
  return ((pdu.short_message as DecodedMessage).udh ?? []).map((ie) => [...ie]);
}

describe('addresses', () => {
  test('source: alphanumeric, international, short code', () => {
    expect(sourceAddress('Loupe')).toEqual({ ton: 5, npi: 0, addr: 'Loupe' });
    expect(sourceAddress('+3197010203040')).toEqual({ ton: 1, npi: 1, addr: '3197010203040' });
    expect(sourceAddress('003197010203040')).toEqual({ ton: 1, npi: 1, addr: '3197010203040' });
    expect(sourceAddress('3197010203040')).toEqual({ ton: 1, npi: 1, addr: '3197010203040' });
    expect(sourceAddress('4321')).toEqual({ ton: 3, npi: 0, addr: '4321' });
    expect(sourceAddress('12345678')).toEqual({ ton: 3, npi: 0, addr: '12345678' });
  });

  test('destination: E.164 only', () => {
    expect(destinationAddress('+31612345678')).toEqual({ ton: 1, npi: 1, addr: '31612345678' });
    expect(destinationAddress('0612345678')).toBeUndefined();
    expect(destinationAddress('+31 6 1234')).toBeUndefined();
  });

  test('status names', () => {
    expect(describeStatus(0x0b)).toBe('ESME_RINVDSTADR (0x0000000B)');
    expect(describeStatus(0x0400)).toBe('0x00000400');
  });
});

describe('SMPP gateway against the test SMSC', () => {
  test('GSM-7 single part: submit_sm fields and text', async () => {
    const { smsc, gateway } = await bound();
    expect(gateway.kind).toBe('smpp');
    const text = 'Your Loupe PIN is 123456. Price €0 [free] @home';
    const result = await gateway.submit({ reference: 'r1', to: TO, text });
    expect(result).toEqual({ ok: true, messageIds: [smsc.received[0]!.messageId] });
    const { pdu } = smsc.received[0]!;
    expect(pdu).toMatchObject({
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'Loupe',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '31612345678',
      data_coding: 0,
      registered_delivery: 1,
      esm_class: 0,
    });
    expect(rawUdh(pdu)).toEqual([]);
    expect((await smsc.waitForMessage()).text).toBe(text);
  });

  test('numeric senders: international and short code', async () => {
    const { smsc, gateway } = await bound({ sourceAddr: '+3197010203040' });
    await gateway.submit({ reference: 'r1', to: TO, text: 'hi' });
    expect(smsc.received[0]!.pdu).toMatchObject({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '3197010203040',
    });

    const short = gatewayFor(smsc.settings({ sourceAddr: '4321' }));
    await whenReady(short.gateway);
    await short.gateway.submit({ reference: 'r2', to: TO, text: 'hi' });
    expect(smsc.received[1]!.pdu).toMatchObject({ source_addr_ton: 3, source_addr_npi: 0, source_addr: '4321' });
  });

  test('long UCS-2 text arrives as concatenated parts and decodes to the original', async () => {
    const { smsc, gateway } = await bound();
    const text =
      'Hoi Zoë! Je monteur wil graag meekijken via je camera 📷. Tik op de link en voer de pincode in: 482913. ' +
      'Werkt het niet? Bel ons gerust terug — groetjes van het Loupe-team 👋🏽';
    expect(text.length).toBeGreaterThan(134);
    const result = await gateway.submit({ reference: 'r1', to: TO, text });
    if (!result.ok) throw new Error(result.reason);
    const parts = smsc.received;
    expect(parts.length).toBe(3);
    expect(result.messageIds).toEqual(parts.map((p) => p.messageId));
    const reference = rawUdh(parts[0]!.pdu)[0]![2];
    parts.forEach((part, i) => {
      expect(part.pdu.data_coding).toBe(8);
      expect(part.pdu.esm_class! & 0x40).toBe(0x40);
      expect(part.pdu.registered_delivery).toBe(1);
      expect(rawUdh(part.pdu)).toEqual([[0x00, 0x03, reference!, 3, i + 1]]);
    });
    const message = await smsc.waitForMessage();
    expect(message.text).toBe(text);
    expect(message.messageIds).toEqual(result.messageIds);
  });

  test('long GSM-7 text arrives as concatenated parts with data_coding 0', async () => {
    const { smsc, gateway } = await bound();
    const text = `${'Uw PIN: 123456. '.repeat(12)}{€}`;
    const result = await gateway.submit({ reference: 'r1', to: TO, text });
    expect(result.ok && result.messageIds.length).toBe(2);
    expect(smsc.received.map((p) => p.pdu.data_coding)).toEqual([0, 0]);
    expect((await smsc.waitForMessage()).text).toBe(text);
  });

  test('delivery receipts become DeliveryReports; mobile-originated texts are ignored', async () => {
    const { smsc, gateway, reports, entries } = await bound();
    smsc.autoReceipt = 'DELIVRD';
    const first = await gateway.submit({ reference: 'r1', to: TO, text: 'one' });
    await until(() => reports.length === 1, 2_000, 'receipt');
    expect(reports[0]).toEqual({
      messageId: first.ok ? first.messageIds[0]! : '',
      delivered: true,
      stat: 'DELIVRD',
      err: '000',
    });

    smsc.autoReceipt = false;
    const second = await gateway.submit({ reference: 'r2', to: TO, text: 'two' });
    const secondId = second.ok ? second.messageIds[0]! : '';
    await smsc.sendReceipt(secondId, 'UNDELIV', { err: '001' });
    await smsc.sendReceipt(secondId, 'EXPIRED', { tlvs: true });
    expect(reports.slice(1)).toEqual([
      { messageId: secondId, delivered: false, stat: 'UNDELIV', err: '001' },
      { messageId: secondId, delivered: false, stat: 'EXPIRED', err: '000' },
    ]);

    smsc.sendMobileOriginated('+31699999999', 'Loupe', 'STOP');
    await until(() => entries.some((e) => e.msg === 'ignoring mobile-originated SMS'), 2_000, 'MO log');
    expect(reports).toHaveLength(3);
  });

  test('the gateway answers the SMSC enquire_link', async () => {
    const { smsc } = await bound({}, { enquireLinkIntervalMs: 60_000 });
    await Promise.race([
      smsc.enquireLinkClients(),
      Bun.sleep(1_000).then(() => {
        throw new Error('no enquire_link_resp');
      }),
    ]);
  });

  test('throttled: transient with retryAfterMs, all submits paused, then success', async () => {
    const { smsc, gateway } = await bound();
    smsc.throttleNext(1);
    const throttled = await gateway.submit({ reference: 'r1', to: TO, text: 'a' });
    expect(throttled).toMatchObject({ ok: false, permanent: false, commandStatus: 0x58 });
    const retryAfterMs = throttled.ok ? 0 : throttled.retryAfterMs!;
    expect(retryAfterMs).toBeGreaterThan(50);
    expect(retryAfterMs).toBeLessThanOrEqual(100);

    const paused = await gateway.submit({ reference: 'r2', to: TO, text: 'b' });
    expect(paused).toMatchObject({ ok: false, permanent: false });
    expect(smsc.received).toHaveLength(0); // not even sent

    await Bun.sleep(retryAfterMs + 10);
    smsc.throttleNext(1); // throttling continues: the pause grows
    const again = await gateway.submit({ reference: 'r3', to: TO, text: 'c' });
    expect(again.ok ? 0 : again.retryAfterMs!).toBeGreaterThan(100);

    await Bun.sleep(again.ok ? 0 : again.retryAfterMs! + 10);
    expect(await gateway.submit({ reference: 'r4', to: TO, text: 'd' })).toMatchObject({ ok: true });
  });

  test('permanent and transient rejections', async () => {
    const { smsc, gateway } = await bound();
    smsc.failNext(1, 0x0b);
    const invalid = await gateway.submit({ reference: 'r1', to: TO, text: 'a' });
    expect(invalid).toMatchObject({ ok: false, permanent: true, commandStatus: 0x0b });
    expect(invalid.ok ? '' : invalid.reason).toContain('ESME_RINVDSTADR (0x0000000B)');

    smsc.failNext(1, 0x0a);
    expect(await gateway.submit({ reference: 'r2', to: TO, text: 'a' })).toMatchObject({
      ok: false,
      permanent: true,
      commandStatus: 0x0a,
    });
    smsc.failNext(1, 0x14);
    expect(await gateway.submit({ reference: 'r3', to: TO, text: 'a' })).toMatchObject({
      ok: false,
      permanent: false,
      commandStatus: 0x14,
    });
    smsc.failNext(1, 0x08);
    expect(await gateway.submit({ reference: 'r4', to: TO, text: 'a' })).toMatchObject({
      ok: false,
      permanent: false,
      commandStatus: 0x08,
    });

    expect(await gateway.submit({ reference: 'r5', to: '0612345678', text: 'a' })).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(smsc.received).toHaveLength(0);
  });

  test('a later part that is throttled is retried inside the gateway', async () => {
    const { smsc, gateway } = await bound();
    const text = 'x'.repeat(300);
    smsc.responseDelayMs = 20;
    const pending = gateway.submit({ reference: 'r1', to: TO, text });
    await until(() => smsc.received.length === 1, 2_000, 'first part');
    smsc.throttleNext(1);
    const result = await pending;
    expect(result.ok && result.messageIds.length).toBe(2);
    expect((await smsc.waitForMessage()).text).toBe(text);
  });

  test('SMSC down at start: not ready, then binds when it comes up', async () => {
    const smsc = await smscFor();
    await smsc.stop();
    const { gateway, readyCount } = gatewayFor(smsc.settings(), { slotWaitMs: 50 });
    await Bun.sleep(150);
    expect(gateway.ready()).toBe(false);
    expect(await gateway.submit({ reference: 'r0', to: TO, text: 'early' })).toMatchObject({
      ok: false,
      permanent: false,
    });

    await smsc.start();
    await until(() => readyCount() === 1, 2_000, 'onReady');
    expect(gateway.ready()).toBe(true);
    expect(await gateway.submit({ reference: 'r1', to: TO, text: 'hello' })).toMatchObject({ ok: true });
  });

  test('SMSC restart while bound: reconnects and fires onReady again', async () => {
    const { smsc, gateway, readyCount } = await bound();
    expect(readyCount()).toBe(1);
    await smsc.stop();
    await until(() => !gateway.ready(), 2_000, 'link loss');
    await smsc.start();
    await until(() => readyCount() === 2, 2_000, 'rebind');
    expect(await gateway.submit({ reference: 'r1', to: TO, text: 'after restart' })).toMatchObject({ ok: true });
  });

  test('an unanswered enquire_link counts as a dead link', async () => {
    const { smsc, entries } = await bound({}, { enquireLinkIntervalMs: 50, responseTimeoutMs: 100 });
    smsc.answerEnquireLink = false;
    await until(() => smsc.binds.length >= 2, 2_000, 'reconnect');
    expect(entries.some((e) => e.msg === 'SMSC did not answer enquire_link; reconnecting')).toBe(true);
  });

  test('submits waiting for a bind give up after slotWaitMs', async () => {
    const smsc = await smscFor();
    await smsc.stop();
    const { gateway } = gatewayFor(smsc.settings(), { slotWaitMs: 100 });
    const started = Date.now();
    const result = await gateway.submit({ reference: 'r1', to: TO, text: 'a' });
    expect(result).toEqual({ ok: false, permanent: false, reason: 'not bound to the SMSC' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  test('window: never more than settings.window submit_sm outstanding', async () => {
    const { smsc, gateway } = await bound({ window: 2 });
    smsc.responseDelayMs = 50;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => gateway.submit({ reference: `r${i}`, to: TO, text: `m${i}` })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(smsc.received).toHaveLength(6);
    expect(smsc.maxOutstanding).toBe(2);
  });

  test('connection lost while a submit is outstanding: outcome unknown', async () => {
    const { smsc, gateway } = await bound();
    smsc.responseDelayMs = 1_000;
    const pending = gateway.submit({ reference: 'r1', to: TO, text: 'lost' });
    await until(() => smsc.maxOutstanding === 1, 2_000, 'submit at SMSC');
    await smsc.stop();
    expect(await pending).toMatchObject({ ok: false, permanent: false, outcomeUnknown: true });
  });

  test('wrong password: logged clearly, retried with back-off, never ready', async () => {
    const smsc = await smscFor();
    const { gateway, entries } = gatewayFor(smsc.settings({ password: 'wrong' }), { reconnectMaxMs: 10_000 });
    await until(() => smsc.binds.length === 1, 2_000, 'first bind');
    await Bun.sleep(500); // the next attempt comes 20 ms × 2^4 = 320 ms later, the one after that 640 ms later
    expect(smsc.binds).toEqual([
      { systemId: 'loupe', accepted: false },
      { systemId: 'loupe', accepted: false },
    ]);
    expect(gateway.ready()).toBe(false);
    const error = entries.find((e) => e.level === 'error');
    expect(error).toMatchObject({
      msg: 'SMSC rejected the SMPP bind: check the system id and password in SMPP_URL',
      status: 'ESME_RINVPASWD (0x0000000E)',
    });
    expect(JSON.stringify(entries)).not.toContain('wrong'); // the password never reaches the logs
  });

  test('close() waits for outstanding responses, unbinds and stops reconnecting', async () => {
    const { smsc, gateway } = await bound();
    smsc.responseDelayMs = 100;
    const pending = gateway.submit({ reference: 'r1', to: TO, text: 'last one' });
    await until(() => smsc.maxOutstanding === 1, 2_000, 'submit at SMSC');
    await gateway.close();
    expect(await pending).toMatchObject({ ok: true });
    expect(smsc.unbinds).toBe(1);
    expect(gateway.ready()).toBe(false);
    expect(await gateway.submit({ reference: 'r2', to: TO, text: 'too late' })).toMatchObject({
      ok: false,
      permanent: false,
    });
    await Bun.sleep(100);
    expect(smsc.boundSessions).toBe(0);
    expect(smsc.binds).toHaveLength(1);
  });

  test('smpps:// with the package TLS server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-smpps-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const files = selfSignedCertificate(dir);
    if (!files) return void console.warn('openssl not available: smpps:// not tested');
    const cert = readFileSync(files.certFile);
    const smsc = await smscFor({ tls: { key: readFileSync(files.keyFile), cert } });
    expect(smsc.url).toStartWith('smpps://');
    const { gateway } = gatewayFor(smsc.settings(), { tls: { ca: cert } });
    await whenReady(gateway);
    expect(await gateway.submit({ reference: 'r1', to: TO, text: 'secure' })).toMatchObject({ ok: true });
    expect((await smsc.waitForMessage()).text).toBe('secure');
  });
});
