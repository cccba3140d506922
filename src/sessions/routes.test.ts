import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { smsMessages } from '../db/schema.ts';
import { errorOf, harness, tableCounts, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { expireInvitations } from './end.ts';
import { auditActions, LINK_RIGHTS, sessionRow, smsRows, technician, type TestTechnician } from './testing.ts';
import { technicianSessions, type SessionView } from './view.ts';

let h: Harness;
let tess: TestTechnician;

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
const create = (cookie: string, body: Record<string, unknown>) => h.call('POST', '/api/sessions', { cookie, body });
const smsBody = { type: 'lens', name: 'Router at Jansen', method: 'sms', phone: '06 12345678' };

beforeEach(async () => {
  h = await harness();
  tess = await technician(h);
}, DATABASE_HOOK);

describe('POST /api/sessions by SMS', () => {
  test('creates an invitation with a 6-digit PIN, a link and a queued SMS in one go', async () => {
    const s = await json<SessionView>(await create(tess.cookie, smsBody), 201);
    expect(s).toMatchObject({
      type: 'lens',
      name: 'Router at Jansen',
      state: 'invited',
      method: 'sms',
      phone: '+31612345678',
      language: 'nl',
    });
    expect(s.pin).toMatch(/^\d{6}$/);
    expect(s.link).toMatch(/^http:\/\/localhost:8080\/l\/[A-Za-z0-9_-]{22}$/);
    expect(new Date(s.pinExpiresAt).getTime() - h.clock.now().getTime()).toBe(20 * 60_000);
    expect(s.sms).toMatchObject({ status: 'queued', gateway: 'console', error: null });
    const [sms] = await smsRows(h, s.id);
    expect(sms!.to).toBe('+31612345678');
    expect(sms!.text).toContain(s.link!);
    expect(sms!.text).toContain(s.pin!);
    expect(sms!.text.length).toBeLessThanOrEqual(160);
    expect(await auditActions(h, s.id)).toEqual(['session.invited', 'sms.queued']);
  });

  test('picks the language from the number, unless the technician chose one', async () => {
    const h2 = await harness({ LOUPE_SMS_COUNTRIES: '*' });
    const t = await technician(h2, { settings: { maxLiveLensSessions: 5 } });
    const call = (body: Record<string, unknown>) =>
      h2.call('POST', '/api/sessions', { cookie: t.cookie, body: { ...smsBody, ...body } });
    expect((await json<SessionView>(await call({ phone: '+32 470 12 34 56' }), 201)).language).toBe('nl');
    expect((await json<SessionView>(await call({ phone: '+1 650 253 0000' }), 201)).language).toBe('en');
    expect((await json<SessionView>(await call({ phone: '+31 6 12345678', language: 'en' }), 201)).language).toBe('en');
  });

  test('the link/PIN method needs use_link_method and queues no SMS', async () => {
    const linker = await technician(h, { rights: LINK_RIGHTS });
    const s = await json<SessionView>(
      await create(linker.cookie, { type: 'lens', name: 'Meter', method: 'link' }),
      201,
    );
    expect(s.sms).toBeNull();
    expect(s.pin).toMatch(/^\d{6}$/);
    expect(await smsRows(h, s.id)).toEqual([]);
    const refused = await create(linker.cookie, smsBody);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toContain('use_sms_method');
  });

  test('each right is checked on the server, and signed-out callers are refused', async () => {
    for (const rights of [
      ['start_private_sessions', 'use_sms_method'],
      ['start_lens_sessions', 'use_sms_method'],
      ['start_lens_sessions', 'start_private_sessions'],
    ] as const) {
      const t = await technician(h, { rights: [...rights] });
      const before = await tableCounts(h);
      const res = await create(t.cookie, smsBody);
      expect(res.status).toBe(403);
      expect(await tableCounts(h)).toEqual(before);
    }
    expect((await create('', smsBody)).status).toBe(401);
  });

  test('bad input gets a clear 4xx and writes nothing', async () => {
    const cases: [Record<string, unknown> | string, number, string][] = [
      [{ ...smsBody, name: '' }, 400, 'name'],
      [{ ...smsBody, name: '   ' }, 400, 'name'],
      [{ ...smsBody, name: 'x'.repeat(65) }, 400, 'name'],
      [{ ...smsBody, name: 'x'.repeat(10_000) }, 400, 'name'],
      [{ ...smsBody, name: 'a\u0000b' }, 400, 'name'],
      [{ ...smsBody, name: 42 }, 400, 'name'],
      [{ ...smsBody, phone: 'not a number' }, 400, 'phone'],
      [{ ...smsBody, phone: '12' }, 400, 'phone'],
      [{ ...smsBody, phone: '+1 650 253 0000' }, 400, 'phone'], // foreign: only NL by default
      [{ ...smsBody, phone: '020 123 4567' }, 400, 'phone'], // a landline gets no SMS
      [{ ...smsBody, phone: 31612345678 }, 400, 'phone'],
      [{ ...smsBody, phone: undefined }, 400, 'phone'],
      [{ ...smsBody, method: 'link' }, 400, 'phone'],
      [{ ...smsBody, type: 'video' }, 400, 'type'],
      [{ ...smsBody, method: 'fax' }, 400, 'method'],
      [{ ...smsBody, language: 'de' }, 400, 'language'],
      [{ ...smsBody, extra: 1 }, 400, ''],
      ['not json', 400, ''],
    ];
    const before = await tableCounts(h);
    for (const [body, status, path] of cases) {
      const res =
        typeof body === 'string'
          ? await h.call('POST', '/api/sessions', {
              cookie: tess.cookie,
              raw: body,
              headers: { 'content-type': 'application/json' },
            })
          : await create(tess.cookie, body);
      expect(res.status).toBe(status);
      const error = await errorOf(res);
      expect(error.message.length).toBeGreaterThan(5);
      if (path) expect((error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    }
    const text = await h.call('POST', '/api/sessions', {
      cookie: tess.cookie,
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(await tableCounts(h)).toEqual(before);
  });
});

describe('one live Lens session per technician', () => {
  test('a second attempt is refused with a message naming the live session, until it ends', async () => {
    const first = await json<SessionView>(await create(tess.cookie, smsBody), 201);
    const before = await tableCounts(h);
    const second = await create(tess.cookie, { ...smsBody, name: 'Meter' });
    expect(second.status).toBe(409);
    const error = await errorOf(second);
    expect(error.code).toBe('live_session_limit');
    expect(error.message).toContain('"Router at Jansen"');
    expect(await tableCounts(h)).toEqual(before);
    await json(await h.call('POST', `/api/sessions/${first.id}/end`, { cookie: tess.cookie }), 200);
    await json(await create(tess.cookie, { ...smsBody, name: 'Meter' }), 201);
  });

  test('another technician is not limited by it', async () => {
    await json(await create(tess.cookie, smsBody), 201);
    const other = await technician(h);
    await json(await create(other.cookie, smsBody), 201);
  });

  for (const max of [1, 3]) {
    test(`20 concurrent requests create exactly ${max} with the group limit ${max}`, async () => {
      const t = await technician(h, { settings: { maxLiveLensSessions: max } });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => create(t.cookie, { type: 'lens', method: 'link', name: `S${i}` })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(max);
      expect(statuses.filter((s) => s === 409)).toHaveLength(20 - max);
      const { sessions } = await json<{ sessions: SessionView[] }>(
        await h.call('GET', '/api/sessions', { cookie: t.cookie }),
        200,
      );
      expect(sessions).toHaveLength(max);
      expect(new Set(sessions.map((s) => s.pin)).size).toBe(max);
    }, 60_000);
  }
});

describe('listing, reading, ending and resending', () => {
  test("a technician sees only their own sessions; another's are missing, not forbidden", async () => {
    const mine = await json<SessionView>(await create(tess.cookie, smsBody), 201);
    const other = await technician(h);
    const { sessions } = await json<{ sessions: SessionView[] }>(
      await h.call('GET', '/api/sessions', { cookie: other.cookie }),
      200,
    );
    expect(sessions).toEqual([]);
    const before = await tableCounts(h);
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/end'],
      ['POST', '/resend'],
    ] as const) {
      const res = await h.call(method, `/api/sessions/${mine.id}${path}`, { cookie: other.cookie });
      expect(res.status).toBe(404);
    }
    expect((await h.call('GET', '/api/sessions/not-a-uuid', { cookie: tess.cookie })).status).toBe(400);
    expect(await tableCounts(h)).toEqual(before);
    expect(
      (await json<SessionView>(await h.call('GET', `/api/sessions/${mine.id}`, { cookie: tess.cookie }), 200)).name,
    ).toBe('Router at Jansen');
  });

  test('ending frees the PIN and the link, withdraws an unsent SMS, and cannot happen twice', async () => {
    const s = await json<SessionView>(await create(tess.cookie, smsBody), 201);
    const ended = await json<SessionView>(
      await h.call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie }),
      200,
    );
    expect(ended).toMatchObject({ state: 'closed', pin: null, link: null, endReason: 'technician' });
    expect(ended.sms!.status).toBe('failed');
    const row = await sessionRow(h, s.id);
    expect([row.pin, row.linkToken, row.liveSlot]).toEqual([null, null, null]);
    const again = await h.call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie });
    expect(again.status).toBe(409);
    expect(await auditActions(h, s.id)).toEqual(['session.invited', 'sms.queued', 'session.closed', 'sms.failed']);
    // Ended sessions stay in the list as history for a day.
    const { sessions } = await json<{ sessions: SessionView[] }>(
      await h.call('GET', '/api/sessions', { cookie: tess.cookie }),
      200,
    );
    expect(sessions.map((x) => x.state)).toEqual(['closed']);
    h.clock.advance(25 * 3_600_000);
    expect(await technicianSessions(h.db, h.config, tess.id, h.clock.now())).toEqual([]);
  });

  test('resend waits for the first SMS, then a minute, then a few times at most', async () => {
    const s = await json<SessionView>(await create(tess.cookie, smsBody), 201);
    const resend = () => h.call('POST', `/api/sessions/${s.id}/resend`, { cookie: tess.cookie });
    expect((await errorOf(await resend())).code).toBe('sms_pending');
    await h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, s.id));
    const early = await resend();
    expect(early.status).toBe(429);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 2; i <= 4; i++) {
      h.clock.advance(61_000);
      const again = await json<SessionView>(await resend(), 200);
      expect(again.pin).toBe(s.pin);
      expect(await smsRows(h, s.id)).toHaveLength(i);
      await h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, s.id));
    }
    h.clock.advance(61_000);
    expect((await resend()).status).toBe(429);
    expect(await smsRows(h, s.id)).toHaveLength(4);
  });

  test('one number gets at most 5 invitations an hour, whoever sends them', async () => {
    const t = await technician(h, { settings: { maxLiveLensSessions: 10 } });
    for (let i = 0; i < 5; i++) await json(await create(t.cookie, { ...smsBody, name: `S${i}` }), 201);
    const before = await tableCounts(h);
    const sixth = await create(t.cookie, { ...smsBody, name: 'S6' });
    expect(sixth.status).toBe(429);
    expect((await errorOf(sixth)).message).toContain('+31612345678');
    expect(await tableCounts(h)).toEqual(before);
    await json(await create(t.cookie, { ...smsBody, name: 'Other number', phone: '06 87654321' }), 201);
  });

  test('invitations expire at the PIN lifetime', async () => {
    const t = await technician(h, { settings: { pinLifetimeMinutes: 5 } });
    const s = await json<SessionView>(await create(t.cookie, smsBody), 201);
    h.clock.advance(4 * 60_000);
    expect(await expireInvitations(h)).toBe(0);
    h.clock.advance(60_000);
    expect(await expireInvitations(h)).toBe(1);
    const row = await sessionRow(h, s.id);
    expect(row).toMatchObject({ state: 'expired', pin: null, linkToken: null, endReason: 'pin_expired' });
    expect(await auditActions(h, s.id)).toEqual(['session.invited', 'sms.queued', 'session.expired', 'sms.failed']);
    // Its slot is free again.
    await json(await create(t.cookie, smsBody), 201);
  });
});
