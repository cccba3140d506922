// ICE restarts relayed to Janus on the handles the pages keep (ice-restart.ts):
// the publisher's new offer as a `configure` on the same handle, a
// subscription's `configure` with `restart: true` answered by a new offer;
// and where the connection is not in Janus any more, RestartImpossible. The
// publisher's restart also runs on the bundled Janus (API on loopback: no ICE,
// but Janus answers a renegotiated offer with new ICE credentials), which
// keeps the fake honest; the rest needs Janus's own events (webrtcup) and is
// fake-only.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SDP } from './sdp-samples.ts';
import { type MediaSignal, RestartImpossible, type SessionRef } from './service.ts';
import { fakeBackend, hasJanus, type MediaBackend, page, realBackend } from './testing.ts';
import type { Room } from './videoroom.ts';

let n = 0;
const session = (): SessionRef => ({
  id: `00000000-0000-4000-b000-${String(++n).padStart(12, '0')}`,
  name: `Restart ${n}`,
  state: 'active',
  roomId: null,
  roomSecret: null,
});

/** The same offer with new ICE credentials, as createOffer({ iceRestart: true }) makes it. */
const restarted = (sdp: string) =>
  sdp
    .replace(/^a=ice-ufrag:.*$/gm, 'a=ice-ufrag:rSt1')
    .replace(/^a=ice-pwd:.*$/gm, 'a=ice-pwd:restartedpassword0123456789');

type Offer = Extract<MediaSignal, { type: 'rtc.offer' }>;

function publisherRestart(name: 'fake' | 'real', start: () => Promise<MediaBackend>, skip: boolean) {
  describe.skipIf(skip)(`publisher ICE restart on ${name} Janus`, () => {
    let b: MediaBackend;
    beforeAll(async () => {
      b = await start();
    }, 30_000);
    afterAll(() => b?.stop());

    test('the new offer goes to the same handle as a configure; the page gets the answer, the feed stays', async () => {
      const s = session();
      const phone = page();
      await b.media.publish(s, 'customer', phone, SDP.chromiumPublishOffer);
      const first = await phone.next('rtc.answer');
      const requests = b.fake?.requests.length ?? 0;
      await b.media.restartIce(s, 'customer', phone, { pc: 'publish', sdp: restarted(SDP.chromiumPublishOffer) });
      const answer = await phone.next('rtc.answer');
      expect(answer).toMatchObject({ type: 'rtc.answer', sessionId: s.id, pc: 'publish' });
      if (answer.type === 'rtc.answer' && first.type === 'rtc.answer' && name === 'real') {
        // Janus's answer carries its own new ICE credentials: a restart, not the old answer again.
        const ufrag = (sdp: string) => sdp.match(/^a=ice-ufrag:(.*)$/m)?.[1];
        expect(ufrag(answer.sdp)).toBeDefined();
        expect(ufrag(answer.sdp)).not.toBe(ufrag(first.sdp));
      }
      if (b.fake) {
        const room = (b.saved.get(s.id) as Room).id;
        const after = b.fake.requests.slice(requests);
        // One request, on the publisher's handle: no new handle, no joinandconfigure.
        expect(after.map((r) => r.body.request)).toEqual(['configure']);
        expect(after[0]!.handle).toBe(b.fake.publisher(room, 'customer')!.id);
        expect(after[0]!.jsep).toEqual({ type: 'offer', sdp: restarted(SDP.chromiumPublishOffer) });
      }
      await b.media.close(s);
    });

    test('a side that has no publisher cannot restart it: RestartImpossible, nothing asked of Janus', async () => {
      const s = session();
      const phone = page();
      await b.media.join(s, 'customer', phone);
      const err = await b.media
        .restartIce(s, 'customer', phone, { pc: 'publish', sdp: SDP.chromiumPublishOffer })
        .catch((e) => e);
      expect(err).toBeInstanceOf(RestartImpossible);
      expect((err as RestartImpossible).pc).toBe('publish');
      await b.media.close(s);
    });
  });
}

publisherRestart('fake', fakeBackend, false);
publisherRestart('real', realBackend, !hasJanus);

describe('ICE restarts on FakeJanus', () => {
  let b: MediaBackend;
  beforeAll(async () => {
    b = await fakeBackend();
  });
  afterAll(() => b.stop());
  const roomOf = (s: SessionRef) => (b.saved.get(s.id) as Room).id;

  /** The phone publishes, Janus has it up, the console has its subscription offer and answered it. */
  async function live(s: SessionRef) {
    const phone = page();
    const tech = page();
    await b.media.join(s, 'technician', tech);
    await b.media.publish(s, 'customer', phone, SDP.chromiumPublishOffer);
    await phone.next('rtc.answer');
    b.fake!.publisher(roomOf(s), 'customer')!.webrtcup();
    const offer = (await tech.next('rtc.offer')) as Offer;
    await b.media.answer(s.id, 'technician', SDP.chromiumSubscribeAnswer, offer.subscription);
    return { phone, tech, offer };
  }

  test('a subscription restart asks Janus for a new offer on the same handle; the page gets it with the same subscription', async () => {
    const s = session();
    const { tech, offer } = await live(s);
    const sub = b.fake!.subscribers(roomOf(s), 'customer')[0]!;
    await b.media.restartIce(s, 'technician', tech, { pc: 'subscribe', subscription: offer.subscription });
    const again = (await tech.next('rtc.offer')) as Offer;
    expect(again).toMatchObject({ pc: 'subscribe', subscription: offer.subscription });
    expect(b.fake!.requests.at(-1)).toMatchObject({ handle: sub.id, body: { request: 'configure', restart: true } });
    // The page answers it as any offer: `start` with the answer, on the same handle.
    await b.media.answer(s.id, 'technician', SDP.chromiumSubscribeAnswer, again.subscription);
    expect(b.fake!.requests.at(-1)).toMatchObject({ handle: sub.id, body: { request: 'start' } });
    expect(b.fake!.subscribers(roomOf(s), 'customer').map((h) => h.id)).toEqual([sub.id]);
    await b.media.close(s);
  });

  test('the phone restarts: the console keeps its subscription (no new offer, no new handle)', async () => {
    const s = session();
    const { phone, tech } = await live(s);
    const subs = b.fake!.subscribers(roomOf(s), 'customer').map((h) => h.id);
    await b.media.restartIce(s, 'customer', phone, { pc: 'publish', sdp: restarted(SDP.chromiumPublishOffer) });
    await phone.next('rtc.answer');
    expect(tech.inbox.filter((m) => m.type === 'rtc.offer')).toEqual([]);
    expect(b.fake!.subscribers(roomOf(s), 'customer').map((h) => h.id)).toEqual(subs);
    await b.media.close(s);
  });

  test('after Janus hung the publisher up (ICE failed for good) a restart is impossible: the page publishes anew', async () => {
    const s = session();
    const { phone } = await live(s);
    b.fake!.publisher(roomOf(s), 'customer')!.hangup('ICE failed');
    const err = await b.media
      .restartIce(s, 'customer', phone, { pc: 'publish', sdp: restarted(SDP.chromiumPublishOffer) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RestartImpossible);
    await b.media.close(s);
  });

  test('Janus refusing the restart is the error the page hears of; a replaced subscription cannot be restarted', async () => {
    const s = session();
    const { phone, tech, offer } = await live(s);
    b.fake!.refuse({ request: 'configure' }, 465, 'Error processing SDP');
    const err = await b.media
      .restartIce(s, 'customer', phone, { pc: 'publish', sdp: restarted(SDP.chromiumPublishOffer) })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 465 });
    const stale = await b.media
      .restartIce(s, 'technician', tech, { pc: 'subscribe', subscription: offer.subscription + 1 })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(RestartImpossible);
    await b.media.close(s);
  });

  test('a page on a new socket restarts its connection and becomes its side’s page again', async () => {
    const s = session();
    const { phone } = await live(s);
    b.media.disconnect(s.id, 'customer', phone);
    const reconnected = page();
    await b.media.restartIce(s, 'customer', reconnected, { pc: 'publish', sdp: restarted(SDP.chromiumPublishOffer) });
    expect(await reconnected.next('rtc.answer')).toMatchObject({ pc: 'publish' });
    expect(b.media.isPeer(s.id, 'customer', reconnected)).toBe(true);
    await b.media.close(s);
  });
});
