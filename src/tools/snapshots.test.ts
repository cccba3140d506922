// Snapshots end to end over HTTP on the real app and database: the technician
// asks, the phone uploads, the console lists, opens and annotates; and every
// refusal of asking, listing, opening and annotating (the phone's upload's
// own refusals: snapshot-upload.test.ts). Every answer is checked against the
// contract by the harness, the image answer too.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { SNAPSHOT_UPLOAD_MS } from '../contract/limits.ts';
import type { SnapshotView } from '../contract/tools.ts';
import { snapshots } from '../db/schema.ts';
import type { ToolEvent } from '../sessions/events.ts';
import { DATABASE_HOOK, errorOf, tableCounts } from '../testing/harness.ts';
import { buildWorld, type Target, type World } from '../testing/world.ts';
import { png, webpLossy } from './test-images.ts';

let w: World;
let events: ToolEvent[];
let owner: string;
beforeEach(async () => {
  w = await buildWorld({ maxLive: 20 });
  owner = w.people.owner.cookie;
  events = [];
  w.h.events.onTool((e) => events.push(e));
}, DATABASE_HOOK);
afterEach(() => w.stop());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ask = (id: string, cookie = owner) => w.call('POST', `/api/sessions/${id}/snapshots`, { cookie });
const upload = (target: Target, id: string, bytes: Uint8Array, type = 'image/jpeg', query = '') =>
  w.call('POST', `/api/lens/snapshots/${id}${query}`, {
    cookie: target.customer,
    bytes,
    headers: { 'content-type': type },
  });
const rowOf = async (id: string) => (await w.h.db.select().from(snapshots).where(eq(snapshots.id, id)))[0]!;

/** Asks for a photo of the owner's live session: the session and the request's id. */
async function asked(): Promise<{ target: Target; id: string }> {
  const target = await w.session(owner, 'active');
  const res = await ask(target.view.id);
  expect(res.status).toBe(202);
  const { snapshot } = (await res.json()) as { snapshot: { id: string } };
  return { target, id: snapshot.id };
}

describe('a photo, asked for, uploaded, listed and opened', () => {
  test('the phone is asked; its PNG (sent as image/jpeg) is stored as a PNG, under its hash, with its own size', async () => {
    const target = await w.session(owner, 'active');
    const res = await ask(target.view.id);
    expect(res.status).toBe(202);
    const { snapshot: request } = (await res.json()) as { snapshot: Record<string, string> };
    expect(request).toEqual({
      id: expect.any(String),
      sessionId: target.view.id,
      status: 'requested',
      requestedAt: w.h.clock.now().toISOString(),
    });
    expect(events).toEqual([
      {
        sessionId: target.view.id,
        technicianId: w.people.owner.id,
        to: 'customer',
        message: { type: 'snapshot.request', sessionId: target.view.id, snapshotId: request.id },
      },
    ]);

    const photo = png(64, 48);
    const stored = await upload(target, request.id!, photo, 'image/jpeg');
    expect(stored.status).toBe(201);
    const { snapshot } = (await stored.json()) as { snapshot: SnapshotView };
    expect(snapshot).toEqual({
      id: request.id!,
      takenAt: w.h.clock.now().toISOString(),
      width: 64,
      height: 48,
      bytes: photo.length,
      sha256: sha256(photo),
      contentType: 'image/png',
      annotated: false,
      sourceId: null,
      frozen: false,
    });
    expect(events[1]).toEqual({
      sessionId: target.view.id,
      technicianId: w.people.owner.id,
      to: 'both',
      message: { type: 'snapshot.stored', sessionId: target.view.id, snapshot },
    });
    const file = join(w.h.config.dataDir, 'snapshots', snapshot.sha256.slice(0, 2), snapshot.sha256);
    expect(sha256(readFileSync(file))).toBe(snapshot.sha256);

    const list = await w.call('GET', `/api/sessions/${target.view.id}/snapshots`, { cookie: owner });
    expect(await list.json()).toEqual({ snapshots: [snapshot] });

    const image = await w.call('GET', `/api/snapshots/${snapshot.id}`, { cookie: owner });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; filename="loupe-20261125-090000-\w{8}\.png"$/);
    expect(sha256(new Uint8Array(await image.arrayBuffer()))).toBe(snapshot.sha256);
    const download = await w.call('GET', `/api/snapshots/${snapshot.id}?download=1`, { cookie: owner });
    expect(download.headers.get('content-disposition')).toStartWith('attachment; filename="loupe-');
  });

  test("?frozen=1: the phone's frozen frame is marked so; another value is a 400 that changes nothing", async () => {
    const { target, id } = await asked();
    const before = await tableCounts(w.h);
    const bad = await upload(target, id, png(4, 4), 'image/png', '?frozen=yes');
    expect(bad.status).toBe(400);
    expect(await tableCounts(w.h)).toEqual(before);
    expect((await rowOf(id)).status).toBe('requested');
    const res = await upload(target, id, png(4, 4), 'image/png', '?frozen=1');
    expect(((await res.json()) as { snapshot: SnapshotView }).snapshot.frozen).toBe(true);
  });

  test('an annotated copy: a new photo pointing at its source, told to the technician; both listed, oldest first', async () => {
    const { target, id } = await asked();
    const original = (
      (await (await upload(target, id, png(40, 30), 'image/png', '?frozen=1')).json()) as {
        snapshot: SnapshotView;
      }
    ).snapshot;
    w.h.clock.advance(5_000);
    const drawn = webpLossy(40, 30);
    const res = await w.call('POST', `/api/snapshots/${id}/annotated`, {
      cookie: owner,
      bytes: drawn,
      headers: { 'content-type': 'image/webp' },
    });
    expect(res.status).toBe(201);
    const { snapshot } = (await res.json()) as { snapshot: SnapshotView };
    expect(snapshot).toMatchObject({ annotated: true, sourceId: id, frozen: true, contentType: 'image/webp' });
    expect(snapshot.id).not.toBe(id);
    expect(snapshot.sha256).toBe(sha256(drawn));
    expect(events.at(-1)).toEqual({
      sessionId: target.view.id,
      technicianId: w.people.owner.id,
      to: 'technician',
      message: { type: 'snapshot.stored', sessionId: target.view.id, snapshot },
    });
    const list = await w.call('GET', `/api/sessions/${target.view.id}/snapshots`, { cookie: owner });
    expect(await list.json()).toEqual({ snapshots: [original, snapshot] });
    const download = await w.call('GET', `/api/snapshots/${snapshot.id}?download=1`, { cookie: owner });
    expect(download.headers.get('content-disposition')).toMatch(/-annotated\.webp"$/);
  });
});

describe('refusals of asking, listing, opening and annotating', () => {
  test('not active: a session the customer has not been let into yet, or one on hold, is 409 not_active', async () => {
    for (const stage of ['waiting', 'on_hold'] as const) {
      const target = await w.session(owner, stage);
      const before = await tableCounts(w.h);
      const res = await ask(target.view.id);
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe('not_active');
      expect(await tableCounts(w.h)).toEqual(before);
    }
    expect(events).toEqual([]);
  });

  test('one pending request at a time (409 snapshot_pending); past SNAPSHOT_UPLOAD_MS it has failed, timed_out, and a new one may be asked', async () => {
    const { target, id } = await asked();
    const pending = await ask(target.view.id);
    expect(pending.status).toBe(409);
    expect((await errorOf(pending)).code).toBe('snapshot_pending');
    w.h.clock.advance(SNAPSHOT_UPLOAD_MS);
    events.length = 0;
    expect((await ask(target.view.id)).status).toBe(202);
    expect(await rowOf(id)).toMatchObject({ status: 'failed', error: 'timed_out' });
    expect(events[0]).toEqual({
      sessionId: target.view.id,
      technicianId: w.people.owner.id,
      to: 'both',
      message: { type: 'snapshot.failed', sessionId: target.view.id, snapshotId: id, code: 'timed_out' },
    });
  });

  test('a list after the timeout fails the request too, and lists only stored photos', async () => {
    const { target, id } = await asked();
    w.h.clock.advance(SNAPSHOT_UPLOAD_MS + 1);
    const list = await w.call('GET', `/api/sessions/${target.view.id}/snapshots`, { cookie: owner });
    expect(await list.json()).toEqual({ snapshots: [] });
    expect((await rowOf(id)).status).toBe('failed');
    expect(events.at(-1)?.message).toMatchObject({ type: 'snapshot.failed', snapshotId: id, code: 'timed_out' });
  });

  test("another technician's session and photo are 404, as if they did not exist; a customer's cookie is 401", async () => {
    const other = w.people.other.cookie;
    const mine = w.own.active.view.id;
    const answers = [
      await ask(mine, other),
      await w.call('GET', `/api/sessions/${mine}/snapshots`, { cookie: other }),
      await w.call('GET', `/api/snapshots/${w.snapshots.own}`, { cookie: other }),
      await w.call('POST', `/api/snapshots/${w.snapshots.own}/annotated`, { cookie: other, bytes: png(2, 2) }),
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    const customer = await w.call('GET', `/api/snapshots/${w.snapshots.own}`, { cookie: w.own.active.customer });
    expect(customer.status).toBe(401);
    expect(events).toEqual([]);
  });

  test("a viewer of the owner's group and an administrator see the photos, but neither asks for one nor draws on one", async () => {
    const mine = w.own.active.view.id;
    const listed = await w.call('GET', `/api/sessions/${mine}/snapshots`, { cookie: owner });
    const ownerSees = await listed.json();
    expect(ownerSees.snapshots.map((s: { id: string }) => s.id)).toEqual([w.snapshots.own]);
    for (const cookie of [w.people.viewer.cookie, w.people.admin.cookie]) {
      const list = await w.call('GET', `/api/sessions/${mine}/snapshots`, { cookie });
      expect(await list.json()).toEqual(ownerSees);
      const photo = await w.call('GET', `/api/snapshots/${w.snapshots.own}`, { cookie });
      expect(photo.status).toBe(200);
      expect(photo.headers.get('content-type')).toBe(ownerSees.snapshots[0].contentType);
      expect((await ask(mine, cookie)).status).toBe(404);
      const drawn = await w.call('POST', `/api/snapshots/${w.snapshots.own}/annotated`, { cookie, bytes: png(2, 2) });
      expect(drawn.status).toBe(404);
    }
    // The viewer's right is the owner's group's: another group's photos stay unknown to them.
    const others = await w.call('GET', `/api/snapshots/${w.snapshots.others}`, { cookie: w.people.viewer.cookie });
    expect(others.status).toBe(404);
    expect(events).toEqual([]);
  });

  test('a request not yet uploaded has no bytes and no annotated copy (404); an annotated copy is checked like an upload', async () => {
    const { id } = await asked();
    expect((await w.call('GET', `/api/snapshots/${id}`, { cookie: owner })).status).toBe(404);
    const annotate = (bytes: Uint8Array, source = w.snapshots.own) =>
      w.call('POST', `/api/snapshots/${source}/annotated`, {
        cookie: owner,
        bytes,
        headers: { 'content-type': 'image/png' },
      });
    expect((await annotate(png(2, 2), id)).status).toBe(404);
    const before = await tableCounts(w.h);
    const text = await annotate(new TextEncoder().encode('strokes as text'));
    expect(text.status).toBe(415);
    expect((await errorOf(text)).code).toBe('unsupported_image');
    expect(await tableCounts(w.h)).toEqual(before);
  });

  test('a row whose file went missing from the data directory is a 404, not a 500', async () => {
    const id = w.snapshots.own;
    const row = await rowOf(id);
    await w.h.db
      .update(snapshots)
      .set({ sha256: 'f'.repeat(64) })
      .where(eq(snapshots.id, id));
    const res = await w.call('GET', `/api/snapshots/${id}`, { cookie: owner });
    expect(res.status).toBe(404);
    expect(existsSync(join(w.h.config.dataDir, 'snapshots', row.sha256!.slice(0, 2), row.sha256!))).toBe(true);
  });
});
