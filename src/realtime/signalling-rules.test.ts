// Who may send which media message in which state (README, "Live media"), as
// a table, through signalling's rules with its session look-up in memory: on
// FakeJanus always, on the bundled Janus too when it is installed. The
// socket-level tests (signalling.test.ts) check the same over real sockets
// and the database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { consoleEvent } from '../contract/socket.ts';
import { silentLogger } from '../log.ts';
import type { MediaSignal } from '../media/service.ts';
import { fakeBackend, hasJanus, type MediaBackend, realBackend } from '../media/testing.ts';
import { type MediaMessage, type SignallingDeps, signalFromConsole, signalFromLens } from './signalling.ts';
import type { SignallingSession } from './signalling-session.ts';

const TESS = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const candidate = { candidate: 'candidate:1 1 udp 1 198.18.0.1 20000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

const MESSAGES: Record<string, MediaMessage> = {
  join: { type: 'media.join' },
  leave: { type: 'media.leave' },
  offer: { type: 'rtc.offer', sdp: OFFER },
  answer: { type: 'rtc.answer', sdp: OFFER, subscription: 1 },
  'publish candidate': { type: 'rtc.candidate', pc: 'publish', candidate },
  'subscribe candidate': { type: 'rtc.candidate', pc: 'subscribe', candidate },
  state: { type: 'media.state', muted: false, camera: true, background: false },
};
const ALL = Object.keys(MESSAGES);

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
            if (side === 'customer') await signalFromLens(w.deps, b.media, s.id, sock.peer, sock.reply, MESSAGES[key]!);
            else
              await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, {
                ...MESSAGES[key]!,
                sessionId: s.id,
              } as never);
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

    test('an offer Janus refuses is answered with media.error media_failed and Janus’s reason', async () => {
      const s = w.add('active');
      const sock = socket();
      await signalFromLens(w.deps, b.media, s.id, sock.peer, sock.reply, MESSAGES.offer!);
      for (let i = 0; i < 200 && !sock.inbox.some((m) => m.type === 'media.error'); i++) await Bun.sleep(5);
      expect(sock.inbox.find((m) => m.type === 'media.error')).toMatchObject({
        code: 'media_failed',
        message: expect.stringContaining('Missing mandatory lines'),
      });
      await b.media.close(s);
    });
  });
}

runTable('fake', fakeBackend, false);
runTable('real', realBackend, !hasJanus);

describe('signalling on a hung Janus', () => {
  test('a message for a session whose Janus request hangs does not hold up another session on the same socket', async () => {
    const b = await fakeBackend();
    const w = world();
    const slow = w.add('active');
    const quick = w.add('active');
    const room = await b.media.openRoom(slow);
    b.fake!.hang({ request: 'joinandconfigure', room: room.id });
    const sock = socket();
    const GOOD = `${OFFER}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`;
    const started = Date.now();
    await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, {
      type: 'rtc.offer',
      sessionId: slow.id,
      sdp: GOOD,
    });
    await signalFromConsole(w.deps, b.media, TESS, sock.peer, sock.reply, {
      type: 'rtc.offer',
      sessionId: quick.id,
      sdp: GOOD,
    });
    for (let i = 0; i < 200 && !sock.inbox.some((m) => m.type === 'rtc.answer'); i++) await Bun.sleep(2);
    expect(sock.inbox).toMatchObject([{ type: 'rtc.answer', sessionId: quick.id }]);
    expect(Date.now() - started).toBeLessThan(500);
    await b.media.close({ ...slow, roomId: room.id, roomSecret: room.secret });
    await b.stop();
  });
});
