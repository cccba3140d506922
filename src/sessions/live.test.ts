// Start, hold, resume and end over HTTP, with the real Janus behind them: the
// room Start opens is asked of Janus itself, and so is its destruction.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createApp } from '../app.ts';
import { MediaService } from '../media/service.ts';
import { hasJanus, startTestMedia, type TestMedia } from '../media/testing.ts';
import { silentLogger } from '../log.ts';
import { roomStore } from '../media/lifecycle.ts';
import { harness, ORIGIN, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { Starts } from './live.ts';
import { auditActions, sessionRow, technician, type TestTechnician } from './testing.ts';
import type { SessionView } from './view.ts';

if (!hasJanus) console.warn('live.test: /usr/bin/janus is missing (apt-get install janus): skipping');

let h: Harness;
let tess: TestTechnician;
let media: TestMedia;
let call: (method: string, path: string, cookie?: string, body?: unknown) => Promise<Response>;

beforeAll(async () => {
  if (!hasJanus) return;
  h = await harness();
  media = await startTestMedia(h);
}, 60_000);
afterAll(async () => {
  await media?.stop();
});

beforeEach(async () => {
  if (!hasJanus) return;
  const app = createApp({ ...h, database: h.database, media: media.media });
  call = async (method, path, cookie, body) =>
    app.request(`${ORIGIN}${path}`, {
      method,
      headers: { ...(cookie && { cookie }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  tess = await technician(h);
}, DATABASE_HOOK);

/** A session the customer has joined (PIN redeemed, EULA accepted): `waiting`. */
async function waitingSession(cookie = tess.cookie): Promise<SessionView> {
  const s = (await (
    await call('POST', '/api/sessions', cookie, { type: 'lens', name: 'Boiler', method: 'link' })
  ).json()) as SessionView;
  const redeemed = await call('POST', '/api/lens/redeem', undefined, { pin: s.pin });
  const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  expect((await call('POST', '/api/lens/eula', customer, { accept: true })).status).toBe(200);
  return s;
}

/** Waits for the media layer, which follows state changes after the commit. */
async function until(check: () => Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(50);
  }
}

describe.skipIf(!hasJanus)('Start, hold, resume, end', () => {
  test('Start opens a private room in Janus and makes the session active; end destroys the room', async () => {
    const s = await waitingSession();
    const res = await call('POST', `/api/sessions/${s.id}/start`, tess.cookie);
    expect(res.status).toBe(200);
    const view = (await res.json()) as SessionView;
    expect(view.state).toBe('active');
    expect(view.startedAt).not.toBeNull();
    const row = await sessionRow(h, s.id);
    expect(row.roomId).toBeGreaterThan(0);
    expect(row.roomSecret!.length).toBeGreaterThanOrEqual(32);
    expect(await media.ask.exists(row.roomId!)).toBe(true);
    // Nobody is in the room before the pages publish.
    expect(await media.ask.participants({ id: row.roomId!, secret: row.roomSecret! })).toEqual([]);

    expect((await call('POST', `/api/sessions/${s.id}/end`, tess.cookie)).status).toBe(200);
    await until(async () => !(await media.ask.exists(row.roomId!)));
    expect((await sessionRow(h, s.id)).roomId).toBeNull();
    expect(await auditActions(h, s.id)).toEqual(expect.arrayContaining(['session.started', 'session.closed']));
  });

  test('two Starts at once (a double click): one room, one 200, one 409', async () => {
    const s = await waitingSession();
    const answers = await Promise.all([1, 2].map(() => call('POST', `/api/sessions/${s.id}/start`, tess.cookie)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const row = await sessionRow(h, s.id);
    expect(row.state).toBe('active');
    expect(await media.ask.exists(row.roomId!)).toBe(true);
    await call('POST', `/api/sessions/${s.id}/end`, tess.cookie);
  });

  test('hold and resume move between active and on_hold; anything else is refused and changes nothing', async () => {
    const s = await waitingSession();
    // Not started yet: neither hold nor resume.
    expect((await call('POST', `/api/sessions/${s.id}/hold`, tess.cookie)).status).toBe(409);
    expect((await call('POST', `/api/sessions/${s.id}/resume`, tess.cookie)).status).toBe(409);
    expect((await sessionRow(h, s.id)).state).toBe('waiting');

    await call('POST', `/api/sessions/${s.id}/start`, tess.cookie);
    const again = await call('POST', `/api/sessions/${s.id}/start`, tess.cookie);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('invalid_state');
    expect((await call('POST', `/api/sessions/${s.id}/resume`, tess.cookie)).status).toBe(409);

    const held = await call('POST', `/api/sessions/${s.id}/hold`, tess.cookie);
    expect(held.status).toBe(200);
    expect(((await held.json()) as SessionView).state).toBe('on_hold');
    expect((await call('POST', `/api/sessions/${s.id}/hold`, tess.cookie)).status).toBe(409);
    const resumed = await call('POST', `/api/sessions/${s.id}/resume`, tess.cookie);
    expect(((await resumed.json()) as SessionView).state).toBe('active');
    expect(await auditActions(h, s.id)).toEqual(
      expect.arrayContaining(['session.started', 'session.held', 'session.resumed']),
    );
    await call('POST', `/api/sessions/${s.id}/end`, tess.cookie);
  });

  test('another technician, a signed-out caller, a bad id: refused, nothing changes', async () => {
    const s = await waitingSession();
    const other = await technician(h);
    for (const action of ['start', 'hold', 'resume']) {
      expect((await call('POST', `/api/sessions/${s.id}/${action}`, other.cookie)).status).toBe(404);
      expect((await call('POST', `/api/sessions/${s.id}/${action}`)).status).toBe(401);
      expect((await call('POST', `/api/sessions/not-a-uuid/${action}`, tess.cookie)).status).toBe(400);
    }
    expect((await sessionRow(h, s.id)).state).toBe('waiting');
    await call('POST', `/api/sessions/${s.id}/end`, tess.cookie);
  });

  test('an invitation the customer has not accepted cannot be started', async () => {
    const s = (await (
      await call('POST', '/api/sessions', tess.cookie, { type: 'lens', name: 'Early', method: 'link' })
    ).json()) as SessionView;
    expect((await call('POST', `/api/sessions/${s.id}/start`, tess.cookie)).status).toBe(409);
    expect((await sessionRow(h, s.id)).roomId).toBeNull();
    await call('POST', `/api/sessions/${s.id}/end`, tess.cookie);
  });

  test('without a media server Start answers 503 and the session stays waiting', async () => {
    const s = await waitingSession();
    const bare = createApp({ ...h, database: h.database });
    const res = await bare.request(`${ORIGIN}/api/sessions/${s.id}/start`, {
      method: 'POST',
      headers: { cookie: tess.cookie },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('media_unavailable');
    expect((await sessionRow(h, s.id)).state).toBe('waiting');

    // A media server that does not answer (port 9 on loopback: nothing listens): the same.
    const down = new MediaService({
      janus: { url: 'ws://127.0.0.1:9', apiSecret: undefined, roomAdminKey: undefined, onReady: () => () => {} },
      log: silentLogger,
      rooms: roomStore(h),
    });
    const app = createApp({ ...h, database: h.database, media: down });
    const res2 = await app.request(`${ORIGIN}/api/sessions/${s.id}/start`, {
      method: 'POST',
      headers: { cookie: tess.cookie },
    });
    expect(res2.status).toBe(503);
    expect(res2.headers.get('retry-after')).toBe('5');
    expect((await sessionRow(h, s.id)).state).toBe('waiting');
    expect((await sessionRow(h, s.id)).roomId).toBeNull();
    await down.stop();
    await call('POST', `/api/sessions/${s.id}/end`, tess.cookie);
  });
});

describe('Starts', () => {
  test('a session starts once at a time in one app; another app (its own Starts) does not see it', () => {
    const app = new Starts();
    const otherApp = new Starts();
    expect(app.claim('session')).toBe(true);
    expect(app.claim('session')).toBe(false);
    expect(otherApp.claim('session')).toBe(true);
    app.done('session');
    expect(app.claim('session')).toBe(true);
  });
});
