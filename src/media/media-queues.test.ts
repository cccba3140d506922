// A Janus request that never answers holds up the PeerConnection it is for,
// and nothing else of the session: not the other side's page, not the same
// page's other connection. FakeJanus only (its hang fault); the assertions are
// on order of events (the hung request is still pending when the rest is
// answered), not on elapsed time.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { CANDIDATES, SDP } from './sdp-samples.ts';
import type { SessionRef } from './service.ts';
import { fakeBackend, type MediaBackend, page } from './testing.ts';

let b: MediaBackend;
beforeAll(async () => {
  b = await fakeBackend();
});
afterAll(() => b.stop());
afterEach(() => b.fake!.clearFaults());

let n = 0;
const session = (state = 'active'): SessionRef => ({
  id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`,
  name: `Queue ${n}`,
  state,
  roomId: null,
  roomSecret: null,
});

/** Settles when `check` holds (polled); the caller's own expectations say what it waited for. */
async function until(check: () => boolean, ms = 2_000) {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await Bun.sleep(2);
}

/** Whether a piece of work has settled yet (read later, without waiting for it). */
function pending<T>(work: Promise<T>) {
  const state = { settled: false };
  work.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('one hung Janus request', () => {
  test("the phone's publish hangs: the console joins, publishes and trickles, and the phone still gets the technician's voice", async () => {
    const fake = b.fake!;
    const s = session();
    const room = await b.media.openRoom(s);
    fake.hang({ request: 'joinandconfigure', room: room.id, display: 'customer' });
    const phone = page();
    const console_ = page();
    const stuck = b.media.publish(s, 'customer', phone, SDP.chromiumPublishOffer);
    stuck.catch(() => {});
    const phonePublish = pending(stuck);
    await until(() => fake.requests.some((r) => r.body.display === 'customer'));

    await b.media.join(s, 'technician', console_);
    expect(await console_.next('media.peer')).toMatchObject({ side: 'customer', offering: false });
    await b.media.publish(s, 'technician', console_, SDP.chromiumVoiceOffer);
    expect(await console_.next('rtc.answer')).toMatchObject({ pc: 'publish' });
    const mic = fake.publisher(room.id, 'technician')!;
    await b.media.candidate(s.id, 'technician', 'publish', CANDIDATES[0]!);
    expect(mic.trickled).toEqual([CANDIDATES[0]!]);
    // The phone's receiving connection is not held by its sending one.
    mic.webrtcup();
    expect(await phone.next('rtc.offer')).toMatchObject({ pc: 'subscribe' });
    expect(phonePublish.settled).toBe(false);

    // The hung request fails when the session closes (close() is on no queue).
    await b.media.close({ ...s, roomId: room.id, roomSecret: room.secret });
    await expect(stuck).rejects.toThrow();
  });

  test("the console's subscription answer hangs: the phone publishes and the console's microphone goes on", async () => {
    const fake = b.fake!;
    const s = session();
    const phone = page();
    const console_ = page();
    await b.media.join(s, 'technician', console_);
    await b.media.publish(s, 'customer', phone, SDP.chromiumPublishOffer);
    await phone.next('rtc.answer');
    const room = (b.saved.get(s.id) as { id: number }).id;
    fake.publisher(room, 'customer')!.webrtcup();
    const offer = await console_.next('rtc.offer');
    fake.hang({ request: 'start' });
    const stuck = b.media.answer(
      s.id,
      'technician',
      SDP.chromiumSubscribeAnswer,
      (offer as { subscription: number }).subscription,
    );
    stuck.catch(() => {});
    const answering = pending(stuck);
    await until(() => fake.requests.some((r) => r.body.request === 'start'));

    await b.media.publish(s, 'technician', console_, SDP.chromiumVoiceOffer);
    expect(await console_.next('rtc.answer')).toMatchObject({ pc: 'publish' });
    await b.media.candidate(s.id, 'customer', 'publish', CANDIDATES[1]!);
    expect(fake.publisher(room, 'customer')!.trickled).toEqual([CANDIDATES[1]!]);
    expect(answering.settled).toBe(false);

    await b.media.close(s);
    await expect(stuck).rejects.toThrow();
  });
});
