// A publisher whose video comes back after Janus called it stopped is asked for
// a keyframe at once (publisher.ts, onVideoFlow), so the viewer's picture does
// not wait for the room's periodic request. Janus's media events come from
// FakeJanus; the bundled Janus checks that it takes the request as sent.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SDP } from './sdp-samples.ts';
import type { SessionRef } from './service.ts';
import { fakeBackend, hasJanus, type MediaBackend, page, realBackend } from './testing.ts';
import type { Room } from './videoroom.ts';

let n = 0;
const session = (): SessionRef => ({
  id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`,
  name: `Keyframe ${n}`,
  state: 'active',
  roomId: null,
  roomSecret: null,
});

describe('a publisher video that resumes, on fake Janus', () => {
  let b: MediaBackend;
  beforeAll(async () => {
    b = await fakeBackend();
  });
  afterAll(() => b?.stop());

  /** The customer publishing, up in Janus, and the requests made so far. */
  async function publishing() {
    const s = session();
    const customer = page();
    await b.media.publish(s, 'customer', customer, SDP.chromiumPublishOffer);
    await customer.next('rtc.answer');
    const handle = b.fake!.publisher((b.saved.get(s.id) as Room).id, 'customer')!;
    handle.webrtcup();
    return { handle };
  }
  const keyframeRequests = (handle: number) =>
    b.fake!.requests.filter((r) => r.handle === handle && r.body.request === 'configure' && r.body.keyframe === true);

  test('video lost then back: one keyframe request on the publisher handle', async () => {
    const { handle } = await publishing();
    handle.media('video', false);
    await Bun.sleep(20);
    expect(keyframeRequests(handle.id)).toHaveLength(0);
    handle.media('video', true);
    for (let i = 0; i < 100 && keyframeRequests(handle.id).length === 0; i++) await Bun.sleep(5);
    expect(keyframeRequests(handle.id)).toHaveLength(1);
    expect(keyframeRequests(handle.id)[0]!.body).toEqual({ request: 'configure', keyframe: true });
  });

  test('video starting, audio resuming, or a repeated "receiving" ask for nothing', async () => {
    const { handle } = await publishing();
    handle.media('video', true);
    handle.media('audio', false);
    handle.media('audio', true);
    handle.media('video', false);
    handle.media('video', true);
    handle.media('video', true);
    await Bun.sleep(50);
    // Only the one resume after a loss asks.
    expect(keyframeRequests(handle.id)).toHaveLength(1);
  });
});

describe.skipIf(!hasJanus)('the keyframe request on the bundled Janus', () => {
  let b: MediaBackend;
  beforeAll(async () => {
    b = await realBackend();
  }, 30_000);
  afterAll(() => b?.stop());

  test('a publisher configure with keyframe: true is answered configured', async () => {
    const ask = b.ask!;
    const s = session();
    const room = await b.media.openRoom(s);
    const handle = await ask.attach();
    await handle.request(
      { request: 'joinandconfigure', ptype: 'publisher', room: room.id, display: 'customer' },
      { type: 'offer', sdp: SDP.chromiumPublishOffer },
    );
    const { data } = await handle.request({ request: 'configure', keyframe: true });
    expect(data).toMatchObject({ videoroom: 'event', configured: 'ok' });
    await handle.detach();
    await b.media.close({ ...s, roomId: room.id, roomSecret: room.secret });
  });
});
