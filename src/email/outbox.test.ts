// The e-mail outbox against a real SMTP server (the smtp-server package on
// 127.0.0.1) through nodemailer: STARTTLS and AUTH from the URL, TLS from the
// start, a 4xx retried, a 5xx failed with its reason, and sent once across a
// restart.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Right } from '../contract/rights.ts';
import { auditLog, emailMessages } from '../db/schema.ts';
import { createSession } from '../sessions/create.ts';
import { auditActions, technician, type TestTechnician } from '../sessions/testing.ts';
import { sessionView } from '../sessions/view.ts';
import { harness, type Harness } from '../testing/harness.ts';
import { selfSignedCertificate, type CertificateFiles } from '../testing/tls.ts';
import { EmailOutbox, STALE_SENDING_MS } from './outbox.ts';
import { createSmtpSender } from './smtp.ts';
import { parseMime, partOf, startTestSmtp, type TestSmtp } from './test-smtp.ts';

export const EMAIL_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_email_method'];
const USER = 'loupe';
const PASS = 'smtp p@ss:word/1'; // characters a URL must escape

let certDir: string;
let cert: CertificateFiles;
let smtp: TestSmtp;
let h: Harness;
let tess: TestTechnician;
const running: EmailOutbox[] = [];

async function setUp(server: Parameters<typeof startTestSmtp>[0], auth = true) {
  smtp = await startTestSmtp(server);
  h = await harness({
    SMTP_URL: smtp.url(auth ? { user: USER, pass: PASS } : {}),
    SMTP_FROM: 'Loupe <loupe@example.test>',
  });
  tess = await technician(h, { rights: EMAIL_RIGHTS });
}
function startOutbox() {
  const outbox = new EmailOutbox(h, createSmtpSender(h.config.smtp!, { ca: readFileSync(cert.certFile, 'utf8') }), {
    pollMs: 100,
    backoffMs: [60_000],
  });
  outbox.start();
  running.push(outbox);
  return outbox;
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
const invite = (email = 'customer@example.test', language?: 'en' | 'nl') =>
  createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'email', email, language });
const rowsOf = (sessionId: string) =>
  h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, sessionId)).orderBy(emailMessages.createdAt);
const statusOf = async (sessionId: string) => (await rowsOf(sessionId))[0]?.status;
const settled = (sessionId: string) =>
  until(
    () => rowsOf(sessionId),
    (r) => r[0]?.status === 'sent' || r[0]?.status === 'failed',
  );

beforeEach(() => {
  certDir = mkdtempSync(join(tmpdir(), 'loupe-smtp-cert-'));
  const made = selfSignedCertificate(certDir);
  if (!made) throw new Error('openssl is needed for the STARTTLS tests');
  cert = made;
});
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
  await smtp?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

// Each test starts its own SMTP server and database (the first PGlite of a run takes seconds).
const SLOW = 60_000;

describe('the e-mail outbox', () => {
  test(
    'sends the invitation over STARTTLS with AUTH from the URL, telling the console each step',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      const changes: string[] = [];
      h.events.onSessionChanged((c) => changes.push(c.sessionId));
      startOutbox();
      const s = await invite('customer@example.test', 'nl');
      expect(s.email).toBe('customer@example.test');
      const [mail] = await smtp.waitForMail();
      expect(mail!.secure).toBe(true); // upgraded with STARTTLS before AUTH (smtp-server refuses AUTH in the clear)
      expect(mail!.user).toBe(USER);
      expect(mail!.to).toEqual(['customer@example.test']);
      expect(mail!.from).toBe('loupe@example.test');
      const { headers } = parseMime(mail!.raw);
      expect(headers.subject).toBe('Je technicus wil meekijken via je camera');
      expect(headers['content-type']).toContain('multipart/alternative');
      const text = partOf(mail!.raw, 'text/plain');
      const html = partOf(mail!.raw, 'text/html');
      for (const part of [text, html]) {
        expect(part).toContain(s.link!);
        expect(part).toContain(s.pin!);
        expect(part).toContain('20 minuten');
      }
      expect(html).not.toMatch(/<img|src=|<script/i);
      const [row] = await until(
        () => rowsOf(s.id),
        (r) => r[0]?.status === 'sent',
      );
      expect(row!.attempts).toBe(1);
      expect(row!.messageId).toBeTruthy();
      expect((await sessionView(h.db, h.config, s.id))!.emailStatus).toMatchObject({ status: 'sent', error: null });
      await until(
        async () => changes.filter((id) => id === s.id).length,
        (n) => n >= 1,
      );
      expect(await auditActions(h, s.id)).toEqual(['session.invited', 'email.queued', 'email.sent']);
      const audit = await h.db.select().from(auditLog).where(eq(auditLog.subjectId, s.id));
      for (const a of audit.filter((r) => r.action.startsWith('email.'))) {
        expect(a.actorType).toBe('system');
        expect(a.details).toEqual({ emailId: row!.id });
      }
      expect(JSON.stringify(audit)).not.toContain('customer@example.test');
    },
    SLOW,
  );

  test(
    'smtps:// speaks TLS from the first byte',
    async () => {
      await setUp({ tls: cert, secure: true, auth: { user: USER, pass: PASS } });
      startOutbox();
      const s = await invite();
      const [mail] = await smtp.waitForMail();
      expect(mail!.secure).toBe(true);
      expect(partOf(mail!.raw, 'text/plain')).toContain(s.pin!);
      expect(
        await until(
          () => statusOf(s.id),
          (st) => st === 'sent',
        ),
      ).toBe('sent');
    },
    SLOW,
  );

  test(
    'a wrong password fails with the server reason, and the password is nowhere',
    async () => {
      smtp = await startTestSmtp({ tls: cert, auth: { user: USER, pass: PASS } });
      h = await harness({ SMTP_URL: smtp.url({ user: USER, pass: 'wrong-secret' }), SMTP_FROM: 'loupe@example.test' });
      tess = await technician(h, { rights: EMAIL_RIGHTS });
      startOutbox();
      const s = await invite();
      const [row] = await settled(s.id);
      expect(row).toMatchObject({ status: 'failed', attempts: 1 });
      expect(row!.error).toContain('535');
      const view = (await sessionView(h.db, h.config, s.id))!;
      expect(view.emailStatus!.error).toContain('Authentication failed');
      expect(JSON.stringify([row, view])).not.toContain('wrong-secret');
      expect(smtp.received).toHaveLength(0);
    },
    SLOW,
  );

  test(
    'a 4xx answer is retried after the back-off, then delivered once',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      smtp.answers.push({ code: 451, message: 'Greylisted, try again later' });
      const outbox = startOutbox();
      const s = await invite();
      const [waiting] = await until(
        () => rowsOf(s.id),
        (r) => r[0]?.status === 'queued' && r[0].attempts === 1,
      );
      expect(waiting!.error).toContain('451 Greylisted');
      expect((await sessionView(h.db, h.config, s.id))!.emailStatus).toMatchObject({ status: 'queued' });
      // Not due yet: a pass now sends nothing.
      outbox.wake();
      await outbox.idle();
      expect(smtp.received).toHaveLength(0);
      h.clock.advance(60_000);
      outbox.wake();
      await smtp.waitForMail();
      const [row] = await settled(s.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, error: null });
      expect(smtp.attempts).toBe(2);
      expect(smtp.received).toHaveLength(1);
      expect(await auditActions(h, s.id)).toEqual(['session.invited', 'email.queued', 'email.sent']);
    },
    SLOW,
  );

  test(
    'a 5xx answer fails with the server reason, shown in the session view, without the address',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      smtp.answers.push({ code: 550, message: 'Mailbox nobody@example.test unavailable' });
      startOutbox();
      const s = await invite('nobody@example.test');
      const [row] = await settled(s.id);
      expect(row).toMatchObject({ status: 'failed', attempts: 1 });
      const view = (await sessionView(h.db, h.config, s.id))!;
      expect(view.emailStatus!.status).toBe('failed');
      expect(view.emailStatus!.error).toContain('550 Mailbox [address] unavailable');
      expect(await auditActions(h, s.id)).toEqual(['session.invited', 'email.queued', 'email.failed']);
      const [failed] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'email.failed'));
      expect(failed!.details).toEqual({ emailId: row!.id, error: row!.error });
      await Bun.sleep(300);
      expect(smtp.attempts).toBe(1); // never again
    },
    SLOW,
  );

  test(
    'no connection is retried',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      await smtp.stop(); // nobody listens on its port any more
      startOutbox();
      const s = await invite();
      const [row] = await until(
        () => rowsOf(s.id),
        (r) => r[0]?.status === 'queued' && r[0].attempts === 1,
      );
      expect(row!.error).toMatch(/^Retrying: /);
      smtp = await startTestSmtp({});
    },
    SLOW,
  );

  test(
    'a connection lost after the whole message went out is not sent again',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      smtp.answers.push('drop');
      const outbox = startOutbox();
      const s = await invite();
      const [row] = await settled(s.id);
      expect(row!.status).toBe('failed');
      expect(row!.error).toContain('may or may not arrive');
      h.clock.advance(3_600_000);
      outbox.wake();
      await outbox.idle();
      expect(smtp.attempts).toBe(1);
    },
    SLOW,
  );
});

describe('sent once across a restart', () => {
  test(
    'a worker stopped with the e-mail in flight records it; the next one sends nothing more',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      const first = startOutbox();
      const s = await invite();
      // Stop as soon as the send began: stop() waits for the server's answer and records it.
      await until(
        () => statusOf(s.id),
        (st) => st !== 'queued',
      );
      running.splice(running.indexOf(first), 1);
      await first.stop();
      expect(await statusOf(s.id)).toBe('sent');
      const second = startOutbox();
      second.wake();
      await second.idle();
      await Bun.sleep(300);
      expect(smtp.received).toHaveLength(1);
    },
    SLOW,
  );

  test(
    'a row left `sending` by a stopped node is never sent again: failed once stale, with that reason',
    async () => {
      await setUp({ tls: cert, auth: { user: USER, pass: PASS } });
      const s = await invite();
      // What a node that stopped mid-send leaves behind (the server may or may not have it).
      await h.db
        .update(emailMessages)
        .set({ status: 'sending', attempts: 1, updatedAt: h.clock.now() })
        .where(eq(emailMessages.sessionId, s.id));
      const outbox = startOutbox();
      outbox.wake();
      await outbox.idle();
      expect(await statusOf(s.id)).toBe('sending');
      h.clock.advance(STALE_SENDING_MS + 1_000);
      outbox.wake();
      await outbox.idle();
      const [row] = await rowsOf(s.id);
      expect(row!.status).toBe('failed');
      expect(row!.error).toContain('Loupe stopped');
      expect((await sessionView(h.db, h.config, s.id))!.emailStatus!.status).toBe('failed');
      expect(await auditActions(h, s.id)).toEqual(['session.invited', 'email.queued', 'email.failed']);
      expect(smtp.attempts).toBe(0);
    },
    SLOW,
  );
});
