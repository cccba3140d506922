// The live tools with Firefox as the customer's phone, where they depend on
// the browser: Firefox has no ImageCapture (a snapshot is a frame of the
// track, drawn onto a canvas) and its camera reports no torch (the console
// shows no torch control). Firefox ESR (Debian's firefox-esr) is driven by
// puppeteer-core over WebDriver BiDi with its own fake camera; the
// technician's console is Chromium (Playwright), inside the network namespace
// (scripts/netns.sh, whose default route Firefox needs to gather any ICE
// candidate at all).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from 'puppeteer-core';
import { pictureRect, pointOf } from './marker-finder.ts';
import { waitForMedia } from './rtc-stats.ts';
import { type Scene, startScene } from './scene.ts';
import { consolePoint, eventually, holdsStill, pickTool } from './tools-scene.ts';

const TECH = { email: 'fenna@example.test', password: 'fenna password 123', name: 'Fenna Smit' };
const FIREFOX = '/usr/bin/firefox-esr';

let scene: Scene;
let tech: Page;
let firefox: FirefoxBrowser;
let phone: FirefoxPage;
let sessionId: string;
const phoneErrors: string[] = [];

const clickWhenVisible = async (selector: string, timeout = 20_000) => {
  await phone.waitForSelector(selector, { visible: true, timeout });
  await phone.click(selector);
};

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: '40800-40899',
    technician: TECH,
    rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
  });
  tech = scene.tech;
  firefox = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
  });
  phone = await firefox.newPage();
  await phone.setViewport({ width: 390, height: 844 });
  phone.on('pageerror', (e) => phoneErrors.push(String(e)));

  const created = await tech.request.post(`${scene.loupe.url}/api/sessions`, {
    data: { type: 'lens', name: 'Attic', method: 'link', language: 'en' },
  });
  expect(created.status()).toBe(201);
  const session = (await created.json()) as { id: string; link: string };
  sessionId = session.id;
  await phone.goto(session.link);
  await clickWhenVisible('[data-testid="tutorial-ok"]');
  await clickWhenVisible('[data-testid="permission-allow"]');
  await phone.waitForFunction(
    () =>
      (document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"], video[data-lens-preview]')?.videoWidth ??
        0) > 0,
    { timeout: 20_000 },
  );
  await clickWhenVisible('[data-testid="permission-continue"]');
  await clickWhenVisible('[data-testid="eula-accept"]');
  await phone.waitForSelector('[data-testid="lens-waiting"]', { timeout: 20_000 });

  await tech.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`).click({ timeout: 15_000 });
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
  await phone.waitForSelector('[data-testid="lens-live"]', { timeout: 20_000 });
  await phone.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('video[data-lens-preview]')?.videoWidth ?? 0) > 0,
    { timeout: 20_000 },
  );
}, 180_000);

// Firefox takes 2 s to shut down on a quiet machine and more on a busy one
// (bun's default 5 s hook limit failed CI twice): give it 15 s, then end the
// process it started.
const closeFirefox = async () => {
  if (!firefox) return;
  const closed = firefox.close().then(
    () => true,
    () => false,
  );
  const inTime = await Promise.race([closed, Bun.sleep(15_000).then(() => false)]);
  if (!inTime) firefox.process()?.kill('SIGKILL');
};

afterAll(async () => {
  await closeFirefox();
  await scene?.stop();
}, 60_000);

describe('Firefox as the phone', () => {
  test('the phone is Firefox: no ImageCapture, no torch in its camera', async () => {
    const facts = await phone.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('video[data-lens-preview]')!;
      const track = (v.srcObject as MediaStream).getVideoTracks()[0]!;
      const caps = (track.getCapabilities?.() ?? {}) as Record<string, unknown>;
      return { ua: navigator.userAgent, imageCapture: 'ImageCapture' in window, torch: 'torch' in caps };
    });
    expect(facts.ua).toContain('Firefox/');
    expect(facts.imageCapture).toBe(false);
    expect(facts.torch).toBe(false);
  });

  test('the console shows no torch control, and its other camera controls', async () => {
    await tech.locator('button[data-tool="snapshot"]').waitFor({ timeout: 15_000 });
    // The phone's camera report has come once the zoom slider or the tool bar settles; give it a moment.
    await tech.waitForTimeout(1_000);
    expect(await tech.locator('button[data-tool="torch"]').count()).toBe(0);
    expect(await tech.locator('button[data-tool="freeze"]').count()).toBe(1);
  });

  test("a snapshot is a frame of the track, at the track's own size, and its bytes hash to its sha256", async () => {
    const track = await phone.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('video[data-lens-preview]')!;
      const s = (v.srcObject as MediaStream).getVideoTracks()[0]!.getSettings();
      return { width: s.width ?? v.videoWidth, height: s.height ?? v.videoHeight };
    });
    await tech.locator('button[data-tool="snapshot"]').click();
    const item = tech.locator('[data-gallery] [data-snapshot-id]').first();
    await item.waitFor({ timeout: 20_000 });
    const id = (await item.getAttribute('data-snapshot-id'))!;
    type View = { id: string; width: number; height: number; sha256: string; bytes: number };
    const view = await eventually(
      'the snapshot',
      async () => {
        const res = await tech.request.get(`${scene.loupe.url}/api/sessions/${sessionId}/snapshots`);
        const body = (await res.json()) as { snapshots?: View[] } | View[];
        return (Array.isArray(body) ? body : (body.snapshots ?? [])).find((s) => s.id === id);
      },
      (v) => v !== undefined,
    );
    expect([view!.width, view!.height]).toEqual([track.width, track.height]);
    const bytes = await (await tech.request.get(`${scene.loupe.url}/api/snapshots/${id}`)).body();
    expect(bytes.length).toBe(view!.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(view!.sha256);
  }, 60_000);

  test("the technician's pointer shows on Firefox's overlay over the same spot of the frame", async () => {
    await pickTool(tech, 'pointer');
    const spot = [0.5, 0.5] as const;
    const target = await consolePoint(tech, spot);
    await tech.mouse.move(target.x - 20, target.y);
    await tech.mouse.move(target.x, target.y, { steps: 4 });
    const expected = await phone.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('video[data-lens-preview]')!;
      const r = v.getBoundingClientRect();
      return { left: r.left, top: r.top, width: r.width, height: r.height, vw: v.videoWidth, vh: v.videoHeight };
    });
    const there = pointOf(pictureRect(expected, { width: expected.vw, height: expected.vh }, 'cover'), spot);
    // The pointer moved there in steps: wait until the mark holds still (an earlier step may be drawn first).
    const mark = await eventually(
      'the pointer on the Firefox phone, holding still',
      () =>
        phone.evaluate(() => {
          const c = document.querySelector<HTMLCanvasElement>('canvas[data-lens-overlay]');
          if (!c) return null;
          const r = c.getBoundingClientRect();
          const w = Math.round(r.width);
          const h = Math.round(r.height);
          const copy = document.createElement('canvas');
          copy.width = w;
          copy.height = h;
          const ctx = copy.getContext('2d')!;
          ctx.drawImage(c, 0, 0, w, h);
          const d = ctx.getImageData(0, 0, w, h).data;
          let minX = Infinity;
          let maxX = -Infinity;
          let minY = Infinity;
          let maxY = -Infinity;
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++)
              if (d[(y * w + x) * 4 + 3]! >= 48) {
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x + 1);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y + 1);
              }
          return Number.isFinite(minX) ? { x: r.left + (minX + maxX) / 2, y: r.top + (minY + maxY) / 2 } : null;
        }),
      holdsStill((m: { x: number; y: number }) => m),
    );
    expect(Math.abs(mark!.x - there.x)).toBeLessThanOrEqual(4);
    expect(Math.abs(mark!.y - there.y)).toBeLessThanOrEqual(4);
  }, 30_000);

  test('chat from Firefox reaches the console', async () => {
    if (
      !(await phone
        .$eval('textarea[data-chat-input]', (e) => (e as HTMLElement).offsetParent !== null)
        .catch(() => false))
    )
      await clickWhenVisible('button[data-chat-toggle]');
    await phone.type('textarea[data-chat-input]', 'Sent from Firefox');
    await phone.click('button[data-chat-send]');
    await tech
      .locator('[data-chat-message][data-from="customer"]', { hasText: 'Sent from Firefox' })
      .waitFor({ timeout: 10_000 });
  }, 30_000);

  test('no page reported an error', () => {
    expect(scene.problems).toEqual([]);
    expect(phoneErrors).toEqual([]);
  });
});
