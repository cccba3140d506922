// The SMS quotas (per number, per technician) are spent only by a text that is
// actually queued: a create or resend refused for any reason (the live-session
// limit, the other quota, the resend rules) leaves every counter where it was.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { rateLimits, smsMessages } from '../db/schema.ts';
import { errorOf, harness, tableCounts, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { SMS_PER_NUMBER, SMS_PER_TECHNICIAN } from './create.ts';
import { smsRows, technician, type TestTechnician } from './testing.ts';
import type { SessionView } from './view.ts';

let h: Harness;
let tess: TestTechnician;
const NUMBER = '+31612345678';
const smsBody = { type: 'lens', name: 'Router at Jansen', method: 'sms', phone: '06 12345678' };
const create = (cookie: string, body: Record<string, unknown> = smsBody) =>
  h.call('POST', '/api/sessions', { cookie, body });

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
/** A counter's count, 0 when it does not exist. */
async function counted(key: string): Promise<number> {
  const [row] = await h.db.select().from(rateLimits).where(eq(rateLimits.key, key));
  return row?.count ?? 0;
}
const toNumber = () => counted(`sms-to:${NUMBER}`);
const byTechnician = (t: TestTechnician) => counted(`sms-by:${t.id}`);
async function queuedTo(to: string): Promise<number> {
  return (await h.db.select().from(smsMessages).where(eq(smsMessages.to, to))).length;
}

beforeEach(async () => {
  h = await harness();
  tess = await technician(h);
}, DATABASE_HOOK);

describe('a refused create spends no SMS quota', () => {
  test("the issue's scenario: creates refused by the live-session limit do not block the customer's number", async () => {
    const first = await json<SessionView>(await create(tess.cookie), 201);
    expect([await toNumber(), await byTechnician(tess)]).toEqual([1, 1]);
    const before = await tableCounts(h);
    for (let i = 0; i < 2 * SMS_PER_NUMBER.max; i++) {
      const refused = await create(tess.cookie, { ...smsBody, name: `Again ${i}` });
      expect(refused.status).toBe(409);
      expect((await errorOf(refused)).code).toBe('live_session_limit');
    }
    expect(await tableCounts(h)).toEqual(before);
    expect([await toNumber(), await byTechnician(tess)]).toEqual([1, 1]);
    // The technician ends the session and can still text the same number.
    await json(await h.call('POST', `/api/sessions/${first.id}/end`, { cookie: tess.cookie }), 200);
    const second = await json<SessionView>(await create(tess.cookie, { ...smsBody, name: 'Second try' }), 201);
    expect(await smsRows(h, second.id)).toHaveLength(1);
    expect(await toNumber()).toBe(2);
  });

  test('the live-session limit is checked before the quota: a technician at both limits gets the 409', async () => {
    await json(await create(tess.cookie), 201);
    const other = await technician(h, { settings: { maxLiveLensSessions: 10 } });
    for (let i = 1; i < SMS_PER_NUMBER.max; i++)
      await json(await create(other.cookie, { ...smsBody, name: `S${i}` }), 201);
    expect(await toNumber()).toBe(SMS_PER_NUMBER.max);
    const refused = await create(tess.cookie, { ...smsBody, name: 'Both limits' });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('live_session_limit');
  });

  test('a create refused by the quota changes nothing, its counters included', async () => {
    const t = await technician(h, { settings: { maxLiveLensSessions: 10 } });
    for (let i = 0; i < SMS_PER_NUMBER.max; i++) await json(await create(t.cookie, { ...smsBody, name: `S${i}` }), 201);
    const before = await tableCounts(h);
    for (let i = 0; i < 3; i++) {
      const refused = await create(t.cookie, { ...smsBody, name: `Over ${i}` });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await tableCounts(h)).toEqual(before);
    expect([await toNumber(), await byTechnician(t)]).toEqual([SMS_PER_NUMBER.max, SMS_PER_NUMBER.max]);
    // Once the hour that began with the first text is over, the number can be texted again.
    h.clock.advance(SMS_PER_NUMBER.windowMs);
    await json(await create(t.cookie, { ...smsBody, name: 'Next hour' }), 201);
    expect(await toNumber()).toBe(1);
  });

  test("a technician's own quota refusing does not spend the number's", async () => {
    await h.db
      .insert(rateLimits)
      .values({ key: `sms-by:${tess.id}`, windowStart: h.clock.now(), count: SMS_PER_TECHNICIAN.max });
    const refused = await create(tess.cookie);
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain(`${SMS_PER_TECHNICIAN.max} invitations`);
    expect([await toNumber(), await byTechnician(tess)]).toEqual([0, SMS_PER_TECHNICIAN.max]);
    // Another technician texts the number as if nothing had happened.
    const other = await technician(h);
    await json(await create(other.cookie), 201);
    expect(await toNumber()).toBe(1);
  });

  test('a link invitation spends no SMS quota', async () => {
    await json(await create(tess.cookie, { type: 'lens', name: 'By link', method: 'link' }), 201);
    expect(await byTechnician(tess)).toBe(0);
  });
});

describe('a refused resend spends no SMS quota', () => {
  test('only a resend that queues a text is counted', async () => {
    const s = await json<SessionView>(await create(tess.cookie), 201);
    const resend = () => h.call('POST', `/api/sessions/${s.id}/resend`, { cookie: tess.cookie });
    expect((await errorOf(await resend())).code).toBe('sms_pending'); // the first text is still queued
    await h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, s.id));
    expect((await resend()).status).toBe(429); // within the minute
    expect([await toNumber(), await byTechnician(tess)]).toEqual([1, 1]);
    h.clock.advance(61_000);
    await json(await resend(), 200);
    expect([await toNumber(), await byTechnician(tess)]).toEqual([2, 2]);
    // The number's quota full: the resend is refused and counts nothing.
    await h.db
      .update(rateLimits)
      .set({ count: SMS_PER_NUMBER.max })
      .where(eq(rateLimits.key, `sms-to:${NUMBER}`));
    await h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, s.id));
    h.clock.advance(61_000);
    const refused = await resend();
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain(NUMBER);
    expect([await toNumber(), await byTechnician(tess)]).toEqual([SMS_PER_NUMBER.max, 2]);
    expect(await smsRows(h, s.id)).toHaveLength(2);
  });
});

describe('concurrent creates at the quota', () => {
  test(`${2 * SMS_PER_NUMBER.max} technicians texting one number at once: exactly ${SMS_PER_NUMBER.max} texts are queued`, async () => {
    const many = [];
    for (let i = 0; i < 2 * SMS_PER_NUMBER.max; i++) many.push(await technician(h));
    const results = await Promise.all(many.map((t, i) => create(t.cookie, { ...smsBody, name: `Race ${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(SMS_PER_NUMBER.max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(SMS_PER_NUMBER.max);
    expect(await queuedTo(NUMBER)).toBe(SMS_PER_NUMBER.max);
    expect(await toNumber()).toBe(SMS_PER_NUMBER.max);
  }, 60_000);

  test('one technician sending many at once, some over the live-session limit: the quota counts only the texts queued', async () => {
    const t = await technician(h, { settings: { maxLiveLensSessions: 3 } });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => create(t.cookie, { ...smsBody, name: `Burst ${i}` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    expect(await queuedTo(NUMBER)).toBe(3);
    expect([await toNumber(), await byTechnician(t)]).toEqual([3, 3]);
  }, 60_000);
});
