// stats.sample on the real app (FakeJanus, PGlite, real sockets): kept from
// the owner's console while the session is live, at most one per
// QUALITY_SAMPLE_MIN_MS per session; nothing from another technician, before
// Start or after the end; a malformed sample is refused. And the chart's
// downsampling.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { asc, eq } from 'drizzle-orm';
import type { QualitySample } from '../contract/records.ts';
import { qualitySamples } from '../db/schema.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { type ToolServer, toolServer } from '../tools/testing.ts';
import { downsample, QUALITY_POINTS_MAX, QUALITY_SAMPLE_MIN_MS } from './quality.ts';

let t: ToolServer;
beforeAll(async () => {
  t = await toolServer();
}, DATABASE_HOOK);
afterEach(() => t.closeSockets());
afterAll(() => t?.stop());

const SAMPLE = { bitrateKbps: 1500, fps: 30, width: 1280, height: 720, rttMs: 40, lossPercent: 0.5, jitterMs: 12 };
const stored = (sessionId: string) =>
  t.w.h.db.select().from(qualitySamples).where(eq(qualitySamples.sessionId, sessionId)).orderBy(asc(qualitySamples.id));
/** The rows once `count` are written: a socket's writes run after it answered (bounded: about 2 s). */
async function storedOnce(sessionId: string, count: number) {
  for (let tries = 0; tries < 200; tries++) {
    const rows = await stored(sessionId);
    if (rows.length >= count) return rows;
    await Bun.sleep(10);
  }
  return stored(sessionId);
}

describe('stats.sample', () => {
  test('the owner’s console: kept with the server’s time, one per interval per session, on hold too', async () => {
    const s = await t.session('active');
    const tech = await t.console(t.w.people.owner.cookie);
    tech.send({ type: 'stats.sample', sessionId: s.id, sample: SAMPLE });
    // Too soon after the first, from this socket and from a second tab: dropped, unanswered.
    tech.send({ type: 'stats.sample', sessionId: s.id, sample: { ...SAMPLE, fps: 1 } });
    const tab = await t.console(t.w.people.owner.cookie);
    tab.send({ type: 'stats.sample', sessionId: s.id, sample: { ...SAMPLE, fps: 2 } });
    expect(await tech.heard()).toEqual([]);
    expect(await tab.heard()).toEqual([]);
    t.w.h.clock.advance(QUALITY_SAMPLE_MIN_MS);
    await t.w.call('POST', `/api/sessions/${s.id}/hold`, { cookie: t.w.people.owner.cookie });
    const nulls = {
      bitrateKbps: null,
      fps: null,
      width: null,
      height: null,
      rttMs: null,
      lossPercent: null,
      jitterMs: null,
    };
    tech.send({ type: 'stats.sample', sessionId: s.id, sample: nulls });
    expect(await tech.heard()).toEqual([]);
    const rows = await storedOnce(s.id, 2);
    // The two sockets' first samples race for the interval (each looks the session up first; on
    // PostgreSQL the second tab's lookup can finish first): one of them is kept, never both.
    const first = rows[0]!.fps === 2 ? { ...SAMPLE, fps: 2 } : SAMPLE;
    expect(rows.map(({ id: _, at, sessionId, ...sample }) => ({ at: at.getTime(), sessionId, ...sample }))).toEqual([
      { at: t.w.h.clock.now().getTime() - QUALITY_SAMPLE_MIN_MS, sessionId: s.id, ...first },
      { at: t.w.h.clock.now().getTime(), sessionId: s.id, ...nulls },
    ]);
  });

  test('another technician’s session, before Start and after the end: nothing kept', async () => {
    const theirs = await t.session('active', t.w.people.other.cookie);
    const waiting = await t.session('waiting');
    const closed = await t.session('closed');
    const tech = await t.console(t.w.people.owner.cookie);
    for (const s of [theirs, waiting, closed]) {
      t.w.h.clock.advance(QUALITY_SAMPLE_MIN_MS);
      tech.send({ type: 'stats.sample', sessionId: s.id, sample: SAMPLE });
    }
    await tech.heard();
    for (const s of [theirs, waiting, closed]) expect(await stored(s.id)).toEqual([]);
  });

  test('out of range, a wrong type, a missing field, an `at` of its own: invalid_message, nothing kept', async () => {
    const s = await t.session('active');
    const tech = await t.console(t.w.people.owner.cookie);
    const bad = [
      { ...SAMPLE, lossPercent: 101 },
      { ...SAMPLE, fps: -1 },
      { ...SAMPLE, width: 1.5 },
      { ...SAMPLE, rttMs: '40' },
      { ...SAMPLE, jitterMs: undefined },
      { ...SAMPLE, at: new Date().toISOString() },
    ];
    for (const sample of bad) {
      t.w.h.clock.advance(QUALITY_SAMPLE_MIN_MS);
      tech.send({ type: 'stats.sample', sessionId: s.id, sample });
    }
    const heard = await tech.heard();
    expect(heard.map((m) => m.type)).toEqual(bad.map(() => 'error'));
    expect(await stored(s.id)).toEqual([]);
  });
});

describe('downsample', () => {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 5_000).toISOString();
  const sample = (i: number): QualitySample => ({
    at: at(i),
    bitrateKbps: i,
    fps: i % 2 ? null : 30,
    width: 1280,
    height: 719 + (i % 2),
    rttMs: 10,
    lossPercent: 0,
    jitterMs: null,
  });

  test('a short session is kept as is', () => {
    const few = Array.from({ length: QUALITY_POINTS_MAX }, (_, i) => sample(i));
    expect(downsample(few)).toEqual(few);
  });

  test('a long one: at most QUALITY_POINTS_MAX points, each the mean of its bucket, at its first time', () => {
    const many = Array.from({ length: QUALITY_POINTS_MAX * 2 }, (_, i) => sample(i));
    const points = downsample(many);
    expect(points).toHaveLength(QUALITY_POINTS_MAX);
    expect(points[0]).toEqual({ ...sample(0), bitrateKbps: 0.5, fps: 30, height: 720 });
    expect(points.at(-1)!.at).toBe(at(QUALITY_POINTS_MAX * 2 - 2));
    expect(points.at(-1)!.bitrateKbps).toBe(QUALITY_POINTS_MAX * 2 - 1.5);
  });
});
