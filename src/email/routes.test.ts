// POST /api/sessions with "method":"email": the right, the configuration, the
// inputs, the quotas; what the console is told (GET /api/auth/options); and
// the address leaving with the phone numbers' retention.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import type { Right } from '../contract/rights.ts';
import { emailMessages, lensSessions } from '../db/schema.ts';
import { rows } from '../db/testing.ts';
import { endSession } from '../sessions/end.ts';
import { auditActions, sessionRow, SMS_RIGHTS, technician, type TestTechnician } from '../sessions/testing.ts';
import { sessionView, type SessionView } from '../sessions/view.ts';
import { DATABASE_HOOK, errorOf, harness, tableCounts, type Harness } from '../testing/harness.ts';
import { purgeExpired } from '../records/retention.ts';
import { EMAIL_PER_ADDRESS } from './queue.ts';

const EMAIL_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_email_method'];
const SMTP = { SMTP_URL: 'smtp://127.0.0.1:9', SMTP_FROM: 'Loupe <loupe@example.test>' };
const emailBody = { type: 'lens', name: 'Boiler at Jansen', method: 'email', email: 'Jan.Jansen@Example.test' };

let h: Harness;
let tess: TestTechnician;

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
const create = (cookie: string, body: unknown) => h.call('POST', '/api/sessions', { cookie, body });
/** Everything a refused request must leave as it was, the e-mail outbox and the quotas included. */
async function counts() {
  const more = rows<{ e: number; r: number }>(
    await h.db.execute(
      sql`select (select count(*)::int from email_messages) as e, (select count(*)::int from rate_limits) as r`,
    ),
  );
  return { ...(await tableCounts(h)), email: more[0]!.e, rateLimits: more[0]!.r };
}

beforeEach(async () => {
  h = await harness(SMTP);
  tess = await technician(h, { rights: EMAIL_RIGHTS, settings: { maxLiveLensSessions: 10 } });
}, DATABASE_HOOK);

describe('POST /api/sessions by e-mail', () => {
  test('creates the invitation, stores the address and queues the e-mail in one go', async () => {
    const s = await json<SessionView>(await create(tess.cookie, emailBody), 201);
    expect(s).toMatchObject({ method: 'email', email: 'jan.jansen@example.test', phone: null, sms: null });
    expect(s.emailStatus).toMatchObject({ status: 'queued', error: null });
    expect((await sessionRow(h, s.id)).email).toBe('jan.jansen@example.test');
    const [row] = await h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, s.id));
    expect(row).toMatchObject({ to: 'jan.jansen@example.test', status: 'queued', attempts: 0 });
    for (const part of [row!.text, row!.html]) {
      expect(part).toContain(s.link!);
      expect(part).toContain(s.pin!);
    }
    expect(await auditActions(h, s.id)).toEqual(['session.invited', 'email.queued']);
    // Listed with its status like any other.
    const list = await json<{ sessions: SessionView[] }>(
      await h.call('GET', '/api/sessions', { cookie: tess.cookie }),
      200,
    );
    expect(list.sessions.find((x) => x.id === s.id)!.emailStatus!.status).toBe('queued');
  });

  test('needs use_email_method: 403, and nothing changes', async () => {
    const texter = await technician(h, { rights: SMS_RIGHTS });
    const before = await counts();
    const res = await create(texter.cookie, emailBody);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain('use_email_method');
    expect(await counts()).toEqual(before);
  });

  test('without SMTP_URL: 409 email_not_configured, nothing changes, and the console is told not to offer it', async () => {
    const h2 = await harness();
    const t = await technician(h2, { rights: EMAIL_RIGHTS });
    h = h2;
    const before = await counts();
    const res = await h2.call('POST', '/api/sessions', { cookie: t.cookie, body: emailBody });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('email_not_configured');
    expect(await counts()).toEqual(before);
    const options = await json<{ emailInvitations: boolean }>(await h2.call('GET', '/api/auth/options'), 200);
    expect(options.emailInvitations).toBe(false);
  });

  test('GET /api/auth/options offers e-mail when SMTP_URL is set', async () => {
    expect(await json(await h.call('GET', '/api/auth/options'), 200)).toEqual({
      passwordLogin: true,
      oidc: null,
      emailInvitations: true,
    });
  });

  test('bad input gets a clear 400 and writes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ ...emailBody, email: undefined }, 'email'],
      [{ ...emailBody, email: '' }, 'email'],
      [{ ...emailBody, email: 'not an address' }, 'email'],
      [{ ...emailBody, email: 'jan@' }, 'email'],
      [{ ...emailBody, email: `${'a'.repeat(250)}@example.test` }, 'email'],
      [{ ...emailBody, email: 42 }, 'email'],
      [{ ...emailBody, email: ['jan@example.test'] }, 'email'],
      [{ ...emailBody, email: 'jan@example.test\r\nBcc: all@example.test' }, 'email'],
      [{ ...emailBody, method: 'sms', phone: '06 12345678' }, 'email'],
      [{ ...emailBody, method: 'link' }, 'email'],
      [{ ...emailBody, phone: '06 12345678' }, 'phone'],
    ];
    const before = await counts();
    for (const [body, path] of cases) {
      const res = await create(tess.cookie, body);
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.message.length).toBeGreaterThan(5);
      expect((error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    }
    expect(await counts()).toEqual(before);
  });

  test('an address gets at most a few invitations an hour; the refused one rolls back', async () => {
    for (let i = 0; i < EMAIL_PER_ADDRESS.max; i++) {
      const s = await json<SessionView>(await create(tess.cookie, emailBody), 201);
      await endSession(h, tess.id, s.id);
    }
    const before = await counts();
    const res = await create(tess.cookie, { ...emailBody, email: 'JAN.jansen@example.test' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await counts()).toEqual(before);
    // Another address is fine.
    expect((await create(tess.cookie, { ...emailBody, email: 'piet@example.test' })).status).toBe(201);
  });
});

describe('retention', () => {
  test("the customer's address leaves with the phone numbers: the session's and the e-mail's", async () => {
    const s = await json<SessionView>(await create(tess.cookie, emailBody), 201);
    await endSession(h, tess.id, s.id);
    h.clock.advance(31 * 86_400_000); // the default phoneRetentionDays is 30
    const removed = await purgeExpired(h, h.clock.now());
    expect(removed.emailAddresses).toBe(1);
    const [session] = await h.db.select().from(lensSessions).where(eq(lensSessions.id, s.id));
    expect(session!.email).toBeNull();
    const [row] = await h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, s.id));
    expect(row).toMatchObject({ to: '', text: '[removed]', html: '[removed]' });
    expect((await sessionView(h.db, h.config, s.id))!.email).toBeNull();
    // Once gone, a second run finds nothing.
    expect((await purgeExpired(h, h.clock.now())).emailAddresses).toBe(0);
  });
});
