// The recording's routes: its state for whoever may see the session, and the
// WebM with Range support (the console's <video> seeks with it): 200 whole,
// 206 for one range with its content-range, 416 for a range past the end, a
// header that is not one byte range ignored; 404 for a session the caller may
// not see (another group's), the group's viewer and an administrator see it;
// a recording not ready to play is a 409 `recording_not_ready` that says why.
import { beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { recordings, technicians } from '../db/schema.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { byteRange } from './byte-range.ts';
import { storeReadyRecording } from './recording-testing.ts';

let h: Harness;
let owner: TestTechnician;
let stranger: TestTechnician;
let sessionId: string;
let recording: { id: string; bytes: Uint8Array };

beforeAll(async () => {
  h = await harness();
  owner = await technician(h);
  stranger = await technician(h);
  const res = await h.call('POST', '/api/sessions', {
    cookie: owner.cookie,
    body: { type: 'lens', name: 'Boiler', method: 'link' },
  });
  sessionId = ((await res.json()) as { id: string }).id;
  recording = await storeReadyRecording(h, sessionId);
}, DATABASE_HOOK);

const get = (path: string, cookie = owner.cookie, headers: Record<string, string> = {}) =>
  h.call('GET', path, { cookie, headers });
const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());

describe('the WebM', () => {
  test('whole: 200, video/webm, accept-ranges, every byte', async () => {
    const res = await get(`/api/recordings/${recording.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/webm');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(recording.bytes.length));
    expect(await bytesOf(res)).toEqual(new Uint8Array(recording.bytes));
  });

  test('one range: 206 with that part and its content-range (start-end, start-, the last N)', async () => {
    const size = recording.bytes.length;
    for (const [header, start, end] of [
      ['bytes=100-199', 100, 199],
      ['bytes=3900-', 3900, size - 1],
      ['bytes=-50', size - 50, size - 1],
      ['bytes=3990-999999', 3990, size - 1],
    ] as const) {
      const res = await get(`/api/recordings/${recording.id}`, owner.cookie, { range: header });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(await bytesOf(res)).toEqual(recording.bytes.slice(start, end + 1));
    }
  });

  test('a range past the end: 416 with the size; a header that is not one range: the whole file', async () => {
    const past = await get(`/api/recordings/${recording.id}`, owner.cookie, { range: 'bytes=4000-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${recording.bytes.length}`);
    expect((await errorOf(past)).code).toBe('range_not_satisfiable');
    for (const range of ['bytes=0-1,5-9', 'items=0-3', 'bytes=9-2']) {
      const res = await get(`/api/recordings/${recording.id}`, owner.cookie, { range });
      expect(res.status).toBe(200);
    }
  });

  test('?download=1 saves it under the session’s name', async () => {
    const res = await get(`/api/recordings/${recording.id}?download=1`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="recording-${sessionId}.webm"`);
  });
});

describe('who sees it', () => {
  test('another group’s technician: 404 for both routes, as if there were none', async () => {
    expect((await get(`/api/recordings/${recording.id}`, stranger.cookie)).status).toBe(404);
    expect((await get(`/api/sessions/${sessionId}/recording`, stranger.cookie)).status).toBe(404);
  });

  test('a viewer of the owner’s group (view_group_sessions) and an administrator see it', async () => {
    // Rights are the group's: the owner moves into the lead's group, whose right lets its members see
    // each other's records (the rule is "the owner's group, now").
    const lead = await technician(h, { rights: ['view_group_sessions'] });
    await h.db.update(technicians).set({ groupId: lead.me.groupId }).where(eq(technicians.id, owner.id));
    for (const cookie of [lead.cookie, await signInAsAdmin(h)]) {
      expect((await get(`/api/recordings/${recording.id}`, cookie)).status).toBe(200);
      const state = await get(`/api/sessions/${sessionId}/recording`, cookie);
      expect(((await state.json()) as { recording: { status: string } }).recording.status).toBe('ready');
    }
  });
});

test('a recording not ready to play: 409 recording_not_ready, saying which', async () => {
  await h.db.update(recordings).set({ status: 'converting' }).where(eq(recordings.id, recording.id));
  const converting = await get(`/api/recordings/${recording.id}`);
  expect(converting.status).toBe(409);
  expect(await errorOf(converting)).toMatchObject({
    code: 'recording_not_ready',
    message: expect.stringContaining('converted'),
  });
  await h.db.update(recordings).set({ status: 'failed' }).where(eq(recordings.id, recording.id));
  expect((await errorOf(await get(`/api/recordings/${recording.id}`))).message).toContain('raw files are kept');
  await h.db.update(recordings).set({ status: 'ready' }).where(eq(recordings.id, recording.id));
});

test('byteRange: each form of the header against a size', () => {
  expect(byteRange(undefined, 10)).toBeUndefined();
  expect(byteRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
  expect(byteRange('bytes=-0', 10)).toBe('unsatisfiable');
  expect(byteRange('bytes=-20', 10)).toEqual({ start: 0, end: 9 });
  expect(byteRange('bytes=10-', 10)).toBe('unsatisfiable');
  expect(byteRange('bytes=0-', 0)).toBe('unsatisfiable');
  expect(byteRange('bytes=-', 10)).toBeUndefined();
});
