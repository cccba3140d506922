// A phone whose network goes away mid-session and comes back (network-cut.ts:
// tc drops its media's UDP, both ways, inside the test namespace). Without
// any click the console's picture returns — new frames presented after the
// link is back — and the console says "reconnecting" while the picture is
// gone and no longer once it is back. The phone keeps its publishing
// PeerConnection throughout: a short loss is ridden out on the same
// connection, and a loss long enough for the phone to give its path up is
// recovered with an ICE restart (rtc.offer with iceRestart, then a new
// selected candidate pair on the same connection), never with a new publish;
// the console keeps its own connection too.
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import {
  consoleRecord,
  cutUdpPorts,
  mediaPorts,
  offersSince,
  publishingPc,
  recordConsole,
  recordSentMessages,
  restoreLink,
  waitForRecord,
} from './network-cut.ts';
import { mediaOf, waitForMedia } from './rtc-stats.ts';
import { customerJoins, startScene, type Scene } from './scene.ts';

let scene: Scene;
/** The session a test made, ended after it whatever happened (one live session per technician). */
let live: string | undefined;

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: '41300-41399',
    technician: { email: 'nora@example.test', password: 'nora password 123', name: 'Nora de Wit' },
  });
  await scene.phoneContext.addInitScript(recordSentMessages);
}, 120_000);

afterEach(async () => {
  restoreLink();
  if (live) await scene.tech.request.post(`${scene.loupe.url}/api/sessions/${live}/end`);
  live = undefined;
});
afterAll(async () => {
  restoreLink();
  await scene?.stop();
});

/** A session through to a flowing picture on the console, recorded from here on. */
async function liveSession(name: string): Promise<Page> {
  const { tech } = scene;
  const { phone, sessionId } = await customerJoins(scene, name);
  live = sessionId;
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
  // The console in front, as the technician's screen: a tab behind is rendered about once a second.
  await tech.bringToFront();
  await recordConsole(tech);
  return phone;
}

/**
 * Cuts the phone's media, waits for what `meanwhile` waits for (and at least
 * `minMs`), restores it; then waits for the picture and for "reconnecting" to
 * end. Returns the moments and what both pages did.
 */
async function cutAndRestore(phone: Page, minMs: number, meanwhile: () => Promise<unknown>) {
  const { tech } = scene;
  const before = await publishingPc(phone);
  const consolePcs = (await mediaOf(tech)).peerConnections;
  cutUdpPorts(await mediaPorts(phone));
  const cutAt = Date.now();
  // The console says so while the picture is gone.
  await waitForRecord(tech, (r) => r.reconnecting.some((c) => c.on && c.at >= cutAt), 20_000, 'console reconnecting');
  await scene.shot(tech, '24-console-reconnecting');
  await meanwhile();
  const left = minMs - (Date.now() - cutAt);
  if (left > 0) await Bun.sleep(left);
  restoreLink();
  const restoredAt = Date.now();
  // No click anywhere: the picture comes back by itself, and "reconnecting" goes.
  await waitForRecord(tech, (r) => r.frames.filter((t) => t > restoredAt).length >= 10, 30_000, 'new frames');
  await tech.locator('[data-testid="live-view"][data-reconnecting="false"][data-status="live"]').waitFor({
    timeout: 10_000,
  });
  return {
    cutAt,
    restoredAt,
    before,
    after: await publishingPc(phone),
    consolePcs,
    record: await consoleRecord(tech),
  };
}

test('the link lost for 3 s: the picture returns on the connections kept, and the console said reconnecting meanwhile', async () => {
  const phone = await liveSession('Washing machine');
  const { cutAt, restoredAt, before, after, consolePcs, record } = await cutAndRestore(phone, 3_000, async () => {});
  // "Reconnecting" came after the cut, and its last word is that it is over.
  const shown = record.reconnecting.filter((c) => c.at >= cutAt);
  expect(shown[0]?.on).toBe(true);
  expect(shown.at(-1)?.on).toBe(false);
  expect(record.frames.some((t) => t > restoredAt)).toBe(true);
  // The phone kept its publishing connection: the same PeerConnection, connected, no new publish.
  expect(before).not.toBeNull();
  expect(after?.index).toBe(before!.index);
  expect(after?.state).toBe('connected');
  expect((await offersSince(phone, cutAt)).publishes).toBe(0);
  // So did the console.
  expect((await mediaOf(scene.tech)).peerConnections).toBe(consolePcs);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 10_000 });
  expect(scene.problems).toEqual([]);
}, 150_000);

test('the link lost until the phone gives its path up: an ICE restart on the same connection brings the picture back', async () => {
  const phone = await liveSession('Dishwasher');
  const { cutAt, restoredAt, before, after, consolePcs, record } = await cutAndRestore(phone, 3_000, () =>
    // The phone's own watch gives up on the path and restarts ICE (it says "reconnecting" itself).
    phone.locator('[data-testid="lens-live"][data-call="reconnecting"]').waitFor({ timeout: 60_000 }),
  );
  const offers = await offersSince(phone, cutAt);
  expect(offers.restarts).toBeGreaterThanOrEqual(1);
  expect(offers.publishes).toBe(0);
  // The same PeerConnection, connected again over a new candidate pair (new ICE credentials).
  expect(before?.pair).toBeTruthy();
  expect(after?.index).toBe(before!.index);
  expect(after?.state).toBe('connected');
  expect(after?.pair).toBeTruthy();
  expect(after?.pair).not.toBe(before!.pair);
  const shown = record.reconnecting.filter((c) => c.at >= cutAt);
  expect(shown[0]?.on).toBe(true);
  expect(shown.at(-1)?.on).toBe(false);
  expect(record.frames.some((t) => t > restoredAt)).toBe(true);
  expect((await mediaOf(scene.tech)).peerConnections).toBe(consolePcs);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 10_000 });
  expect(scene.problems).toEqual([]);
}, 180_000);
