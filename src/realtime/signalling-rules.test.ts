// Who may send which media message in which state (README, "Live media"), as
// a table, through signalling's rules with its session look-up in memory: on
// FakeJanus always, on the bundled Janus too when it is installed. The
// socket-level tests (signalling.test.ts) check the same over real sockets
// and the database.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { consoleEvent } from '../contract/socket.ts';
import { silentLogger } from '../log.ts';
import { REQUEST_TIMEOUT_MS } from '../media/janus-link.ts';
import { SDP } from '../media/sdp-samples.ts';
import type { MediaSignal } from '../media/service.ts';
import { fakeBackend, hasJanus, type MediaBackend, realBackend } from '../media/testing.ts';
import {
  MEDIA_ERRORS,
  type MediaMessage,
  type SignallingDeps,
  signalFromConsole,
  signalFromLens,
} from './signalling.ts';
import type { SignallingSession } from './signalling-session.ts';

const TESS = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
// Real browsers' descriptions: a voice offer is one either side may send.
const OFFER = SDP.chromiumVoiceOffer;
const ANSWER = SDP.chromiumSubscribeAnswer.replace(/^a=setup:active$/gm, 'a=setup:passive');
const candidate = { candidate: 'candidate:1 1 udp 1 198.18.0.1 20000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

const MESSAGES: Record<string, MediaMessage> = {
  join: { type: 'media.join' },
  leave: { type: 'media.leave' },
  offer: { type: 'rtc.offer', sdp: OFFER },
  answer: { type: 'rtc.answer', sdp: ANSWER, subscription: 1 },
  'publish candidate': { type: 'rtc.candidate', pc: 'publish', candidate },
  'subscribe candidate': { type: 'rtc.candidate', pc: 'subscribe', candidate },
  state: { type: 'media.state', muted: false, camera: true, background: false },
  // ICE restarts (src/media/ice-restart.ts): only where media is allowed, never while waiting.
  'restart offer': { type: 'rtc.offer', sdp: OFFER, iceRestart: true },
  'subscription restart': { type: 'rtc.restart', subscription: 1 },
};
const ALL = Object.keys(MESSAGES);

const PUBLISH = SDP.chromiumPublishOffer;
/** What pages may send that Loupe refuses with media.error (the SDP rules themselves: src/contract/sdp.test.ts). */
const UNUSABLE: [string, 'customer' | 'technician', MediaMessage, 'invalid_sdp' | 'invalid_candidate'][] = [
  ['an SDP over SDP_MAX', 'customer', { type: 'rtc.offer', sdp: PUBLISH + 'a=x\r\n'.repeat(2_000) }, 'invalid_sdp'],
  ['a NUL in the SDP', 'customer', { type: 'rtc.offer', sdp: PUBLISH.replace('s=-', 's=\u0000') }, 'invalid_sdp'],
  ['no v= line', 'customer', { type: 'rtc.offer', sdp: PUBLISH.replace('v=0\r\n', '') }, 'invalid_sdp'],
  ['no m= line', 'customer', { type: 'rtc.offer', sdp: PUBLISH.slice(0, PUBLISH.indexOf('m=')) }, 'invalid_sdp'],
  [
    'no DTLS fingerprint',
    'customer',
    { type: 'rtc.offer', sdp: PUBLISH.replace(/^a=fingerprint:.*\r\n/gm, '') },
    'invalid_sdp',
  ],
  [
    'no ICE credentials',
    'customer',
    { type: 'rtc.offer', sdp: PUBLISH.replace(/^a=ice-pwd:.*\r\n/gm, '') },
    'invalid_sdp',
  ],
  ['an answer sent as an offer', 'customer', { type: 'rtc.offer', sdp: ANSWER }, 'invalid_sdp'],
  ['an offer sent as an answer', 'technician', { type: 'rtc.answer', sdp: PUBLISH, subscription: 1 }, 'invalid_sdp'],
  ['video from the console', 'technician', { type: 'rtc.offer', sdp: PUBLISH }, 'invalid_sdp'],
  ['not an SDP at all', 'technician', { type: 'rtc.offer', sdp: 'hello there, not an SDP' }, 'invalid_sdp'],
  [
    'a candidate that is none',
    'customer',
    { type: 'rtc.candidate', pc: 'publish', candidate: { candidate: 'candidate:x', sdpMid: '0' } },
    'invalid_candidate',
  ],
  [
    'a candidate with a NUL',
    'technician',
    { type: 'rtc.candidate', pc: 'subscribe', candidate: { ...candidate, candidate: `${candidate.candidate}\u0000` } },
    'invalid_candidate',
  ],
];

/** Janus's answer to the page's publishing offer arrived (its candidates may come before it). */
const answered = (inbox: { type: string; pc?: unknown }[]) =>
  inbox.some((m) => m.type === 'rtc.answer' && m.pc === 'publish');

/** Settles when `check` holds (polled); the caller's expectations say what it waited for. */
async function until(check: () => boolean, ms = 2_000) {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await Bun.sleep(2);
}

/** What each side may send in each state; every other message is refused with invalid_state. */
const ALLOWED: Record<string, { customer: string[]; technician: string[] }> = {
  waiting: { customer: ['offer', 'publish candidate'], technician: ['join', 'leave', 'answer', 'subscribe candidate'] },
  active: { customer: ALL, technician: ALL },
  on_hold: { customer: ALL, technician: ALL },
  invited: { customer: [], technician: [] },
  connecting: { customer: [], technician: [] },
  closed: { customer: [], technician: [] },
  timed_out: { customer: [], technician: [] },
};

function world() {
  const sessions = new Map<string, SignallingSession>();
  const deps: SignallingDeps = { log: silentLogger, findSession: async (id) => sessions.get(id) };
  let n = 0;
  const add = (state: string, technicianId = TESS): SignallingSession => {
    const s = {
      id: `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`,
      name: `S${n}`,
      state,
      technicianId,
      roomId: null,
      roomSecret: null,
    };
    sessions.set(s.id, s);
    return s;
  };
  return { deps, add };
}

/** A page's socket: replies to it and signals from the media service, in one inbox. */
function socket() {
  const inbox: { type: string; code?: string; [k: string]: unknown }[] = [];
  // What reaches a page keeps the contract the pages read (both sockets carry the same media events).
  const peer = { send: (m: MediaSignal) => inbox.push(consoleEvent.parse(m)) };
  const reply = (m: unknown) => inbox.push(consoleEvent.parse(m) as { type: string });
  return { inbox, peer, reply };
}

/** A page's message as its socket hands it to signalling: the Lens's as is, the console's with the session id. */
function signal(
  w: ReturnType<typeof world>,
  media: MediaBackend['media'],
  side: 'customer' | 'technician',
  sock: ReturnType<typeof socket>,
  sessionId: string,
  message: MediaMessage,
) {
  if (side === 'customer') return signalFromLens(w.deps, media, sessionId, sock.peer, sock.reply, message);
  return signalFromConsole(w.deps, media, TESS, sock.peer, sock.reply, { ...message, sessionId } as never);
}

function runTable(name: string, start: () => Promise<MediaBackend>, skip: boolean) {
  describe.skipIf(skip)(`signalling rules on ${name} Janus`, () => {
    let b: MediaBackend;
    const w = world();
    beforeAll(async () => {
      b = await start();
    }, 30_000);
    afterAll(() => b?.stop());

    for (const [state, sides] of Object.entries(ALLOWED))
      for (const side of ['customer', 'technician'] as const)
        test(`${state}: the ${side === 'customer' ? 'phone' : 'console'} may send ${sides[side].join(', ') || 'nothing'}`, async () => {
          for (const key of ALL) {
            const s = w.add(state);
            const sock = socket();
            await signal(w, b.media, side, sock, s.id, MESSAGES[key]!);
            // A refusal is replied before the signal call returns; only Janus's own answers come later.
            const refused = sock.inbox.some((m) => m.type === 'error' && m.code === 'invalid_state');
            expect({ key, refused }).toEqual({ key, refused: !sides[side].includes(key) });
            // A refused message leaves no media behind.
            if (refused) expect(b.media.has(s.id)).toBe(false);
            await b.media.close(s);
          }
        });

    test("a console acts only on its own technician's sessions; an unknown id is not_found", async () => {
      for (const id of [w.add('active', OTHER).id, '00000000-0000-4000-8000-000000000000']) {
        const sock = socket();
        await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, { type: 'media.join', sessionId: id });
        expect(sock.inbox).toEqual([{ type: 'error', code: 'not_found', message: 'No such session.' }]);
        expect(b.media.has(id)).toBe(false);
      }
    });

    test('without a media service an allowed message gets media_unavailable', async () => {
      const s = w.add('active');
      const sock = socket();
      await signalFromLens(w.deps, undefined, s.id, sock.peer, sock.reply, { type: 'media.join' });
      expect(sock.inbox).toMatchObject([{ type: 'media.error', code: 'media_unavailable' }]);
    });

    // Refused by Loupe before any look-up or queue: the one reply is there when
    // the call returns, and nothing of the session reaches the media service.
    for (const [name, side, message, code] of UNUSABLE)
      test(`refused before Janus: ${name}`, async () => {
        const s = w.add('active');
        const sock = socket();
        await signal(w, b.media, side, sock, s.id, message);
        expect(sock.inbox).toEqual([{ type: 'media.error', sessionId: s.id, code, message: MEDIA_ERRORS[code] }]);
        expect(b.media.has(s.id)).toBe(false);
        // Nothing was queued for Janus: a good offer after it is the first request the session makes.
        const good = socket();
        await signal(w, b.media, 'customer', good, s.id, { type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
        await until(() => answered(good.inbox));
        expect(answered(good.inbox)).toBe(true);
        if (b.fake) {
          const room = (b.saved.get(s.id) as { id: number }).id;
          const sent = b.fake.requests.filter((r) => r.body.room === room).map((r) => r.body.request);
          expect(sent).toEqual(['create', 'joinandconfigure']);
        }
        await b.media.close(s);
      });

    test("real browsers' descriptions reach Janus and are answered", async () => {
      for (const sdp of [SDP.chromiumPublishOffer, SDP.firefoxPublishOffer, SDP.weriftPublishOffer]) {
        const s = w.add('active');
        const sock = socket();
        await signalFromLens(w.deps, b.media, s.id, sock.peer, sock.reply, { type: 'rtc.offer', sdp });
        await until(() => answered(sock.inbox) || sock.inbox.some((m) => m.type === 'media.error'));
        expect(sock.inbox.filter((m) => m.type !== 'rtc.candidate')).toMatchObject([{ type: 'rtc.answer' }]);
        await b.media.close(s);
      }
    });
  });
}

runTable('fake', fakeBackend, false);
runTable('real', realBackend, !hasJanus);

describe('signalling on a faulty Janus', () => {
  let b: MediaBackend;
  const w = world();
  beforeAll(async () => {
    b = await fakeBackend();
  });
  afterAll(() => b?.stop());
  afterEach(() => {
    b.fake!.clearFaults();
    b.fake!.requestTimeoutMs = REQUEST_TIMEOUT_MS;
  });

  test("the phone's publish hangs in Janus: the console's join and offer on the same session are answered meanwhile", async () => {
    const s = w.add('active');
    const room = await b.media.openRoom(s);
    b.fake!.hang({ request: 'joinandconfigure', room: room.id, display: 'customer' });
    const phone = socket();
    const console_ = socket();
    await signalFromLens(w.deps, b.media, s.id, phone.peer, phone.reply, { type: 'rtc.offer', sdp: PUBLISH });
    await until(() => b.fake!.requests.some((r) => r.body.display === 'customer'));
    await signalFromConsole(w.deps, b.media, TESS, console_.peer, console_.reply, {
      type: 'media.join',
      sessionId: s.id,
    });
    await signalFromConsole(w.deps, b.media, TESS, console_.peer, console_.reply, {
      type: 'rtc.offer',
      sessionId: s.id,
      sdp: OFFER,
    });
    await until(() => console_.inbox.some((m) => m.type === 'rtc.answer'), 12_000);
    expect(console_.inbox.map((m) => m.type)).toEqual(['media.peer', 'rtc.answer']);
    // …while the phone's request is still waiting for Janus: no answer, no error yet.
    expect(phone.inbox.filter((m) => m.type === 'rtc.answer' || m.type === 'media.error')).toEqual([]);
    await b.media.close({ ...s, roomId: room.id, roomSecret: room.secret });
  }, 15_000);

  test('a request Janus does not answer in time: media_timeout to that page, in Loupe’s words', async () => {
    const s = w.add('active');
    b.fake!.requestTimeoutMs = 20;
    b.fake!.hang({ request: 'joinandconfigure' });
    const phone = socket();
    await signalFromLens(w.deps, b.media, s.id, phone.peer, phone.reply, { type: 'rtc.offer', sdp: PUBLISH });
    await until(() => phone.inbox.length > 0, 12_000);
    expect(phone.inbox).toEqual([
      { type: 'media.error', sessionId: s.id, code: 'media_timeout', message: MEDIA_ERRORS.media_timeout },
    ]);
    await b.media.close(s);
  }, 15_000);

  test('a restart that cannot be done is restart_failed for that connection, so the page makes it anew', async () => {
    const s = w.add('active');
    const phone = socket();
    await signalFromLens(w.deps, b.media, s.id, phone.peer, phone.reply, { type: 'rtc.restart', subscription: 7 });
    await until(() => phone.inbox.length > 0);
    expect(phone.inbox).toEqual([
      {
        type: 'media.error',
        sessionId: s.id,
        code: 'restart_failed',
        message: MEDIA_ERRORS.restart_failed,
        pc: 'subscribe',
      },
    ]);
    await b.media.close(s);
  });

  test("Janus's error text never reaches the page: a refusal is media_failed in Loupe's words", async () => {
    const s = w.add('active');
    const reason = 'Missing mandatory lines (o=, s= or m=) near "a=ice-pwd:HAypNM5sy2Cn24G90Wj55ShQ"';
    b.fake!.refuse({ request: 'joinandconfigure' }, 465, reason);
    const phone = socket();
    await signalFromLens(w.deps, b.media, s.id, phone.peer, phone.reply, { type: 'rtc.offer', sdp: PUBLISH });
    await until(() => phone.inbox.length > 0);
    expect(phone.inbox).toEqual([
      { type: 'media.error', sessionId: s.id, code: 'media_failed', message: MEDIA_ERRORS.media_failed },
    ]);
    expect(JSON.stringify(phone.inbox)).not.toContain('Missing');
    await b.media.close(s);
  });

  test('a message for a session whose Janus request hangs does not hold up another session on the same socket', async () => {
    const slow = w.add('active');
    const quick = w.add('active');
    const room = await b.media.openRoom(slow);
    b.fake!.hang({ request: 'joinandconfigure', room: room.id });
    const sock = socket();
    await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, {
      type: 'rtc.offer',
      sessionId: slow.id,
      sdp: OFFER,
    });
    await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, {
      type: 'rtc.offer',
      sessionId: quick.id,
      sdp: OFFER,
    });
    await until(() => sock.inbox.some((m) => m.type === 'rtc.answer'));
    expect(sock.inbox).toMatchObject([{ type: 'rtc.answer', sessionId: quick.id }]);
    await b.media.close({ ...slow, roomId: room.id, roomSecret: room.secret });
    await b.media.close(quick);
  });
});
