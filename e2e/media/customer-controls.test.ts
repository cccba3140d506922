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
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, startLoupe, type LoupeProcess } from '../loupe-process.ts';
import { JanusAdmin } from './janus-admin.ts';
import { mediaOf, recordPeerConnections, waitForMedia, type PageMedia } from './rtc-stats.ts';

const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });
const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };
const TECH = { email: 'tom@example.test', password: 'tom password 123', name: 'Tom Bakker' };
const SESSION_NAME = 'Boiler room';
const PHONE_DEVICE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};
const RECONNECT_WINDOW_S = 5;
const CUSTOMER_TIMEOUT_S = 12;

let loupe: LoupeProcess;
let janus: JanusAdmin;
let browser: Browser;
let tech: Page;
let phoneContext: BrowserContext;
let phone: Page;
let sessionId: string;
let room: number | undefined;
const problems: string[] = [];

function watch(page: Page, label: string) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404|409)/.test(m.text()))
      problems.push(`${label} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${label} pageerror: ${e.message}`));
}
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

async function api(path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${loupe.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * One getStats number sampled twice, `ms` apart (after `settleMs` for packets
 * and frames already in flight when a control changed).
 */
async function sample(
  page: Page,
  pick: (m: PageMedia) => number,
  ms = 1_500,
  settleMs = 0,
): Promise<{ before: number; after: number }> {
  if (settleMs) await page.waitForTimeout(settleMs);
  const before = pick(await mediaOf(page));
  await page.waitForTimeout(ms);
  return { before, after: pick(await mediaOf(page)) };
}
const frames = (m: PageMedia) => m.framesDecoded;
const audioOut = (m: PageMedia) => m.audioBytesSent;
const videoOut = (m: PageMedia) => m.videoBytesSent;
const audioIn = (m: PageMedia) => m.audioPacketsReceived;

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
  if (!process.env.LOUPE_TEST_NETNS)
    throw new Error('Run media tests inside a network namespace: scripts/netns.sh bun test e2e/media');
  loupe = await startLoupe({
    LOUPE_ADMIN_EMAIL: ADMIN.email,
    LOUPE_ADMIN_PASSWORD: ADMIN.password,
    LOUPE_ICE_INTERFACE: process.env.LOUPE_TEST_NETNS,
    LOUPE_JANUS_ADMIN_API: 'true',
    LOUPE_RTP_PORTS: '40100-40199',
    LOUPE_RECONNECT_WINDOW_S: String(RECONNECT_WINDOW_S),
    LOUPE_CUSTOMER_TIMEOUT_S: String(CUSTOMER_TIMEOUT_S),
  });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
  janus = JanusAdmin.of(loupe.dataDir);
  const admin = (await api('/api/auth/login', ADMIN)).headers.getSetCookie()[0]!.split(';')[0]!;
  const group = (await (
    await api(
      '/api/groups',
      {
        name: 'Service desk',
        rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
      },
      admin,
    )
  ).json()) as { id: string };
  await api('/api/technicians', { ...TECH, groupId: group.id }, admin);

  browser = await chromium.launch({
    ...CHROMIUM,
    args: [...CHROMIUM.args, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: loupe.url });
  await techContext.addInitScript(recordPeerConnections);
  tech = await techContext.newPage();
  watch(tech, 'console');
  phoneContext = await browser.newContext(PHONE_DEVICE);
  await phoneContext.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
  await phoneContext.addInitScript(recordPeerConnections);

  // The technician signs in and makes a link/PIN invitation (the API, with the console's own cookie).
  await tech.goto(`${loupe.url}/login`);
  await tech.getByLabel('Email').fill(TECH.email);
  await tech.getByLabel('Password').fill(TECH.password);
  await tech.getByRole('button', { name: 'Sign in' }).click();
  await tech.waitForURL('**/console');
  const created = await tech.request.post(`${loupe.url}/api/sessions`, {
    data: { type: 'lens', name: SESSION_NAME, method: 'link', language: 'en' },
  });
  expect(created.status()).toBe(201);
  const session = (await created.json()) as { id: string; link: string };
  sessionId = session.id;
  expect(session.link).toMatch(/\/l\/[A-Za-z0-9_-]+$/);

  // The customer opens the link: tutorial, permission, EULA.
  phone = await phoneContext.newPage();
  watch(phone, 'phone');
  await phone.goto(session.link);
  await phone.getByTestId('tutorial-ok').click();
  await phone.getByTestId('permission-allow').click();
  await phone.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]')?.videoWidth ?? 0) > 0,
    null,
    { timeout: 15_000 },
  );
  await phone.getByTestId('permission-continue').click();
  await phone.getByTestId('eula-accept').click();
  await phone.getByTestId('lens-waiting').waitFor({ timeout: 15_000 });

  // The technician picks the session up.
  await tech.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`).click({ timeout: 15_000 });
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0 && m.audioPacketsReceived > 0, 20_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(phone, (m) => m.audioBytesSent > 0 && m.videoBytesSent > 0 && m.audioPacketsReceived > 20, 20_000);
  const inRoom = (await janus.handles()).filter((h) => h.room !== undefined);
  expect(inRoom.length).toBe(4);
  room = inRoom[0]!.room;
}, 180_000);

afterAll(async () => {
  if (process.env.LOUPE_TEST_DEBUG)
    for (const l of loupe?.logs ?? [])
      if (l.level !== 'info' || /media|Janus|session/i.test(String(l.msg)))
        console.log(JSON.stringify(l).slice(0, 400));
  await browser?.close();
  await loupe?.stop();
});

describe('controls during a live Lens session', () => {
  test('the customer mutes: the console shows it, no audio leaves the phone; unmute brings it back', async () => {
    await expect(tech.getByTestId('customer-muted').count()).resolves.toBe(0);
    const flowing = await sample(phone, audioOut);
    expect(flowing.after).toBeGreaterThan(flowing.before);

    await phone.getByTestId('lens-mute').click();
    await expect(phone.getByTestId('lens-mute').getAttribute('aria-pressed')).resolves.toBe('true');
    await tech.getByTestId('customer-muted').waitFor({ timeout: 10_000 });
    await expect(tech.getByTestId('customer-muted').textContent()).resolves.toBe('Customer muted');
    // replaceTrack(null): the sender stops, the console receives no more audio packets.
    const muted = await sample(phone, audioOut, 2_000, 750);
    expect(muted.after).toBe(muted.before);
    const heard = await sample(tech, audioIn, 1_500);
    expect(heard.after).toBe(heard.before);
    // The picture is not affected.
    const picture = await sample(tech, frames);
    expect(picture.after).toBeGreaterThan(picture.before);
    await shot(tech, '21-console-customer-muted');

    await phone.getByTestId('lens-mute').click();
    await tech.getByTestId('customer-muted').waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(phone, (m) => m.audioBytesSent > muted.after + 1_000, 10_000);
    await waitForMedia(tech, (m) => m.audioPacketsReceived > heard.after + 20, 10_000);
    const again = await sample(phone, audioOut);
    expect(again.after).toBeGreaterThan(again.before);
  }, 60_000);

  test('the customer turns the camera off: the console says so and decodes no frames; on again, frames advance', async () => {
    await phone.getByTestId('lens-camera').click();
    await expect(phone.getByTestId('lens-camera').getAttribute('aria-pressed')).resolves.toBe('true');
    await overlay().filter({ hasText: 'The customer turned their camera off.' }).waitFor({ timeout: 10_000 });
    const stopped = await sample(tech, frames, 2_000, 1_000);
    expect(stopped.after).toBe(stopped.before);
    const sent = await sample(phone, videoOut, 1_500);
    expect(sent.after).toBe(sent.before);
    // The voice goes on.
    const voice = await sample(tech, audioIn);
    expect(voice.after).toBeGreaterThan(voice.before);

    await phone.getByTestId('lens-camera').click();
    await overlay().waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > stopped.after + 10, 15_000);
    const moving = await sample(tech, frames);
    expect(moving.after).toBeGreaterThan(moving.before);
  }, 60_000);

  test('the app goes to the background: the console mentions another app, frames stop; back in front, they advance', async () => {
    await setVisibility(phone, 'hidden');
    await overlay().filter({ hasText: 'another app' }).waitFor({ timeout: 10_000 });
    const paused = await sample(tech, frames, 2_000, 1_000);
    expect(paused.after).toBe(paused.before);
    const sent = await sample(phone, videoOut, 1_500);
    expect(sent.after).toBe(sent.before);

    await setVisibility(phone, 'visible');
    await overlay().waitFor({ state: 'detached', timeout: 10_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > paused.after + 10, 15_000);
    const moving = await sample(tech, frames);
    expect(moving.after).toBeGreaterThan(moving.before);
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
    const heard = await sample(phone, audioIn);
    expect(heard.after).toBeGreaterThan(heard.before);
  }, 30_000);

  test('the customer’s page closes: dropped, then offline, then timed out; Janus holds nothing any more', async () => {
    const closedAt = Date.now();
    await phone.close();
    await overlay().filter({ hasText: 'connection dropped' }).waitFor({ timeout: 10_000 });
    const dropped = (Date.now() - closedAt) / 1000;
    expect(dropped).toBeLessThan(RECONNECT_WINDOW_S);
    const stalled = await sample(tech, frames, 1_500, 1_000);
    expect(stalled.after).toBe(stalled.before);

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
    await shot(tech, '22-console-customer-offline');

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
      async () => (await janus.handles()).filter((h) => h.room !== undefined),
      (hs) => hs.length === 0,
      10_000,
    );
    expect(inRooms).toEqual([]);
    expect(room).toBeDefined();
    expect(await janus.roomExists(room!)).toBe(false);
    expect(problems).toEqual([]);
  }, 60_000);
});
