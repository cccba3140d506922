// What the redeem limiter counts: failed guesses, and nothing else. A right
// PIN or link, a reload of the link this browser opened, a malformed body and
// a request refused for another reason leave the counters as they were.
import { beforeEach, describe, expect, test } from 'bun:test';
import { like } from 'drizzle-orm';
import { rateLimits } from '../db/schema.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { technician, type TestTechnician } from './testing.ts';
import type { SessionView } from './view.ts';

let h: Harness;
let tess: TestTechnician;
const ADDRESS = '198.51.100.30';
const ADDRESS_KEY = `lens-redeem:${ADDRESS}`;
const ALL_KEY = 'lens-redeem-all-addresses';

const redeem = (body: unknown, cookie?: string) =>
  h.call('POST', '/api/lens/redeem', { body, cookie, headers: { 'x-forwarded-for': ADDRESS } });
const token = (s: SessionView) => s.link!.split('/l/')[1]!;
const otherPin = (s: SessionView) => (s.pin === '000000' ? '000001' : '000000');
/** Every redeem counter's count, by key; one at 0 (made before a redeem, see ensureCounters) is left out. */
async function counters(): Promise<Record<string, number>> {
  const rows = await h.db.select().from(rateLimits).where(like(rateLimits.key, 'lens-redeem%'));
  return Object.fromEntries(rows.filter((r) => r.count > 0).map((r) => [r.key, r.count]));
}
async function invite(): Promise<SessionView> {
  const res = await h.call('POST', '/api/sessions', {
    cookie: tess.cookie,
    body: { type: 'lens', name: `Boiler ${Math.random()}`, method: 'link' },
  });
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionView;
}

beforeEach(async () => {
  h = await harness({ LOUPE_TRUST_PROXY: 'true' });
  tess = await technician(h, { settings: { maxLiveLensSessions: 10 } });
}, DATABASE_HOOK);

describe('the redeem limiter counts failed guesses only', () => {
  test('a wrong PIN counts on the address and on all addresses; a wrong link on the address only', async () => {
    const s = await invite();
    expect((await redeem({ pin: otherPin(s) })).status).toBe(404);
    expect(await counters()).toEqual({ [ADDRESS_KEY]: 1, [ALL_KEY]: 1 });
    expect((await redeem({ token: 'A'.repeat(22) })).status).toBe(404);
    expect(await counters()).toEqual({ [ADDRESS_KEY]: 2, [ALL_KEY]: 1 });
  });

  test('a right PIN, a right link and a reload of the opened link are not counted', async () => {
    expect((await redeem({ pin: otherPin(await invite()) })).status).toBe(404);
    const before = await counters();
    expect((await redeem({ pin: (await invite()).pin })).status).toBe(200);
    const byLink = await invite();
    const opened = await redeem({ token: token(byLink) });
    expect(opened.status).toBe(200);
    const cookie = opened.headers
      .getSetCookie()
      .find((c) => c.startsWith('loupe_lens='))!
      .split(';')[0]!;
    expect((await redeem({ token: token(byLink) }, cookie)).status).toBe(200); // the page reloaded
    expect(await counters()).toEqual(before);
  });

  test('malformed bodies (400) are no guess and count nothing', async () => {
    for (const body of [{}, { pin: '12345' }, { pin: 123456 }, { token: 'short' }, { pin: '123456', token: 'x' }]) {
      expect((await redeem(body)).status).toBe(400);
    }
    expect(
      (await h.call('POST', '/api/lens/redeem', { raw: '{', headers: { 'content-type': 'application/json' } })).status,
    ).toBe(400);
    expect(await counters()).toEqual({});
  });

  test('a request the customer cookie refuses (a session in the wrong state) counts nothing', async () => {
    const s = await invite();
    const opened = await redeem({ pin: s.pin });
    const cookie = opened.headers
      .getSetCookie()
      .find((c) => c.startsWith('loupe_lens='))!
      .split(';')[0]!;
    const accept = () => h.call('POST', '/api/lens/eula', { cookie, body: { accept: true } });
    expect((await accept()).status).toBe(200);
    expect((await accept()).status).toBe(409); // already accepted
    expect((await h.call('POST', '/api/lens/eula', { body: { accept: true } })).status).toBe(401);
    expect(await counters()).toEqual({});
  });

  test('a used PIN is a failed guess: once redeemed it is no PIN any more, and cannot be told from one', async () => {
    const s = await invite();
    expect((await redeem({ pin: s.pin })).status).toBe(200);
    expect((await redeem({ pin: s.pin })).status).toBe(404);
    expect(await counters()).toEqual({ [ADDRESS_KEY]: 1, [ALL_KEY]: 1 });
  });
});
