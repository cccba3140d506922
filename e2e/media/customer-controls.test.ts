// The customer's and the technician's controls during a live Lens session, with
// real media inside a private network namespace (scripts/netns.sh; Janus
// gathers no ICE candidates on loopback): the customer mutes, turns the camera
// off, puts the app in the background; the technician mutes; and finally the
// customer's page goes away for good and the session times out. Every claim is
// checked twice: in the DOM (data-testid) and in what WebRTC really does
// (getStats numbers), and at the end in Janus itself (admin API).
//
// The invitation uses the link method (no SMSC) and Loupe runs with short
// presence timings: offline after 5 s, timed out after 12 s.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { audioIn, audioOut, expectFlowing, expectStopped, frames, videoOut, waitForMedia } from './rtc-stats.ts';
import { customerJoins, type Scene, startScene } from './scene.ts';

const TECH = { email: 'tom@example.test', password: 'tom password 123', name: 'Tom Bakker' };
const SESSION_NAME = 'Boiler room';
const RECONNECT_WINDOW_S = 5;
const CUSTOMER_TIMEOUT_S = 12;

let scene: Scene;
let tech: Page;
let phone: Page;
let sessionId: string;
let room: number | undefined;

/** Sets the phone page's visibility as the browser would when the app goes to the background and back. */
function setVisibility(page: Page, state: 'hidden' | 'visible') {
  return page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

const overlay = () => tech.getByTestId('live-overlay');

/** Polls until `check` holds; throws with the last value otherwise. */
async function eventually<T>(
  what: string,
  get: () => Promise<T>,
  check: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await Bun.sleep(250);
  }
}

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: '40100-40199',
    env: {
      LOUPE_RECONNECT_WINDOW_S: String(RECONNECT_WINDOW_S),
      LOUPE_CUSTOMER_TIMEOUT_S: String(CUSTOMER_TIMEOUT_S),
    },
    technician: TECH,
    rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
  });
  tech = scene.tech;

  // A link/PIN invitation (the API, with the console's own cookie); the customer opens the link:
  // tutorial, permission, EULA; the technician picks the session up.
  const joined = await customerJoins(scene, SESSION_NAME);
  ({ sessionId, phone } = joined);
  expect(joined.link).toMatch(/\/l\/[A-Za-z0-9_-]+$/);
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0 && m.audioPacketsReceived > 0, 20_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(phone, (m) => m.audioBytesSent > 0 && m.videoBytesSent > 0 && m.audioPacketsReceived > 20, 20_000);
  const inRoom = (await scene.janus.handles()).filter((h) => h.room !== undefined);
  expect(inRoom.length).toBe(4);
  room = inRoom[0]!.room;
}, 180_000);

afterAll(async () => {
  await scene?.stop();
});

describe('controls during a live Lens session', () => {
  test('the customer mutes: the console shows it, no audio leaves the phone; unmute brings it back', async () => {
    await expect(tech.getByTestId('customer-muted').count()).resolves.toBe(0);
    await expectFlowing(phone, audioOut);

    await phone.getByTestId('lens-mute').click();
    await expect(phone.getByTestId('lens-mute').getAttribute('aria-pressed')).resolves.toBe('true');
    await tech.getByTestId('customer-muted').waitFor({ timeout: 10_000 });
    await expect(tech.getByTestId('customer-muted').textContent()).resolves.toBe('Customer muted');
    // replaceTrack(null): the sender stops, the console receives no more audio packets.
    const muted = await expectStopped(phone, audioOut, 2_000, 750);
    const heard = await expectStopped(tech, audioIn, 1_500);
    // The picture is not affected.
    await expectFlowing(tech, frames);
    await scene.shot(tech, '21-console-customer-muted');

    await phone.getByTestId('lens-mute').click();
    await tech.getByTestId('customer-muted').waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(phone, (m) => m.audioBytesSent > muted.after + 1_000, 10_000);
    await waitForMedia(tech, (m) => m.audioPacketsReceived > heard.after + 20, 10_000);
    await expectFlowing(phone, audioOut);
  }, 60_000);

  test('the customer turns the camera off: the console says so and decodes no frames; on again, frames advance', async () => {
    await phone.getByTestId('lens-camera').click();
    await expect(phone.getByTestId('lens-camera').getAttribute('aria-pressed')).resolves.toBe('true');
    await overlay().filter({ hasText: 'The customer turned their camera off.' }).waitFor({ timeout: 10_000 });
    const stopped = await expectStopped(tech, frames, 2_000, 1_000);
    await expectStopped(phone, videoOut, 1_500);
    // The voice goes on.
    await expectFlowing(tech, audioIn);

    await phone.getByTestId('lens-camera').click();
    await overlay().waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > stopped.after + 10, 15_000);
    await expectFlowing(tech, frames);
  }, 60_000);

  test('the app goes to the background: the console mentions another app, frames stop; back in front, they advance', async () => {
    await setVisibility(phone, 'hidden');
    await overlay().filter({ hasText: 'another app' }).waitFor({ timeout: 10_000 });
    const paused = await expectStopped(tech, frames, 2_000, 1_000);
    await expectStopped(phone, videoOut, 1_500);

    await setVisibility(phone, 'visible');
    await overlay().waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > paused.after + 10, 15_000);
    await expectFlowing(tech, frames);
  }, 60_000);

  test('the technician mutes: the phone says so; unmute takes the note away', async () => {
    await expect(phone.getByTestId('technician-muted').count()).resolves.toBe(0);
    await tech.getByTestId('mute').click();
    await expect(tech.getByTestId('mute').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(tech.getByTestId('mute').textContent()).resolves.toContain('Unmute microphone');
    await phone.getByTestId('technician-muted').waitFor({ timeout: 10_000 });
    await expect(phone.getByTestId('technician-muted').textContent()).resolves.toBe(
      'Your technician muted their microphone.',
    );

    await tech.getByTestId('mute').click();
    await phone.getByTestId('technician-muted').waitFor({ state: 'detached', timeout: 10_000 });
    await expect(tech.getByTestId('mute').getAttribute('aria-pressed')).resolves.toBe('false');
    // The technician's voice still reaches the phone.
    await expectFlowing(phone, audioIn);
  }, 30_000);

  test('the customer’s page closes: dropped, then offline, then timed out; Janus holds nothing any more', async () => {
    const closedAt = Date.now();
    await phone.close();
    await overlay().filter({ hasText: 'connection dropped' }).waitFor({ timeout: 10_000 });
    const dropped = (Date.now() - closedAt) / 1000;
    expect(dropped).toBeLessThan(RECONNECT_WINDOW_S);
    await expectStopped(tech, frames, 1_500, 1_000);

    await overlay()
      .filter({ hasText: 'The customer is offline.' })
      .waitFor({ timeout: (RECONNECT_WINDOW_S + 5) * 1000 });
    // Not before the reconnect window has passed.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(RECONNECT_WINDOW_S * 1000 - 1_000);
    // The session list says so too, and the countdown is in seconds this close to the end.
    await tech
      .locator(`[data-testid="session-row"][data-session-id="${sessionId}"] [data-testid="customer-away"]`, {
        hasText: 'Customer offline',
      })
      .waitFor({ timeout: 5_000 });
    expect(await overlay().innerText()).toMatch(/ends in \d+ s unless/);
    await tech.evaluate(() => window.scrollTo(0, 0));
    await scene.shot(tech, '22-console-customer-offline');

    // The housekeeping timer (every 5 s) ends the session after the customer timeout.
    const row = tech.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
    await row.waitFor({ state: 'detached', timeout: (CUSTOMER_TIMEOUT_S + 15) * 1000 });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(CUSTOMER_TIMEOUT_S * 1000 - 1_000);
    await tech.getByTestId('live-view').waitFor({ state: 'detached', timeout: 5_000 });
    await tech
      .locator(`[data-testid="history-row"][data-session-id="${sessionId}"][data-state="timed_out"]`)
      .waitFor({ state: 'attached', timeout: 5_000 });

    // Janus: no plugin handle in any room, and the room itself is gone.
    const inRooms = await eventually(
      'no Janus handle in a room',
      async () => (await scene.janus.handles()).filter((h) => h.room !== undefined),
      (hs) => hs.length === 0,
      10_000,
    );
    expect(inRooms).toEqual([]);
    expect(room).toBeDefined();
    expect(await scene.janus.roomExists(room!)).toBe(false);
    expect(scene.problems).toEqual([]);
  }, 60_000);
});
