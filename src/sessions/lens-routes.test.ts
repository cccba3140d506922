import { beforeEach, describe, expect, test } from 'bun:test';
import { errorOf, harness, tableCounts, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import type { LensView } from './customer.ts';
import { REDEEM_ALL_ADDRESSES, REDEEM_PER_ADDRESS } from './customer.ts';
import { and, eq } from 'drizzle-orm';
import { auditLog, rateLimits } from '../db/schema.ts';
import { auditActions, sessionRow, technician, type TestTechnician } from './testing.ts';
import type { SessionView } from './view.ts';

let h: Harness;
let tess: TestTechnician;
let invitation: SessionView;

const token = (s: SessionView) => s.link!.split('/l/')[1]!;
const lensCookie = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('loupe_lens='))!
    .split(';')[0]!;
const redeem = (body: unknown, opts: { cookie?: string; address?: string } = {}) =>
  h.call('POST', '/api/lens/redeem', {
    body,
    cookie: opts.cookie,
    headers: opts.address ? { 'x-forwarded-for': opts.address } : {},
  });
async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

beforeEach(async () => {
  h = await harness({ LOUPE_TRUST_PROXY: 'true' });
  tess = await technician(h, { name: 'Tess de Vries' });
  invitation = await json<SessionView>(
    await h.call('POST', '/api/sessions', {
      cookie: tess.cookie,
      body: { type: 'lens', name: 'Router at Jansen', method: 'sms', phone: '+31612345678' },
    }),
    201,
  );
}, DATABASE_HOOK);

describe('redeeming the link or the PIN', () => {
  test('the link gives an HttpOnly cookie and the session, and dies with its first use', async () => {
    const res = await redeem({ token: token(invitation) });
    const { session } = await json<{ session: LensView }>(res, 200);
    expect(session).toMatchObject({
      state: 'connecting',
      name: 'Router at Jansen',
      technicianName: 'Tess de Vries',
      language: 'nl',
    });
    expect(session.eula).toContain('Akkoord');
    const set = res.headers.getSetCookie().find((c) => c.startsWith('loupe_lens='))!;
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    // Beside it, a hint the page can read (no secret in it): /l then knows to look for a session to resume.
    const hint = res.headers.getSetCookie().find((c) => c.startsWith('loupe_lens_open='))!;
    expect(hint).toStartWith('loupe_lens_open=1;');
    expect(hint).not.toContain('HttpOnly');
    expect(hint).toContain('Path=/l');
    const row = await sessionRow(h, invitation.id);
    expect([row.pin, row.linkToken, row.openedAt?.toISOString()]).toEqual([null, null, h.clock.now().toISOString()]);
    // Used: the same link in another browser no longer works; in this browser it resumes.
    expect((await redeem({ token: token(invitation) })).status).toBe(404);
    const again = await json<{ session: LensView }>(
      await redeem({ token: token(invitation) }, { cookie: lensCookie(res) }),
      200,
    );
    expect(again.session.state).toBe('connecting');
    expect(await auditActions(h, invitation.id)).toEqual(['session.invited', 'sms.queued', 'session.opened']);
    const [opened] = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, invitation.id), eq(auditLog.action, 'session.opened')));
    expect(opened).toMatchObject({
      actorType: 'customer',
      actorId: invitation.id,
      subjectType: 'session',
      details: { by: 'link', address: expect.any(String) },
    });
  });

  test('the PIN typed by hand works the same, once', async () => {
    const { session } = await json<{ session: LensView }>(await redeem({ pin: invitation.pin }), 200);
    expect(session.state).toBe('connecting');
    expect((await redeem({ pin: invitation.pin })).status).toBe(404);
  });

  test('wrong, used, expired and forged PINs and links get the same answer and change nothing', async () => {
    const wrongPin = invitation.pin === '000000' ? '000001' : '000000';
    const before = await tableCounts(h);
    const answers = [];
    for (const body of [{ pin: wrongPin }, { token: 'A'.repeat(22) }])
      answers.push(await errorOf(await redeem(body, { address: '198.51.100.1' })));
    h.clock.advance(21 * 60_000);
    answers.push(await errorOf(await redeem({ pin: invitation.pin }, { address: '198.51.100.2' })));
    answers.push(await errorOf(await redeem({ token: token(invitation) }, { address: '198.51.100.2' })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.code).toBe('invitation_not_found');
    expect(await tableCounts(h)).toEqual(before);
    expect((await sessionRow(h, invitation.id)).state).toBe('invited');
  });

  test('a live customer cookie does not lift the limit, and opens no other session', async () => {
    const cookie = lensCookie(await redeem({ token: token(invitation) }, { address: '198.51.100.7' }));
    const other = await technician(h);
    const victim = await json<SessionView>(
      await h.call('POST', '/api/sessions', {
        cookie: other.cookie,
        body: { type: 'lens', name: 'Victim', method: 'link' },
      }),
      201,
    );
    expect(
      (
        await redeem(
          { token: token(victim).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
          { cookie, address: '198.51.100.7' },
        )
      ).status,
    ).toBe(404);
    const statuses = [];
    for (let i = 0; i < REDEEM_PER_ADDRESS.max + 2; i++) {
      const guess = String(i).padStart(6, '0');
      if (guess !== victim.pin)
        statuses.push((await redeem({ pin: guess }, { cookie, address: '198.51.100.7' })).status);
    }
    expect(statuses).not.toContain(200);
    expect(statuses.at(-1)).toBe(429);
    expect((await sessionRow(h, victim.id)).state).toBe('invited');
  });

  test('a burst of parallel guesses cannot outrun the limit', async () => {
    const guesses = Array.from({ length: 30 }, (_, i) => String(100_000 + i)).filter((g) => g !== invitation.pin);
    const responses = await Promise.all(guesses.map((pin) => redeem({ pin }, { address: '198.51.100.8' })));
    const statuses = responses.map((r) => r.status);
    // Each guess is either wrong (404) or refused (429); anything else is shown with its body.
    const odd = await Promise.all(
      responses.filter((r) => r.status !== 404 && r.status !== 429).map(async (r) => `${r.status} ${await r.text()}`),
    );
    expect(odd).toEqual([]);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(REDEEM_PER_ADDRESS.max);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(guesses.length - REDEEM_PER_ADDRESS.max);
  });

  test('attempts the limit refused are not counted: a flood of good PINs locks nobody out once it has passed', async () => {
    const busy = await technician(h, { settings: { maxLiveLensSessions: 10 } });
    const invitations: SessionView[] = [];
    for (let i = 0; i < 6; i++) {
      invitations.push(
        await json<SessionView>(
          await h.call('POST', '/api/sessions', {
            cookie: busy.cookie,
            body: { type: 'lens', name: `Flood ${i}`, method: 'link' },
          }),
          201,
        ),
      );
    }
    // One short of the all-addresses lock, as if many customers were redeeming at once.
    await h.db
      .insert(rateLimits)
      .values({ key: 'lens-redeem-all-addresses', windowStart: h.clock.now(), count: REDEEM_ALL_ADDRESSES.max - 1 });
    const statuses = await Promise.all(
      invitations
        .slice(0, 5)
        .map((inv, i) => redeem({ pin: inv.pin! }, { address: `192.0.2.${i + 1}` }).then((r) => r.status)),
    );
    expect(statuses).toContain(200);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    // Successes and refusals are not counted: the counter is where it was, and the next customer gets in.
    const [row] = await h.db.select().from(rateLimits).where(eq(rateLimits.key, 'lens-redeem-all-addresses'));
    expect(row!.count).toBe(REDEEM_ALL_ADDRESSES.max - 1);
    expect((await redeem({ pin: invitations[5]!.pin! }, { address: '192.0.2.99' })).status).toBe(200);
  });

  test('behind a proxy only the address the proxy appended counts, not what the client wrote', async () => {
    for (let i = 0; i < REDEEM_PER_ADDRESS.max; i++) {
      await redeem(
        { pin: invitation.pin === '999999' ? '999998' : '999999' },
        { address: `10.0.0.${i}, 203.0.113.50` },
      );
    }
    expect((await redeem({ pin: invitation.pin }, { address: '10.9.9.9, 203.0.113.50' })).status).toBe(429);
  });

  test('malformed bodies are 400', async () => {
    for (const body of [
      {},
      { pin: '12345' },
      { pin: 123456 },
      { pin: '12345a' },
      { token: 'short' },
      { pin: '123456', token: 'A'.repeat(22) },
      { token: 'x'.repeat(500) },
    ]) {
      const res = await redeem(body);
      expect(res.status).toBe(400);
    }
  });

  test('PIN guessing from one address hits the rate limit, even for the right PIN', async () => {
    for (let i = 0; i < REDEEM_PER_ADDRESS.max; i++) {
      const guess = String(i).padStart(6, '0');
      if (guess === invitation.pin) continue;
      expect((await redeem({ pin: guess }, { address: '203.0.113.9' })).status).toBe(404);
    }
    const limited = await redeem({ pin: invitation.pin }, { address: '203.0.113.9' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sessionRow(h, invitation.id)).state).toBe('invited');
    // Another address is not affected; the window ends.
    expect((await redeem({ pin: invitation.pin }, { address: '203.0.113.10' })).status).toBe(200);
  });
});

describe('the customer session and the EULA', () => {
  let cookie: string;
  beforeEach(async () => {
    cookie = lensCookie(await redeem({ token: token(invitation) }));
  });
  const eula = (accept: unknown, c = cookie) => h.call('POST', '/api/lens/eula', { cookie: c, body: { accept } });

  test("accepting puts the session in the technician's list as waiting; twice is refused", async () => {
    const { session } = await json<{ session: LensView }>(await eula(true), 200);
    expect(session.state).toBe('waiting');
    const view = await json<SessionView>(
      await h.call('GET', `/api/sessions/${invitation.id}`, { cookie: tess.cookie }),
      200,
    );
    expect(view.state).toBe('waiting');
    expect(view.eulaAcceptedAt).toBe(h.clock.now().toISOString());
    const before = await tableCounts(h);
    const twice = await eula(true);
    expect(twice.status).toBe(409);
    expect((await eula(false)).status).toBe(409);
    expect(await tableCounts(h)).toEqual(before);
    expect(await auditActions(h, invitation.id)).toEqual([
      'session.invited',
      'sms.queued',
      'session.opened',
      'session.eula_accepted',
    ]);
  });

  test('declining closes the session and the cookie stops working', async () => {
    const { session } = await json<{ session: LensView }>(await eula(false), 200);
    expect(session.state).toBe('closed');
    expect((await sessionRow(h, invitation.id)).endReason).toBe('customer_declined');
    const after = await h.call('GET', '/api/lens/session', { cookie });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe('no_lens_session');
  });

  test('the cookie survives reloads and dies when the technician ends the session', async () => {
    expect(
      (await json<{ session: LensView }>(await h.call('GET', '/api/lens/session', { cookie }), 200)).session.state,
    ).toBe('connecting');
    await json(await h.call('POST', `/api/sessions/${invitation.id}/end`, { cookie: tess.cookie }), 200);
    expect((await h.call('GET', '/api/lens/session', { cookie })).status).toBe(401);
    expect((await eula(true)).status).toBe(401);
  });

  test('the customer can end the session', async () => {
    await json(await eula(true), 200);
    const { session } = await json<{ session: LensView }>(await h.call('POST', '/api/lens/end', { cookie }), 200);
    expect(session.state).toBe('closed');
    expect((await sessionRow(h, invitation.id)).endReason).toBe('customer');
  });

  test('without a cookie, with a forged one, or with a bad body, nothing happens', async () => {
    const before = await tableCounts(h);
    expect((await eula(true, '')).status).toBe(401);
    expect((await eula(true, 'loupe_lens=forged')).status).toBe(401);
    expect((await h.call('GET', '/api/lens/session', { cookie: `loupe_lens=${'x'.repeat(300)}` })).status).toBe(401);
    for (const accept of ['yes', 1, null, undefined]) expect((await eula(accept)).status).toBe(400);
    expect(await tableCounts(h)).toEqual(before);
  });
});

describe('administrators set the EULA', () => {
  test('customers see the new text; others cannot change it', async () => {
    const admin = await technician(h, { rights: ['administer'] });
    expect((await h.call('PUT', '/api/settings/eula', { cookie: tess.cookie, body: { en: 'x' } })).status).toBe(403);
    for (const body of [{}, { en: '' }, { en: 'x'.repeat(20_001) }, { de: 'Hallo' }, { en: 5 }]) {
      expect((await h.call('PUT', '/api/settings/eula', { cookie: admin.cookie, body })).status).toBe(400);
    }
    const { eula } = await json<{ eula: { en: string; nl: string } }>(
      await h.call('PUT', '/api/settings/eula', { cookie: admin.cookie, body: { nl: 'Onze voorwaarden.' } }),
      200,
    );
    expect(eula.nl).toBe('Onze voorwaarden.');
    expect(eula.en).toContain('Accept');
    const { session } = await json<{ session: LensView }>(await redeem({ token: token(invitation) }), 200);
    expect(session.eula).toBe('Onze voorwaarden.');
  });
});

describe('what the Lens page asks first', () => {
  test('the app store pages, without any cookie; null when not configured', async () => {
    expect(await json(await h.call('GET', '/api/lens/capabilities'), 200)).toEqual({
      appStore: { ios: null, android: null },
    });
    const configured = await harness({
      APP_STORE_URL_IOS: 'https://apps.apple.com/app/id1',
      APP_STORE_URL_ANDROID: 'https://play.google.com/store/apps/details?id=x',
    });
    expect(await json(await configured.call('GET', '/api/lens/capabilities'), 200)).toEqual({
      appStore: { ios: 'https://apps.apple.com/app/id1', android: 'https://play.google.com/store/apps/details?id=x' },
    });
  });
});
