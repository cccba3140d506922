// Media signalling over the sockets, against the real Janus (API on loopback):
// who may signal for which session, in which state, with what messages.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { websocket } from './bun-socket.ts';
import { createApp } from '../app.ts';
import { SDP } from '../media/sdp-samples.ts';
import { hasJanus, startTestMedia, type TestMedia } from '../media/testing.ts';
import { technician, sessionRow, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { harness, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { MEDIA_ERRORS } from './signalling.ts';
import { openTestSocket, type TestMessage } from './test-socket.ts';

let h: Harness;
let media: TestMedia;
let server: ReturnType<typeof Bun.serve>;
let tess: TestTechnician;
const sockets: WebSocket[] = [];
type Message = TestMessage;

beforeAll(async () => {
  if (!hasJanus) return;
  h = await harness();
  media = await startTestMedia(h);
  const app = createApp({ ...h, database: h.database, media: media.media });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
}, 60_000);
afterAll(async () => {
  await server?.stop(true);
  await media?.stop();
});
beforeEach(async () => {
  if (hasJanus) tess = await technician(h);
}, DATABASE_HOOK);
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.close();
});

function connect(path: string, cookie: string) {
  const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
    origin: `http://127.0.0.1:${server.port}`,
    cookie,
  });
  sockets.push(sock.ws);
  /** The next message that is not a state/session/snapshot update. */
  const next = async (ms = 5_000): Promise<Message> => {
    for (;;) {
      const m = await sock.next(ms);
      if (!['state', 'session', 'snapshot'].includes(m.type)) return m;
    }
  };
  return { ws: sock.ws, opened: sock.opened, next, send: sock.send };
}

/** A session the customer joined, optionally started; with the customer's cookie. */
async function session(owner: TestTechnician, start: boolean): Promise<{ s: SessionView; customer: string }> {
  const call = (path: string, cookie?: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: 'POST',
      headers: {
        origin: `http://127.0.0.1:${server.port}`,
        'content-type': 'application/json',
        ...(cookie && { cookie }),
      },
      body: JSON.stringify(body ?? {}),
    });
  const s = (await (
    await call('/api/sessions', owner.cookie, { type: 'lens', name: 'Tap', method: 'link' })
  ).json()) as SessionView;
  const redeemed = await call('/api/lens/redeem', undefined, { pin: s.pin });
  const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  await call('/api/lens/eula', customer, { accept: true });
  if (start) expect((await call(`/api/sessions/${s.id}/start`, owner.cookie)).status).toBe(200);
  return { s, customer };
}

// A real browser's voice offer: either side may send it.
const OFFER = SDP.chromiumVoiceOffer;

describe.skipIf(!hasJanus)('media signalling', () => {
  test("the technician joins their own active session and hears about the customer's media", async () => {
    const { s } = await session(tess, true);
    const sock = connect('/ws/console', tess.cookie);
    await sock.opened;
    sock.send({ type: 'media.join', sessionId: s.id });
    expect(await sock.next()).toEqual({
      type: 'media.peer',
      sessionId: s.id,
      side: 'customer',
      offering: false,
      publishing: false,
      state: { muted: false, camera: true, background: false },
    });
  });

  test("another technician's session, a session not started, a bad id: refused, no media made", async () => {
    const mine = await session(tess, false);
    const other = await technician(h);
    const theirs = await session(other, true);
    const sock = connect('/ws/console', tess.cookie);
    await sock.opened;
    sock.send({ type: 'media.join', sessionId: theirs.s.id });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'not_found' });
    sock.send({ type: 'rtc.offer', sessionId: theirs.s.id, sdp: OFFER });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'not_found' });
    expect(media.media.peers(theirs.s.id)).toEqual({ customer: false, technician: false });
    // Before Start the technician may only receive (paused), never publish.
    sock.send({ type: 'rtc.offer', sessionId: mine.s.id, sdp: OFFER });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    sock.send({ type: 'media.state', sessionId: mine.s.id, muted: false, camera: false, background: false });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    sock.send({ type: 'rtc.candidate', sessionId: mine.s.id, pc: 'publish', candidate: null });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    expect(media.media.has(mine.s.id)).toBe(false);
    sock.send({ type: 'media.join', sessionId: '00000000-0000-4000-8000-000000000000' });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'not_found' });
  });

  test('malformed media messages get invalid_message and change nothing', async () => {
    const { s } = await session(tess, true);
    const sock = connect('/ws/console', tess.cookie);
    await sock.opened;
    const bad: unknown[] = [
      { type: 'media.join' },
      { type: 'media.join', sessionId: 'not-a-uuid' },
      { type: 'media.join', sessionId: s.id, extra: true },
      { type: 'rtc.offer', sessionId: s.id, sdp: OFFER + 'a=x\r\n'.repeat(3_000) },
      { type: 'rtc.offer', sessionId: s.id, sdp: 42 },
      { type: 'rtc.answer', sessionId: s.id, sdp: OFFER },
      { type: 'rtc.answer', sessionId: s.id, sdp: OFFER, subscription: -1 },
      { type: 'rtc.candidate', sessionId: s.id, pc: 'other', candidate: null },
      { type: 'rtc.candidate', sessionId: s.id, pc: 'publish', candidate: { candidate: 'x', sdpMLineIndex: -1 } },
      { type: 'media.state', sessionId: s.id, muted: 'yes', camera: true, background: false },
    ];
    for (const m of bad) {
      sock.send(m);
      const answer = await sock.next();
      expect(answer).toMatchObject({ type: 'error' });
      expect(['invalid_message', 'message_too_large']).toContain(answer.code as string);
    }
    expect(media.media.peers(s.id)).toEqual({ customer: false, technician: false });
    expect((await sessionRow(h, s.id)).state).toBe('active');
  });

  test('an SDP or candidate Loupe cannot use is answered with media.error in its words at once, and the socket lives on', async () => {
    const { s } = await session(tess, true);
    const sock = connect('/ws/console', tess.cookie);
    await sock.opened;
    const refused: [unknown, string][] = [
      [{ type: 'rtc.offer', sessionId: s.id, sdp: 'hello there, not an SDP' }, 'invalid_sdp'],
      [{ type: 'rtc.offer', sessionId: s.id, sdp: OFFER.replace(/^a=fingerprint:.*\r\n/gm, '') }, 'invalid_sdp'],
      [
        { type: 'rtc.candidate', sessionId: s.id, pc: 'publish', candidate: { candidate: 'x'.repeat(2_000) } },
        'invalid_candidate',
      ],
    ];
    for (const [message, code] of refused) {
      sock.send(message);
      expect(await sock.next()).toEqual({
        type: 'media.error',
        sessionId: s.id,
        code,
        message: MEDIA_ERRORS[code as 'invalid_sdp'],
      });
    }
    sock.send({ type: 'ping' });
    expect(await sock.next()).toEqual({ type: 'pong' });
    expect(media.media.peers(s.id)).toEqual({ customer: false, technician: false });
  });

  test('a Lens socket acts only on its own session: it cannot name another, and needs its session active', async () => {
    const started = await session(tess, true);
    const waiting = await session(await technician(h), false);
    const lens = connect('/ws/lens', waiting.customer);
    await lens.opened;
    lens.send({ type: 'media.join', sessionId: started.s.id });
    expect(await lens.next()).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect(media.media.peers(started.s.id)).toEqual({ customer: false, technician: false });
    lens.send({ type: 'media.join' });
    expect(await lens.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    expect(media.media.has(waiting.s.id)).toBe(false);

    const own = connect('/ws/lens', started.customer);
    await own.opened;
    own.send({ type: 'media.join' });
    expect(await own.next()).toMatchObject({ type: 'media.peer', side: 'technician', publishing: false });
  });

  test('while waiting for Start the phone may offer its publishing connection and the console join to receive; nothing else; ending the session destroys the room', async () => {
    const waiting = await session(tess, false);
    const lens = connect('/ws/lens', waiting.customer);
    await lens.opened;
    const console_ = connect('/ws/console', tess.cookie);
    await console_.opened;
    // Subscribing to anything, from either side, waits for Start.
    lens.send({ type: 'media.join' });
    expect(await lens.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    lens.send({ type: 'rtc.candidate', pc: 'subscribe', candidate: null });
    expect(await lens.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    lens.send({ type: 'media.state', muted: false, camera: true, background: false });
    expect(await lens.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    expect(media.media.has(waiting.s.id)).toBe(false);
    // The console may join (its subscription stays paused until Start: see MediaService.activate).
    console_.send({ type: 'media.join', sessionId: waiting.s.id });
    expect(await console_.next()).toMatchObject({ type: 'media.peer', side: 'customer', publishing: false });
    expect(media.media.peers(waiting.s.id)).toEqual({ customer: false, technician: true });
    // The offer passes the state check and reaches Janus, which answers it.
    lens.send({ type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
    // Janus may trickle its candidates before its answer arrives.
    let answer = await lens.next(10_000);
    while (answer.type === 'rtc.candidate') answer = await lens.next(10_000);
    expect(answer).toMatchObject({ type: 'rtc.answer', pc: 'publish' });
    lens.send({ type: 'rtc.candidate', pc: 'publish', candidate: null });
    expect(media.media.peers(waiting.s.id)).toEqual({ customer: true, technician: true });
    const room = (await sessionRow(h, waiting.s.id)).roomId;
    expect(room).not.toBeNull();
    expect((await sessionRow(h, waiting.s.id)).state).toBe('waiting');
    await fetch(`http://127.0.0.1:${server.port}/api/sessions/${waiting.s.id}/end`, {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${server.port}`, cookie: tess.cookie },
    });
    const deadline = Date.now() + 5_000;
    while ((await sessionRow(h, waiting.s.id)).roomId !== null && Date.now() < deadline) await Bun.sleep(50);
    expect((await sessionRow(h, waiting.s.id)).roomId).toBeNull();
    expect(media.media.has(waiting.s.id)).toBe(false);
  });

  test("the customer's state reaches the technician's console", async () => {
    const { s, customer } = await session(tess, true);
    const tech = connect('/ws/console', tess.cookie);
    await tech.opened;
    tech.send({ type: 'media.join', sessionId: s.id });
    expect(await tech.next()).toMatchObject({ type: 'media.peer', side: 'customer' });
    const lens = connect('/ws/lens', customer);
    await lens.opened;
    lens.send({ type: 'media.join' });
    expect(await lens.next()).toMatchObject({ type: 'media.peer', side: 'technician' });
    lens.send({ type: 'media.state', muted: true, camera: false, background: true });
    expect(await tech.next()).toEqual({
      type: 'media.peer',
      sessionId: s.id,
      side: 'customer',
      offering: false,
      publishing: false,
      state: { muted: true, camera: false, background: true },
    });
  });

  test('a second window of the technician takes the media over and the first is told; leaving hangs up', async () => {
    const { s } = await session(tess, true);
    const first = connect('/ws/console', tess.cookie);
    const second = connect('/ws/console', tess.cookie);
    await Promise.all([first.opened, second.opened]);
    first.send({ type: 'media.join', sessionId: s.id });
    expect(await first.next()).toMatchObject({ type: 'media.peer' });
    second.send({ type: 'media.join', sessionId: s.id });
    expect(await second.next()).toMatchObject({ type: 'media.peer' });
    expect(await first.next()).toEqual({ type: 'media.displaced', sessionId: s.id });
    // The displaced window leaving changes nothing; the current one leaving hangs its side up.
    first.send({ type: 'media.leave', sessionId: s.id });
    await Bun.sleep(200);
    expect(media.media.peers(s.id).technician).toBe(true);
    second.send({ type: 'media.leave', sessionId: s.id });
    const deadline = Date.now() + 3_000;
    while (media.media.peers(s.id).technician && Date.now() < deadline) await Bun.sleep(50);
    expect(media.media.peers(s.id).technician).toBe(false);
  });

  test('media of an ended session cannot be brought back by a late message', async () => {
    const { s } = await session(tess, true);
    const sock = connect('/ws/console', tess.cookie);
    await sock.opened;
    await fetch(`http://127.0.0.1:${server.port}/api/sessions/${s.id}/end`, {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${server.port}`, cookie: tess.cookie },
    });
    sock.send({ type: 'media.join', sessionId: s.id });
    expect(await sock.next()).toMatchObject({ type: 'error', code: 'invalid_state' });
    // Straight at the service (as a message checked just before the end would arrive):
    await expect(
      media.media.join({ id: s.id, name: 'x', state: 'active', roomId: null, roomSecret: null }, 'technician', {
        send() {},
      }),
    ).rejects.toThrow('ended');
    expect(media.media.has(s.id)).toBe(false);
  });

  test('the last Lens socket closing marks the customer away; a new one marks them back', async () => {
    const { s, customer } = await session(tess, true);
    const a = connect('/ws/lens', customer);
    const b = connect('/ws/lens', customer);
    await Promise.all([a.opened, b.opened]);
    a.ws.close();
    await Bun.sleep(200);
    expect((await sessionRow(h, s.id)).customerLeftAt).toBeNull();
    b.ws.close();
    const deadline = Date.now() + 3_000;
    while (!(await sessionRow(h, s.id)).customerLeftAt && Date.now() < deadline) await Bun.sleep(50);
    expect((await sessionRow(h, s.id)).customerLeftAt).not.toBeNull();
    const c = connect('/ws/lens', customer);
    await c.opened;
    const back = Date.now() + 3_000;
    while ((await sessionRow(h, s.id)).customerLeftAt && Date.now() < back) await Bun.sleep(50);
    expect((await sessionRow(h, s.id)).customerLeftAt).toBeNull();
  });
});
