// MediaService's rules as a table of scenarios, run on FakeJanus (always, in
// milliseconds) and on the bundled Janus (when installed; API on loopback, so
// no ICE: the scenarios that need Janus's own events or faults are fake-only).
// The real run is what keeps the fake honest.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { FakeJanus } from './fake-janus.ts';
import type { MediaSignal, SessionRef } from './service.ts';
import { fakeBackend, hasJanus, type MediaBackend, page, realBackend } from './testing.ts';
import type { Room } from './videoroom.ts';

let n = 0;
const session = (state = 'active'): SessionRef => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  name: `Session ${n}`,
  state,
  roomId: null,
  roomSecret: null,
});

/** An offer the fake takes (Janus's core wants o=, s= and m= lines). */
export const GOOD_OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
/** The page's answer to a subscription offer. */
const ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
/** An offer neither Janus takes: no m= line. */
export const BAD_OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

type Scenario = { name: string; fakeOnly?: boolean; run(b: MediaBackend): Promise<void> };

/** The customer published and Janus has their PeerConnection up; the technician's page has the subscription offer. */
async function connected(b: MediaBackend, s: SessionRef) {
  const customer = page();
  const technician = page();
  await b.media.join(s, 'technician', technician);
  await b.media.publish(s, 'customer', customer, GOOD_OFFER);
  await customer.next('rtc.answer');
  publisherOf(b, s)!.webrtcup();
  const offer = (await technician.next('rtc.offer')) as Extract<MediaSignal, { type: 'rtc.offer' }>;
  return { customer, technician, offer };
}

const roomOf = (b: MediaBackend, s: SessionRef) => (b.saved.get(s.id) as Room).id;
const publisherOf = (b: MediaBackend, s: SessionRef, side = 'customer') => b.fake!.publisher(roomOf(b, s), side);
const subscribersOf = (b: MediaBackend, s: SessionRef, side = 'customer') => b.fake!.subscribers(roomOf(b, s), side);

const lastRequest = (fake: FakeJanus, name: string) => fake.requests.filter((r) => r.body.request === name).at(-1);

const scenarios: Scenario[] = [
  {
    name: 'Start makes a private room that Janus holds; close destroys it and a late join is refused',
    async run(b) {
      const s = session('waiting');
      const room = await b.media.openRoom(s);
      expect(await b.roomExists(room.id)).toBe(true);
      expect(await b.media.close({ ...s, roomId: room.id, roomSecret: room.secret })).toBe(true);
      expect(await b.roomExists(room.id)).toBe(false);
      expect(b.media.has(s.id)).toBe(false);
      await expect(b.media.join(s, 'technician', page())).rejects.toThrow('ended');
    },
  },
  {
    name: 'joining tells the page about the other side; the room is made and stored',
    async run(b) {
      const s = session();
      const tech = page();
      await b.media.join(s, 'technician', tech);
      expect(await tech.next('media.peer')).toEqual({
        type: 'media.peer',
        sessionId: s.id,
        side: 'customer',
        state: { muted: false, camera: true, background: false },
        offering: false,
        publishing: false,
      });
      const room = b.saved.get(s.id) as Room;
      expect(await b.roomExists(room.id)).toBe(true);
      await b.media.close({ ...s, roomId: room.id, roomSecret: room.secret });
    },
  },
  {
    name: 'an offer Janus cannot use is refused with its code (465), and the side has no publisher',
    async run(b) {
      const s = session();
      const err = await b.media.publish(s, 'customer', page(), BAD_OFFER).catch((e) => e);
      expect(err).toMatchObject({ code: 465, message: expect.stringContaining('VideoRoom joinandconfigure') });
      expect(b.media.isPeer(s.id, 'customer', page())).toBe(false);
      await b.media.close(s);
    },
  },
  {
    name: 'a second page of a side takes over and the first is told',
    async run(b) {
      const s = session();
      const first = page();
      const second = page();
      await b.media.join(s, 'technician', first);
      await b.media.join(s, 'technician', second);
      expect(await first.next('media.displaced')).toEqual({ type: 'media.displaced', sessionId: s.id });
      expect(b.media.isPeer(s.id, 'technician', second)).toBe(true);
      await b.media.leave(s.id, 'technician', first); // the displaced one: changes nothing
      expect(b.media.peers(s.id).technician).toBe(true);
      await b.media.close(s);
    },
  },
  {
    name: 'publish, Janus up, subscription offered; before Start the answer leaves it paused, Start resumes it',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session('waiting');
      const { offer, technician } = await connected(b, s);
      expect(technician.inbox.filter((m) => m.type === 'media.peer').at(-1)).toMatchObject({
        side: 'customer',
        offering: true,
        publishing: true,
      });
      await b.media.answer(s.id, 'technician', ANSWER, offer.subscription);
      expect(lastRequest(fake, 'pause')?.jsep).toEqual({ type: 'answer', sdp: ANSWER });
      expect(subscribersOf(b, s)[0]!.participant.relaying).toBe(false);
      await b.media.activate(s.id);
      expect(subscribersOf(b, s)[0]!.participant.relaying).toBe(true);
      await b.media.close(s);
    },
  },
  {
    name: 'hold pauses every subscription, resume starts them again',
    fakeOnly: true,
    async run(b) {
      const s = session('active');
      const { offer } = await connected(b, s);
      await b.media.answer(s.id, 'technician', ANSWER, offer.subscription);
      const sub = subscribersOf(b, s)[0]!;
      expect(sub.participant.relaying).toBe(true);
      await b.media.hold(s.id, true);
      expect(sub.participant.relaying).toBe(false);
      await b.media.hold(s.id, false);
      expect(sub.participant.relaying).toBe(true);
      await b.media.close(s);
    },
  },
  {
    name: 'an answer to a replaced subscription is dropped',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session();
      const { offer } = await connected(b, s);
      const before = fake.requests.length;
      await b.media.answer(s.id, 'technician', ANSWER, offer.subscription + 1);
      expect(fake.requests.length).toBe(before);
      await b.media.close(s);
    },
  },
  {
    name: "Janus's candidates for a subscription are held until the page has the offer",
    fakeOnly: true,
    async run(b) {
      const s = session();
      const customer = page();
      await b.media.publish(s, 'customer', customer, GOOD_OFFER);
      publisherOf(b, s)!.webrtcup();
      // The technician's subscription is made before their page joined (see subscribe()).
      for (let i = 0; i < 50 && subscribersOf(b, s).length === 0; i++) await Bun.sleep(2);
      const sub = subscribersOf(b, s)[0]!;
      await Bun.sleep(10);
      sub.trickleFromJanus('candidate:1 1 udp 1 198.18.0.1 20000 typ host');
      sub.trickleFromJanus();
      const tech = page();
      await b.media.join(s, 'technician', tech);
      const types = tech.inbox.map((m) => m.type);
      expect(types).toEqual(['media.peer', 'rtc.offer', 'rtc.candidate', 'rtc.candidate']);
      expect(tech.inbox.at(-1)).toMatchObject({ pc: 'subscribe', candidate: null });
      // Once the page has the offer, candidates go straight on.
      sub.trickleFromJanus('candidate:2 1 udp 1 198.18.0.1 20001 typ host');
      expect(tech.inbox.at(-1)).toMatchObject({ type: 'rtc.candidate', candidate: { candidate: expect.any(String) } });
      await b.media.close(s);
    },
  },
  {
    name: "the page's candidates reach the right handle; the publisher's candidates from Janus reach the page",
    fakeOnly: true,
    async run(b) {
      const s = session();
      const customer = page();
      await b.media.publish(s, 'customer', customer, GOOD_OFFER);
      await b.media.candidate(s.id, 'customer', 'publish', { candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 });
      await b.media.candidate(s.id, 'customer', 'publish', null);
      expect(publisherOf(b, s)!.trickled).toEqual([
        { candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 },
        { completed: true },
      ]);
      publisherOf(b, s)!.trickleFromJanus('candidate:3');
      expect(await customer.next('rtc.candidate')).toMatchObject({
        pc: 'publish',
        candidate: { candidate: 'candidate:3' },
      });
      await b.media.close(s);
    },
  },
  {
    name: "Janus hangs up the customer's PeerConnection: the technician is told and their subscription goes",
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session();
      const { technician } = await connected(b, s);
      technician.inbox.length = 0;
      publisherOf(b, s)!.hangup('DTLS alert');
      expect(await technician.next('media.peer')).toMatchObject({
        side: 'customer',
        offering: false,
        publishing: false,
      });
      const subscriptions = () =>
        fake.handles().filter((h) => h.participant.room === roomOf(b, s) && h.participant.ptype === 'subscriber');
      for (let i = 0; i < 50 && subscriptions().length > 0; i++) await Bun.sleep(2);
      expect(subscriptions()).toEqual([]);
      await b.media.close(s);
    },
  },
  {
    name: 'a refused subscription (428 no such feed) tells the viewer subscribe_failed',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session();
      const tech = page();
      await b.media.join(s, 'technician', tech);
      await b.media.publish(s, 'customer', page(), GOOD_OFFER);
      fake.refuse({ request: 'join', where: (body) => body.ptype === 'subscriber' }, 428, 'No such feed (1)');
      publisherOf(b, s)!.webrtcup();
      expect(await tech.next('media.error')).toMatchObject({ code: 'subscribe_failed' });
      await b.media.close(s);
    },
  },
  {
    name: 'a publish refused by Janus (490 ICE) rejects with its code and leaves no publisher',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session();
      fake.refuse({ request: 'joinandconfigure' }, 490, 'Error setting ICE locally');
      const err = await b.media.publish(s, 'customer', page(), GOOD_OFFER).catch((e) => e);
      expect(err).toMatchObject({ code: 490, message: 'VideoRoom joinandconfigure: Error setting ICE locally' });
      expect(publisherOf(b, s)).toBeUndefined();
      await b.media.close(s);
    },
  },
  {
    name: 'a slow answer on one session does not delay another session',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const slow = session();
      const quick = session();
      const room = await b.media.openRoom(slow);
      fake.hang({ request: 'joinandconfigure', room: room.id });
      const stuck = b.media.publish(slow, 'customer', page(), GOOD_OFFER);
      stuck.catch(() => {});
      const started = Date.now();
      const customer = page();
      const tech = page();
      await b.media.join(quick, 'technician', tech);
      await b.media.publish(quick, 'customer', customer, GOOD_OFFER);
      await customer.next('rtc.answer');
      publisherOf(b, quick)?.webrtcup();
      await tech.next('rtc.offer');
      expect(Date.now() - started).toBeLessThan(500);
      // The stuck session can still be closed at once (close() is not on its queue).
      const closing = Date.now();
      expect(await b.media.close({ ...slow, roomId: room.id, roomSecret: room.secret })).toBe(true);
      expect(Date.now() - closing).toBeLessThan(500);
      await expect(stuck).rejects.toThrow();
      fake.clearFaults();
      await b.media.close(quick);
    },
  },
  {
    name: 'Janus restarts: pages are told it is down, then to publish and join again, into a new room',
    fakeOnly: true,
    async run(b) {
      const fake = b.fake!;
      const s = session();
      const customer = page();
      const tech = page();
      await b.media.join(s, 'technician', tech);
      await b.media.publish(s, 'customer', customer, GOOD_OFFER);
      const first = b.saved.get(s.id) as Room;
      fake.kill();
      expect(await customer.next('media.interrupted')).toEqual({
        type: 'media.interrupted',
        sessionId: s.id,
        reason: 'media_server_down',
      });
      expect(await tech.next('media.interrupted')).toMatchObject({ sessionId: s.id });
      expect(b.media.connected).toBe(false);
      await fake.restart();
      expect(await customer.next('media.restart')).toEqual({ type: 'media.restart', sessionId: s.id });
      expect(await tech.next('media.restart')).toEqual({ type: 'media.restart', sessionId: s.id });
      await b.media.publish(s, 'customer', customer, GOOD_OFFER);
      const second = b.saved.get(s.id) as Room;
      expect(second.id).not.toBe(first.id);
      expect(fake.rooms()).toEqual([second.id]);
      await b.media.close(s);
    },
  },
];

function runTable(name: 'fake' | 'real', start: () => Promise<MediaBackend>, skip: boolean) {
  describe.skipIf(skip)(`media rules on ${name} Janus`, () => {
    let b: MediaBackend;
    beforeAll(async () => {
      b = await start();
    }, 30_000);
    afterAll(() => b?.stop());
    for (const s of scenarios) {
      if (name === 'real' && s.fakeOnly) continue;
      test(s.name, () => s.run(b), 15_000);
    }
  });
}

runTable('fake', fakeBackend, false);
runTable('real', realBackend, !hasJanus);
