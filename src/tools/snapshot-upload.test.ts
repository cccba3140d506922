// The phone's upload of a requested photo (POST /api/lens/snapshots/:id) and
// its every refusal: by content, not type; by size while it streams; another
// session's request; the wrong state; twice; too late (a slow one begun in time is kept). And the phone's
// `snapshot.failed` over its socket. A refusal writes nothing and leaves no file.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { SNAPSHOT_BYTES_MAX, SNAPSHOT_UPLOAD_MS } from '../contract/limits.ts';
import { snapshots } from '../db/schema.ts';
import { websocket } from '../realtime/bun-socket.ts';
import { openTestSocket } from '../realtime/test-socket.ts';
import type { ToolEvent } from '../sessions/events.ts';
import { DATABASE_HOOK, errorOf, keepsContract, ORIGIN, tableCounts } from '../testing/harness.ts';
import { buildWorld, type Target, type World } from '../testing/world.ts';
import { timeOutSnapshots } from './snapshots.ts';
import { jpeg, png, requestedSnapshot, webpExtended } from './test-images.ts';

let w: World;
let events: ToolEvent[];
beforeEach(async () => {
  w = await buildWorld({ maxLive: 20 });
  events = [];
  w.h.events.onTool((e) => events.push(e));
}, DATABASE_HOOK);
afterEach(() => w.stop());

const upload = (target: Target | undefined, id: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
  w.call('POST', `/api/lens/snapshots/${id}`, { cookie: target?.customer, bytes, headers });
const statusOf = async (id: string) => (await w.h.db.select().from(snapshots).where(eq(snapshots.id, id)))[0]!;
const temporaries = () => readdirSync(join(w.h.config.dataDir, 'snapshots', 'tmp'));

async function asked(stage: 'active' | 'on_hold' = 'active') {
  const target = await w.session(w.people.owner.cookie, 'active');
  const res = await w.call('POST', `/api/sessions/${target.view.id}/snapshots`, { cookie: w.people.owner.cookie });
  const id = ((await res.json()) as { snapshot: { id: string } }).snapshot.id;
  if (stage === 'on_hold')
    expect(
      (await w.call('POST', `/api/sessions/${target.view.id}/hold`, { cookie: w.people.owner.cookie })).status,
    ).toBe(200);
  events.length = 0;
  return { target, id };
}

/** Expects a refusal with `code` that wrote no row, changed the request in no way, told nobody and left no file. */
async function refused(res: Promise<Response>, status: number, code: string, id: string) {
  const before = await tableCounts(w.h);
  const row = await statusOf(id);
  const answer = await res;
  expect({ status: answer.status, code: (await errorOf(answer)).code }).toEqual({ status, code });
  expect(await tableCounts(w.h)).toEqual(before);
  expect(await statusOf(id)).toEqual(row);
  expect(events).toEqual([]);
  expect(temporaries()).toEqual([]);
}

describe("the phone's upload", () => {
  test('larger than the 64 KB JSON limit is fine, while the session is on hold too; the JSON routes keep their limit', async () => {
    const { target, id } = await asked('on_hold');
    const photo = png(300, 300, { noise: true });
    expect(photo.length).toBeGreaterThan(200_000);
    const res = await upload(target, id, photo, { 'content-type': 'image/png' });
    expect(res.status).toBe(201);
    const eula = await w.call('POST', '/api/lens/eula', {
      cookie: target.customer,
      raw: JSON.stringify({ accept: true, pad: 'x'.repeat(70_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(eula.status).toBe(413);
  });

  test('a text file sent as image/png, and an HTML page, are 415 unsupported_image', async () => {
    const { target, id } = await asked();
    const text = new TextEncoder().encode('just text, named photo.png');
    await refused(upload(target, id, text, { 'content-type': 'image/png' }), 415, 'unsupported_image', id);
    const html = new TextEncoder().encode('<html><script>alert(1)</script></html>');
    await refused(upload(target, id, html, { 'content-type': 'text/html' }), 415, 'unsupported_image', id);
    await refused(upload(target, id, new Uint8Array()), 415, 'unsupported_image', id);
  });

  test('over SNAPSHOT_BYTES_MAX: 413, whether it says so in content-length or only while it streams', async () => {
    const { target, id } = await asked();
    const big = new Uint8Array(SNAPSHOT_BYTES_MAX + 1);
    big.set(jpeg(100, 100));
    await refused(upload(target, id, big, { 'content-length': String(big.length) }), 413, 'payload_too_large', id);
    // No content-length: the limit is counted as the body arrives.
    const stream = new Blob([big]).stream();
    const path = `/api/lens/snapshots/${id}`;
    const streamed = w.app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { cookie: target.customer!, 'content-type': 'image/jpeg' },
      body: stream,
    });
    await refused(
      Promise.resolve(streamed).then((r) => keepsContract('POST', path, r)),
      413,
      'payload_too_large',
      id,
    );
  });

  test('more than SNAPSHOT_SIDE_MAX pixels a side: 413 image_too_large', async () => {
    const { target, id } = await asked();
    await refused(upload(target, id, webpExtended(20_000, 10)), 413, 'image_too_large', id);
  });

  test("another session's request with this customer's cookie is 404; without a cookie 401; from another site 403", async () => {
    const mine = await asked();
    const theirs = await asked();
    await refused(upload(mine.target, theirs.id, png(2, 2)), 404, 'not_found', theirs.id);
    await refused(upload(undefined, mine.id, png(2, 2)), 401, 'no_lens_session', mine.id);
    const crossSite = upload(mine.target, mine.id, png(2, 2), { origin: 'https://evil.example' });
    await refused(crossSite, 403, 'cross_origin', mine.id);
  });

  test('twice: the second is 409 snapshot_not_pending, the first photo stays', async () => {
    const { target, id } = await asked();
    expect((await upload(target, id, png(3, 3))).status).toBe(201);
    events.length = 0;
    await refused(upload(target, id, png(5, 5)), 409, 'snapshot_not_pending', id);
    expect((await statusOf(id)).width).toBe(3);
  });

  test('a session not live yet: 409 not_active', async () => {
    const target = await w.session(w.people.owner.cookie, 'waiting');
    const id = await requestedSnapshot(w.h, target.view.id);
    await refused(upload(target, id, png(2, 2)), 409, 'not_active', id);
  });

  test('too late: 409 snapshot_timed_out, the request failed as timed_out and both sides told', async () => {
    const { target, id } = await asked();
    w.h.clock.advance(SNAPSHOT_UPLOAD_MS);
    const res = await upload(target, id, png(2, 2));
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('snapshot_timed_out');
    expect(await statusOf(id)).toMatchObject({ status: 'failed', error: 'timed_out', sha256: null });
    expect(events.map((e) => [e.to, e.message])).toEqual([
      ['both', { type: 'snapshot.failed', sessionId: target.view.id, snapshotId: id, code: 'timed_out' }],
    ]);
  });
});

describe('a slow upload', () => {
  test('begun in time, ended after the deadline: the photo is kept, after the timeout was told', async () => {
    const { target, id } = await asked();
    const photo = png(20, 20);
    let reading!: () => void;
    const readingStarted = new Promise<void>((resolve) => {
      reading = resolve;
    });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // The first half goes at once; the second only after the deadline passed (below).
        if (sent === 0) controller.enqueue(photo.slice(0, 10));
        else if (sent === 1) {
          reading();
          await deadlinePassed;
          controller.enqueue(photo.slice(10));
        } else controller.close();
        sent++;
      },
    });
    let passDeadline!: () => void;
    const deadlinePassed = new Promise<void>((resolve) => {
      passDeadline = resolve;
    });
    const path = `/api/lens/snapshots/${id}`;
    const answer = Promise.resolve(
      w.app.request(`${ORIGIN}${path}`, { method: 'POST', headers: { cookie: target.customer! }, body }),
    ).then((r) => keepsContract('POST', path, r));
    await readingStarted;
    w.h.clock.advance(SNAPSHOT_UPLOAD_MS);
    expect(await timeOutSnapshots(w.h, target.view.id)).toBe(1);
    passDeadline();
    const res = await answer;
    expect(res.status).toBe(201);
    expect(await statusOf(id)).toMatchObject({ status: 'stored', error: null, width: 20 });
    expect(events.map((e) => e.message.type)).toEqual(['snapshot.failed', 'snapshot.stored']);
  });
});

describe("the phone's snapshot.failed", () => {
  test("over its socket: its own pending request fails and the technician is told; another session's is left alone", async () => {
    const mine = await asked();
    const theirs = await asked();
    const world = w;
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (req, srv) => world.app.fetch(req, srv),
      websocket,
    });
    try {
      const told = new Promise<ToolEvent>((resolve) => w.h.events.onTool(resolve));
      const sock = openTestSocket(`ws://127.0.0.1:${server.port}/ws/lens`, {
        origin: `http://127.0.0.1:${server.port}`,
        cookie: mine.target.customer,
      });
      expect(await sock.opened).toBe(true);
      expect((await sock.next()).type).toBe('state');
      sock.send({ type: 'snapshot.failed', snapshotId: theirs.id, code: 'no_camera' });
      sock.send({ type: 'snapshot.failed', snapshotId: mine.id, code: 'capture_failed' });
      expect(await told).toEqual({
        sessionId: mine.target.view.id,
        technicianId: w.people.owner.id,
        to: 'technician',
        message: {
          type: 'snapshot.failed',
          sessionId: mine.target.view.id,
          snapshotId: mine.id,
          code: 'capture_failed',
        },
      });
      expect(await statusOf(mine.id)).toMatchObject({ status: 'failed', error: 'capture_failed' });
      // Messages of one socket are handled in order: the other session's request was looked at first, and kept.
      expect((await statusOf(theirs.id)).status).toBe('requested');
      expect(events).toHaveLength(1);
      sock.ws.close();
    } finally {
      await server.stop(true);
    }
  });
});
