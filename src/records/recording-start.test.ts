// Recording from Start, never before, and the conversion after the end, over
// HTTP with FakeJanus: a recorded session's room records into
// <dataDir>/recordings/<id>/raw from Start with a `recording` row written in
// Start's transaction; an unrecorded session records nothing; a declined EULA
// leaves no row. After the end the job converts: FakeJanus writes no files,
// so the conversion fails, and the failure is kept and said, not lost.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createApp } from '../app.ts';
import { recordings } from '../db/schema.ts';
import { followSessions, roomStore } from '../media/lifecycle.ts';
import { FakeJanus } from '../media/fake-janus.ts';
import { MediaService } from '../media/service.ts';
import { auditActions, technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { callerFor, DATABASE_HOOK, harness, type Caller, type Harness } from '../testing/harness.ts';
import { RecordingJobs } from './recording-job.ts';
import { heartbeat, leave } from '../cluster/nodes.ts';
import { rawFolder } from './recording-rows.ts';

let h: Harness;
let call: Caller;
let janus: FakeJanus;
let media: MediaService;
let jobs: RecordingJobs;
let unfollow: () => void;
let recorded: TestTechnician;
let plain: TestTechnician;

beforeAll(async () => {
  h = await harness();
  janus = new FakeJanus();
  // The room store the server uses, so the end finds the room to destroy.
  media = new MediaService({ janus, log: h.log, rooms: roomStore(h), connect: janus.connect });
  media.start();
  await media.ready();
  jobs = new RecordingJobs(h);
  unfollow = followSessions(h, media, (id) => void jobs.enqueue(id));
  call = callerFor(createApp({ ...h, database: h.database, media }));
  recorded = await technician(h, { settings: { recordSessions: true } });
  plain = await technician(h);
}, DATABASE_HOOK);
afterAll(async () => {
  unfollow?.();
  await media?.stop();
});

/** A link session taken to `waiting` (or declined), as its customer would. */
async function waiting(t: TestTechnician, accept = true): Promise<SessionView> {
  const res = await call('POST', '/api/sessions', {
    cookie: t.cookie,
    body: { type: 'lens', name: 'Boiler', method: 'link' },
  });
  const s = (await res.json()) as SessionView;
  const redeemed = await call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
  const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  const lens = (await (await call('GET', '/api/lens/session', { cookie: customer })).json()) as {
    session: { recorded: boolean };
  };
  expect(lens.session.recorded).toBe(t === recorded);
  expect((await call('POST', '/api/lens/eula', { cookie: customer, body: { accept } })).status).toBe(200);
  return s;
}

const rowOf = async (sessionId: string) =>
  (await h.db.select().from(recordings).where(eq(recordings.sessionId, sessionId)))[0];

describe('recording from Start', () => {
  test('a recorded session: nothing before Start; at Start the room records into its raw folder, with a row', async () => {
    const s = await waiting(recorded);
    expect(s.recorded).toBe(true);
    expect(await rowOf(s.id)).toBeUndefined();
    // Before Start no room Janus has records (the customer's page may already have made one).
    for (const room of janus.plugin.rooms.values()) expect(room.record).toBe(false);

    expect((await call('POST', `/api/sessions/${s.id}/start`, { cookie: recorded.cookie })).status).toBe(200);
    const row = await rowOf(s.id);
    expect(row).toMatchObject({ status: 'recording', rawDir: rawFolder(s.id), file: null });
    const dir = join(h.config.dataDir, rawFolder(s.id));
    expect(existsSync(dir)).toBe(true);
    const rooms = [...janus.plugin.rooms.values()];
    expect(rooms.filter((r) => r.record).map((r) => r.recDir)).toEqual([dir]);
    expect(rooms.every((r) => r.lockRecord)).toBe(true);
    expect(await auditActions(h, s.id)).toContain('recording.started');

    // The end: the room goes, then the job converts. FakeJanus wrote no file, so it fails, said and kept.
    expect((await call('POST', `/api/sessions/${s.id}/end`, { cookie: recorded.cookie })).status).toBe(200);
    await until(async () => (await rowOf(s.id))?.status === 'failed');
    await jobs.idle();
    const failed = (await rowOf(s.id))!;
    expect(failed.error).toContain('Janus wrote no audio or video');
    expect(failed.endedAt).not.toBeNull();
    expect(existsSync(dir)).toBe(true);
    expect(await auditActions(h, s.id)).toContain('recording.failed');

    const answer = await call('GET', `/api/sessions/${s.id}/recording`, { cookie: recorded.cookie });
    const { recording } = (await answer.json()) as { recording: { status: string; error: string } };
    expect(recording).toMatchObject({ status: 'failed', error: failed.error });
  });

  test('an unrecorded session records nothing and has no row', async () => {
    const s = await waiting(plain);
    const before = [...janus.plugin.rooms.keys()];
    expect((await call('POST', `/api/sessions/${s.id}/start`, { cookie: plain.cookie })).status).toBe(200);
    const made = [...janus.plugin.rooms.values()].filter((r) => !before.includes(r.id));
    expect(made.length).toBeGreaterThan(0);
    for (const room of made) expect(room.record).toBe(false);
    expect(await rowOf(s.id)).toBeUndefined();
    const answer = await call('GET', `/api/sessions/${s.id}/recording`, { cookie: plain.cookie });
    expect(await answer.json()).toEqual({ recording: null });
  });

  test('declining the EULA of a recorded session ends it, and nothing is recorded', async () => {
    const s = await waiting(recorded, false);
    const session = (await (await call('GET', `/api/sessions/${s.id}`, { cookie: recorded.cookie })).json()) as {
      state: string;
      endReason: string;
    };
    expect(session).toMatchObject({ state: 'closed', endReason: 'customer_declined' });
    expect(await rowOf(s.id)).toBeUndefined();
    expect(existsSync(join(h.config.dataDir, rawFolder(s.id)))).toBe(false);
  });

  test('a restart converts what a stopped Loupe left unconverted', async () => {
    const s = await waiting(recorded);
    await call('POST', `/api/sessions/${s.id}/start`, { cookie: recorded.cookie });
    // As if Loupe stopped between the end and the conversion: the row says `converting`.
    unfollow();
    await call('POST', `/api/sessions/${s.id}/end`, { cookie: recorded.cookie });
    await h.db.update(recordings).set({ status: 'converting' }).where(eq(recordings.sessionId, s.id));
    const restarted = new RecordingJobs(h);
    await restarted.resume();
    await restarted.idle();
    expect((await rowOf(s.id))?.status).toBe('failed');
  });

  test('a recording another running node is converting is left to it; once that node is gone, it is taken over', async () => {
    const t = recorded; // its earlier sessions have ended
    const s = await waiting(t);
    await call('POST', `/api/sessions/${s.id}/start`, { cookie: t.cookie });
    await call('POST', `/api/sessions/${s.id}/end`, { cookie: t.cookie });
    await heartbeat(h.db, 'node-converting', h.clock.now());
    await h.db
      .update(recordings)
      .set({ status: 'converting', convertingNode: 'node-converting' })
      .where(eq(recordings.sessionId, s.id));
    const other = new RecordingJobs({ ...h, nodeId: 'node-starting' });
    await other.resume();
    await other.idle();
    expect(await rowOf(s.id)).toMatchObject({ status: 'converting', convertingNode: 'node-converting' });
    await leave(h.db, 'node-converting');
    await other.resume();
    await other.idle();
    // Taken over (and, the fake Janus having written no files, failed).
    expect(await rowOf(s.id)).toMatchObject({ status: 'failed', convertingNode: 'node-starting' });
  });
});

async function until(check: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(20);
  }
}
