// A recorded session whose media comes to a MediaService that did not run
// its Start (another node took it over, or Loupe restarted): the room made
// anew records into the session's folder, as Start's room did. Signalling
// learns where from the session row (findSignallingSession).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { lensSessions } from '../db/schema.ts';
import { rawFolder } from '../records/recording-rows.ts';
import { findSignallingSession } from '../realtime/signalling-session.ts';
import { technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { SDP } from './sdp-samples.ts';
import type { MediaSignal, SessionRef } from './service.ts';
import { startFakeMedia } from './testing.ts';

let h: Harness;
let fake: Awaited<ReturnType<typeof startFakeMedia>>;
const page = { sent: [] as MediaSignal[], send: (s: MediaSignal) => void page.sent.push(s) };

beforeAll(async () => {
  h = await harness();
  fake = await startFakeMedia();
}, DATABASE_HOOK);
afterAll(() => fake?.stop());

async function session(state: 'waiting' | 'active', recorded: boolean): Promise<string> {
  const tess = await technician(h);
  const created = await h.call('POST', '/api/sessions', {
    cookie: tess.cookie,
    body: { type: 'lens', name: 'Recorded', method: 'link' },
  });
  const { id } = (await created.json()) as { id: string };
  await h.db.update(lensSessions).set({ state, recorded }).where(eq(lensSessions.id, id));
  return id;
}

const roomOf = (sessionId: string) => {
  const room = fake.saved.get(sessionId) as { id: number } | undefined;
  return room && fake.janus.plugin.rooms.get(room.id);
};

describe('a recorded session goes on recording where its media is made anew', () => {
  test('signalling names the folder of a recorded live session only', async () => {
    const live = await session('active', true);
    expect((await findSignallingSession(h, live))?.recordTo).toBe(join(h.config.dataDir, rawFolder(live)));
    expect((await findSignallingSession(h, await session('waiting', true)))?.recordTo).toBeUndefined();
    expect((await findSignallingSession(h, await session('active', false)))?.recordTo).toBeUndefined();
  }, 20_000);

  test('the room made for a publish records into that folder; without one it does not record', async () => {
    const recorded = (await findSignallingSession(h, await session('active', true))) as SessionRef;
    await fake.media.publish(recorded, 'customer', page, SDP.chromiumPublishOffer);
    expect(roomOf(recorded.id)).toMatchObject({ record: true, recDir: recorded.recordTo });

    const plain = (await findSignallingSession(h, await session('active', false))) as SessionRef;
    await fake.media.publish(plain, 'customer', page, SDP.chromiumPublishOffer);
    expect(roomOf(plain.id)?.record).toBe(false);
  }, 20_000);
});
