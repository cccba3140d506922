// POST /api/sessions/:id/resend for an e-mail invitation, against a real SMTP
// server (the smtp-server package on 127.0.0.1) and the real outbox: a second
// mail with the same PIN and link, the SMS's rules (pending, the minute's
// wait, the cap, only `invited`, the method's right, one's own session), a
// resend after a bounce, and nothing changed by a refusal.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { asc, eq, sql } from 'drizzle-orm';
import type { Right } from '../contract/rights.ts';
import { emailMessages, groups, technicians } from '../db/schema.ts';
import { rows } from '../db/testing.ts';
import { endSession } from '../sessions/end.ts';
import { MAX_INVITATIONS_PER_SESSION } from '../sessions/resend.ts';
import { auditActions, SMS_RIGHTS, technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { errorOf, harness, tableCounts, type Harness } from '../testing/harness.ts';
import { EmailOutbox } from './outbox.ts';
import { createSmtpSender } from './smtp.ts';
import { partOf, startTestSmtp, type TestSmtp } from './test-smtp.ts';

const SLOW = 60_000;
const EMAIL_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_email_method'];
const body = { type: 'lens', name: 'Boiler at Jansen', method: 'email', email: 'jan@example.test' };

let smtp: TestSmtp;
let h: Harness;
let tess: TestTechnician;
let outbox: EmailOutbox | undefined;

beforeEach(async () => {
  smtp = await startTestSmtp();
  h = await harness({ SMTP_URL: smtp.url(), SMTP_FROM: 'Loupe <loupe@example.test>' });
  tess = await technician(h, { rights: EMAIL_RIGHTS });
}, SLOW);
afterEach(async () => {
  await outbox?.stop();
  outbox = undefined;
  await smtp.stop();
});

/** The outbox polls once an hour here: a mail that goes out promptly was woken by the verb's event. */
function startOutbox() {
  outbox = new EmailOutbox(h, createSmtpSender(h.config.smtp!), { pollMs: 3_600_000, backoffMs: [60_000] });
  outbox.start();
}
async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
const create = async () => json<SessionView>(await h.call('POST', '/api/sessions', { cookie: tess.cookie, body }), 201);
const resend = (id: string, cookie = tess.cookie) => h.call('POST', `/api/sessions/${id}/resend`, { cookie });
const mails = (id: string) =>
  h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, id)).orderBy(asc(emailMessages.createdAt));
/** As the outbox records it: the last mail left. */
const markSent = (id: string) =>
  h.db.update(emailMessages).set({ status: 'sent' }).where(eq(emailMessages.sessionId, id));
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms; last: ${JSON.stringify(v)}`);
    await Bun.sleep(25);
  }
}
/** Everything a refused resend must leave as it was: rows, outbox rows and their states, the quotas. */
async function snapshot() {
  const state = rows(
    await h.db.execute(sql`select
      (select json_agg(json_build_object('id', id, 'status', status, 'attempts', attempts) order by id) from email_messages) as email,
      (select json_agg(json_build_object('key', key, 'count', count) order by key) from rate_limits) as quotas,
      (select json_agg(json_build_object('id', id, 'state', state, 'pin', pin) order by id) from lens_sessions) as sessions`),
  );
  return { counts: await tableCounts(h), state };
}
async function refused(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  const error = await errorOf(res);
  if (code) expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  return { error, retryAfter: Number(res.headers.get('retry-after')) };
}

describe('resending an e-mail invitation', () => {
  test(
    'delivers a second mail with the same PIN and link, audited, and the view says when the next may go',
    async () => {
      startOutbox();
      const s = await create();
      expect(s.emailStatus!.resendAvailableAt).toBeNull(); // still on its way
      await smtp.waitForMail(1);
      await until(
        () => mails(s.id),
        (r) => r[0]?.status === 'sent',
      );
      const sentView = await json<SessionView>(
        await h.call('GET', `/api/sessions/${s.id}`, { cookie: tess.cookie }),
        200,
      );
      const first = (await mails(s.id))[0]!;
      expect(sentView.emailStatus!.resendAvailableAt).toBe(new Date(first.createdAt.getTime() + 60_000).toISOString());

      h.clock.advance(61_000);
      const again = await json<SessionView>(await resend(s.id), 200);
      expect([again.pin, again.link, again.state]).toEqual([s.pin, s.link, 'invited']);
      expect(again.emailStatus).toMatchObject({ status: 'queued', resendAvailableAt: null });
      const [, second] = await smtp.waitForMail(2);
      expect(second!.to).toEqual(['jan@example.test']);
      for (const part of [partOf(second!.raw, 'text/plain'), partOf(second!.raw, 'text/html')]) {
        expect(part).toContain(s.link!);
        expect(part).toContain(s.pin!);
      }
      await until(
        () => mails(s.id),
        (r) => r.length === 2 && r[1]!.status === 'sent',
      );
      expect(await auditActions(h, s.id)).toEqual([
        'session.invited',
        'email.queued',
        'email.sent',
        'email.queued',
        'session.email_resent',
        'email.sent',
      ]);
    },
    SLOW,
  );

  test(
    'a resend after a 5xx bounce works: the fixed mailbox gets it',
    async () => {
      smtp.answers.push({ code: 550, message: 'Mailbox unavailable' });
      startOutbox();
      const s = await create();
      await until(
        () => mails(s.id),
        (r) => r[0]?.status === 'failed',
      );
      expect(smtp.received).toHaveLength(0);
      h.clock.advance(61_000);
      const again = await json<SessionView>(await resend(s.id), 200);
      expect(again.emailStatus!.status).toBe('queued');
      const [mail] = await smtp.waitForMail(1);
      expect(partOf(mail!.raw, 'text/plain')).toContain(s.pin!);
      const view = await until(
        async () => json<SessionView>(await h.call('GET', `/api/sessions/${s.id}`, { cookie: tess.cookie }), 200),
        (v) => v.emailStatus?.status === 'sent',
      );
      expect(view.emailStatus!.error).toBeNull();
    },
    SLOW,
  );

  test(
    'pending → 409 email_pending; too soon → 429 with Retry-After; nothing changes',
    async () => {
      const s = await create(); // no outbox: the mail stays queued
      let before = await snapshot();
      expect((await refused(await resend(s.id), 409, 'email_pending')).error.message).toContain('e-mail');
      expect(await snapshot()).toEqual(before);

      await markSent(s.id);
      h.clock.advance(30_000);
      before = await snapshot();
      const early = await refused(await resend(s.id), 429);
      expect(early.retryAfter).toBeGreaterThan(0);
      expect(early.retryAfter).toBeLessThanOrEqual(30);
      expect(await snapshot()).toEqual(before);
    },
    SLOW,
  );

  test(
    `at most ${MAX_INVITATIONS_PER_SESSION} mails per session: then 429 until the PIN expires, nothing changes`,
    async () => {
      const s = await create();
      for (let i = 2; i <= MAX_INVITATIONS_PER_SESSION; i++) {
        await markSent(s.id);
        h.clock.advance(61_000);
        expect((await json<SessionView>(await resend(s.id), 200)).pin).toBe(s.pin);
        expect(await mails(s.id)).toHaveLength(i);
      }
      await markSent(s.id);
      h.clock.advance(61_000);
      const before = await snapshot();
      const capped = await refused(await resend(s.id), 429);
      expect(capped.error.message).toContain(`${MAX_INVITATIONS_PER_SESSION} times`);
      expect(capped.retryAfter).toBeGreaterThan(60);
      expect(await snapshot()).toEqual(before);
      expect(await auditActions(h, s.id)).toEqual([
        'session.invited',
        'email.queued',
        ...Array(MAX_INVITATIONS_PER_SESSION - 1)
          .fill(['email.queued', 'session.email_resent'])
          .flat(),
      ]);
    },
    SLOW,
  );

  test(
    'only while invited: an ended invitation → 409 invalid_state, nothing changes',
    async () => {
      const s = await create();
      await markSent(s.id);
      await endSession(h, tess.id, s.id);
      h.clock.advance(61_000);
      const before = await snapshot();
      await refused(await resend(s.id), 409, 'invalid_state');
      expect(await snapshot()).toEqual(before);
    },
    SLOW,
  );

  test(
    "needs the method's right: 403 on one's own e-mail session once the group lost use_email_method, nothing changes",
    async () => {
      const s = await create();
      await markSent(s.id);
      h.clock.advance(61_000);
      const [t] = await h.db
        .select({ groupId: technicians.groupId })
        .from(technicians)
        .where(eq(technicians.id, tess.id));
      await h.db.update(groups).set({ rights: SMS_RIGHTS }).where(eq(groups.id, t!.groupId));
      const nobody = await technician(h, { rights: ['start_lens_sessions', 'start_private_sessions'] });
      const before = await snapshot();
      expect((await refused(await resend(s.id), 403)).error.message).toContain('use_email_method');
      expect(await snapshot()).toEqual(before);
      // Without the rights of either method: 403 whoever's the session.
      await refused(await resend(s.id, nobody.cookie), 403);
      expect(await snapshot()).toEqual(before);
    },
    SLOW,
  );

  test(
    "another technician's session is missing, not forbidden: 404, nothing changes",
    async () => {
      const s = await create();
      await markSent(s.id);
      h.clock.advance(61_000);
      const other = await technician(h, { rights: EMAIL_RIGHTS });
      const before = await snapshot();
      await refused(await resend(s.id, other.cookie), 404);
      expect(await snapshot()).toEqual(before);
    },
    SLOW,
  );
});
