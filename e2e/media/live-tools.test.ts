// The live tools end to end, with real media inside a private network
// namespace (scripts/netns.sh): the phone (Chromium, 390×844) films the
// marker camera (marker-camera.ts: 1920×1080, coloured squares at known
// fractions of the frame); the technician's console window is shaped so the
// picture is letterboxed. Everything is driven through the UI selector
// contract (docs/tools.md, the brief's list) and checked in what the pages
// show: a screenshot of the phone for where a marker is, the pixels of
// canvas[data-lens-overlay] for where the technician's mark is, the bytes the
// server answers for a snapshot. No test hook in the product.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { shot } from '../helpers.ts';
import type { Marker } from './marker-camera.ts';
import { colourBlob, decodeImage, FIND, pictureRect } from './marker-finder.ts';
import {
  CONSOLE_VIDEO,
  consolePoint,
  eventually,
  holdsStill,
  markerOnScreen,
  middleOf,
  overlayMark,
  phonePoint,
  pickTool,
  startLiveWithMarkers,
  type ToolsScene,
} from './tools-scene.ts';

const TECH = { email: 'iris@example.test', password: 'iris password 123', name: 'Iris Jansen' };
/** Taller than wide: the 16:9 picture has bars above and below in the console (object-fit: contain). */
const CONSOLE_VIEWPORT = { width: 1000, height: 1000 };
/** "Within a few pixels", CSS pixels on the phone. */
const TOLERANCE_PX = 4;

let scene: ToolsScene;
let tech: Page;
let phone: Page;

const marker = (name: string): Marker => scene.camera.markers.find((m) => m.name === name)!;
const at = (m: Marker) => [m.x, m.y] as const;

/**
 * Marker `m` in a screenshot of `page`, looked for within a marker's width or
 * two (at least 30 CSS pixels) of where `expected` says: controls of a like
 * colour elsewhere on the page are left out, and a marker that shows further
 * away is not found (null).
 */
async function markerNear(page: Page, m: Marker, expected: { x: number; y: number; video: { width: number } }) {
  const r = Math.max(30, (2 * m.size * expected.video.width) / scene.camera.width);
  return markerOnScreen(page, scene.lab, m.name as keyof typeof FIND, { x: expected.x, y: expected.y, r });
}

type SnapshotView = {
  id: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  contentType: string;
  annotated: boolean;
  sourceId: string | null;
  frozen: boolean;
};

async function snapshots(): Promise<SnapshotView[]> {
  const res = await tech.request.get(`${scene.loupe.url}/api/sessions/${scene.sessionId}/snapshots`);
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { snapshots?: SnapshotView[] } | SnapshotView[];
  return Array.isArray(body) ? body : (body.snapshots ?? []);
}

/** The technician clicks Snapshot; the gallery shows one more photo (not an annotated copy): its id. */
async function takeSnapshot(): Promise<string> {
  const items = tech.locator('[data-gallery] [data-snapshot-id]');
  const idsNow = () => items.evaluateAll((els) => els.map((e) => e.getAttribute('data-snapshot-id')!));
  const before = new Set(await idsNow());
  await tech.locator('button[data-tool="snapshot"]').click();
  const ids = await eventually(
    'a new photo in the gallery',
    async () => (await idsNow()).filter((id) => !before.has(id)),
    (fresh) => fresh.length > 0,
    20_000,
  );
  const annotated = new Set((await snapshots()).filter((s) => s.annotated).map((s) => s.id));
  return ids.find((id) => !annotated.has(id))!;
}

/** The pointer off the picture (the console sends `at: null`), so only strokes are on the phone's overlay. */
async function pointerAway() {
  const video = await consolePoint(tech, [0, 0]);
  await tech.mouse.move(Math.max(1, video.video.left - 5), Math.max(1, video.video.top - 5));
}

beforeAll(async () => {
  scene = await startLiveWithMarkers({ rtpPorts: '40700-40799', technician: TECH, consoleViewport: CONSOLE_VIEWPORT });
  ({ tech, phone } = scene);
}, 180_000);

afterAll(async () => {
  await scene?.stop();
});

describe('pointing and drawing land on the same spot of the picture on both sides', () => {
  test('the console letterboxes the picture; every marker is where the frame fraction says, on both screens', async () => {
    const { video } = await consolePoint(tech, [0, 0]);
    const picture = pictureRect(video, { width: video.videoWidth, height: video.videoHeight }, 'contain');
    // Bars: the picture is narrower or shorter than the element by more than a rounding.
    expect(Math.max(video.width - picture.width, video.height - picture.height)).toBeGreaterThan(20);
    expect(video.videoWidth / video.videoHeight).toBeCloseTo(16 / 9, 1);
    for (const m of scene.camera.markers) {
      const expected = await consolePoint(tech, at(m));
      const onConsole = (await markerNear(tech, m, expected))!;
      expect(onConsole).not.toBeNull();
      expect(Math.abs(onConsole.x - expected.x)).toBeLessThanOrEqual(TOLERANCE_PX);
      expect(Math.abs(onConsole.y - expected.y)).toBeLessThanOrEqual(TOLERANCE_PX);
      const there = await phonePoint(phone, at(m));
      const onPhone = (await markerNear(phone, m, there))!;
      expect(onPhone).not.toBeNull();
      expect(Math.abs(onPhone.x - there.x)).toBeLessThanOrEqual(TOLERANCE_PX);
      expect(Math.abs(onPhone.y - there.y)).toBeLessThanOrEqual(TOLERANCE_PX);
    }
  }, 60_000);

  test('the pointer over the magenta marker on the console shows over the magenta marker on the phone', async () => {
    await pickTool(tech, 'pointer');
    const m = marker('magenta');
    const target = await consolePoint(tech, at(m));
    await tech.mouse.move(target.x - 30, target.y - 30);
    await tech.mouse.move(target.x, target.y, { steps: 5 });
    const onPhone = (await markerNear(phone, m, await phonePoint(phone, at(m))))!;
    expect(onPhone).not.toBeNull();
    const mark = await eventually(
      'the pointer on the phone, holding still',
      () => overlayMark(phone, { x: onPhone.x, y: onPhone.y, r: 80 }),
      holdsStill(),
    );
    await shot(phone, 'tools-phone-pointer');
    await shot(tech, 'tools-console-pointer');
    const spot = middleOf(mark!);
    expect(Math.abs(spot.x - onPhone.x)).toBeLessThanOrEqual(TOLERANCE_PX);
    expect(Math.abs(spot.y - onPhone.y)).toBeLessThanOrEqual(TOLERANCE_PX);
  }, 30_000);

  test('a line drawn across the cyan marker on the console is drawn across the cyan marker on the phone', async () => {
    await pickTool(tech, 'draw');
    expect(await tech.locator('button[data-tool="draw"]').getAttribute('aria-pressed')).toBe('true');
    const m = marker('cyan');
    const target = await consolePoint(tech, at(m));
    // Where the marker shows on the phone, found before drawing: a line on live video fades in seconds.
    const onPhone = (await markerNear(phone, m, await phonePoint(phone, at(m))))!;
    expect(onPhone).not.toBeNull();
    // A horizontal line through the marker's centre, the same length either side.
    await tech.mouse.move(target.x - 40, target.y);
    await tech.mouse.down();
    for (let dx = -40; dx <= 40; dx += 5) await tech.mouse.move(target.x + dx, target.y);
    await tech.mouse.up();
    await pointerAway();
    // Its length on the phone: the same fraction of the frame's width (80 console pixels of the
    // letterboxed picture) on the phone's cropped picture, plus the line's own width at its ends.
    const frame = { width: target.video.videoWidth, height: target.video.videoHeight };
    const onConsoleWidth = pictureRect(target.video, frame, 'contain').width;
    const preview = (await phonePoint(phone, at(m))).video;
    const previewFrame = { width: preview.videoWidth, height: preview.videoHeight };
    const length = (80 / onConsoleWidth) * pictureRect(preview, previewFrame, 'cover').width;
    const mark = await eventually(
      'the whole line (and no pointer) on the phone',
      () => overlayMark(phone, { x: onPhone.x, y: onPhone.y, r: length }),
      (b) => b !== null && b.maxX - b.minX >= length - TOLERANCE_PX && b.maxY - b.minY < length / 3,
    ).finally(() => shot(phone, 'tools-phone-line'));
    const spot = middleOf(mark!);
    expect(Math.abs(spot.x - onPhone.x)).toBeLessThanOrEqual(TOLERANCE_PX);
    expect(Math.abs(spot.y - onPhone.y)).toBeLessThanOrEqual(TOLERANCE_PX);
    expect(mark!.maxX - mark!.minX).toBeLessThanOrEqual(length + 16);
  }, 30_000);
});

describe('snapshots', () => {
  test("a snapshot is the camera's full 1920×1080 frame, whatever the stream sends, and its bytes hash to its sha256", async () => {
    const sent = await tech
      .locator(CONSOLE_VIDEO)
      .evaluate((v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);
    const id = await takeSnapshot();
    const view = await eventually(
      'the snapshot in the list',
      async () => (await snapshots()).find((s) => s.id === id),
      (s) => s !== undefined,
    );
    expect(view).toMatchObject({ width: 1920, height: 1080, annotated: false, frozen: false, sourceId: null });
    const res = await tech.request.get(`${scene.loupe.url}/api/snapshots/${id}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe(view!.contentType);
    const bytes = await res.body();
    expect(bytes.length).toBe(view!.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(view!.sha256);
    // The photo itself: 1920×1080 and the markers at their fractions of it (no crop, no rotation).
    const photo = await decodeImage(scene.lab, bytes, { width: 960, height: 540 });
    expect([photo.naturalWidth, photo.naturalHeight]).toEqual([1920, 1080]);
    for (const m of scene.camera.markers) {
      const blob = colourBlob(photo, FIND[m.name as keyof typeof FIND])!;
      expect(blob).not.toBeNull();
      expect(Math.abs(blob.x - m.x * 960)).toBeLessThanOrEqual(3);
      expect(Math.abs(blob.y - m.y * 540)).toBeLessThanOrEqual(3);
    }
    // The gallery shows it.
    await tech.waitForFunction(
      (sel) => (document.querySelector<HTMLImageElement>(sel)?.naturalWidth ?? 0) > 0,
      `[data-gallery] [data-snapshot-id="${id}"] img`,
    );
    expect(await tech.locator(`[data-gallery] [data-snapshot-id="${id}"] a[href]`).count()).toBeGreaterThan(0);
    console.log(`snapshot ${view!.width}×${view!.height}; the console's stream was ${sent.join('×')}`);
  }, 60_000);

  test('frozen: the phone shows the still; a line drawn on it and a snapshot give the frozen photo and an annotated copy of it', async () => {
    await pickTool(tech, 'freeze');
    expect(await tech.locator('button[data-tool="freeze"]').getAttribute('aria-pressed')).toBe('true');
    await phone.locator('[data-lens-frozen]').waitFor({ state: 'visible', timeout: 10_000 });
    await phone.locator('[data-lens-notice="frozen"]').waitFor({ state: 'visible', timeout: 10_000 });

    await pickTool(tech, 'draw');
    const m = marker('orange');
    const target = await consolePoint(tech, at(m));
    await tech.mouse.move(target.x - 30, target.y - 30);
    await tech.mouse.down();
    for (let d = -30; d <= 30; d += 5) await tech.mouse.move(target.x + d, target.y + d);
    await tech.mouse.up();
    await pointerAway();
    await shot(phone, 'tools-phone-frozen');

    const id = await takeSnapshot();
    const original = await eventually(
      'the frozen snapshot',
      async () => (await snapshots()).find((s) => s.id === id),
      (s) => s !== undefined,
    );
    expect(original).toMatchObject({ frozen: true, annotated: false, width: 1920, height: 1080 });
    const annotated = await eventually(
      'its annotated copy',
      async () => (await snapshots()).find((s) => s.annotated && s.sourceId === id),
      (s) => s !== undefined,
      20_000,
    );
    expect([annotated!.width, annotated!.height]).toEqual([original!.width, original!.height]);
    // The copy differs from the photo where the line is, over the orange marker, and hardly elsewhere.
    const get = async (sid: string) =>
      decodeImage(scene.lab, await (await tech.request.get(`${scene.loupe.url}/api/snapshots/${sid}`)).body(), {
        width: 480,
        height: 270,
      });
    const [a, b] = [await get(id), await get(annotated!.id)];
    let near = 0;
    let far = 0;
    for (let y = 0; y < 270; y++)
      for (let x = 0; x < 480; x++) {
        const i = (y * 480 + x) * 4;
        const d =
          Math.abs(a.rgba[i]! - b.rgba[i]!) +
          Math.abs(a.rgba[i + 1]! - b.rgba[i + 1]!) +
          Math.abs(a.rgba[i + 2]! - b.rgba[i + 2]!);
        if (d < 90) continue;
        if (Math.hypot(x - m.x * 480, y - m.y * 270) < 40) near++;
        else far++;
      }
    expect(near).toBeGreaterThan(15);
    expect(far).toBeLessThan(near);

    await pickTool(tech, 'freeze');
    expect(await tech.locator('button[data-tool="freeze"]').getAttribute('aria-pressed')).toBe('false');
    await phone.locator('[data-lens-frozen]').waitFor({ state: 'hidden', timeout: 10_000 });
  }, 90_000);
});

describe('chat', () => {
  const chatOf = (page: Page) => page.locator('[data-chat]');
  const messagesOf = (page: Page) =>
    page
      .locator('[data-chat] [data-chat-message]')
      .evaluateAll((els) => els.map((e) => ({ from: e.getAttribute('data-from'), text: e.textContent ?? '' })));

  /** Opens the phone's chat if it is closed (the toggle carries the unread count). */
  async function openPhoneChat() {
    if (await phone.locator('textarea[data-chat-input]').isVisible()) return;
    await phone.locator('button[data-chat-toggle]').click();
    await phone.locator('textarea[data-chat-input]').waitFor({ state: 'visible' });
  }

  const XSS = '<img src=x onerror=alert(1)>';
  let dialogs = 0;

  test('both ways: Enter sends from the console, Shift+Enter is a new line; the phone counts it unread and answers with Send', async () => {
    tech.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    phone.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const input = chatOf(tech).locator('textarea[data-chat-input]');
    await input.fill('Can you point the camera at the fuse box?');
    await input.press('Enter');
    await expect(input.inputValue()).resolves.toBe('');
    await tech.locator('[data-chat-message][data-from="technician"]').first().waitFor();

    // Closed on the phone: the toggle shows one unread.
    if (!(await phone.locator('textarea[data-chat-input]').isVisible()))
      await eventually(
        'the unread count',
        () => phone.locator('button[data-chat-toggle]').innerText(),
        (t) => /\b1\b/.test(t),
      );
    await openPhoneChat();
    await phone.locator('[data-chat-message][data-from="technician"]').first().waitFor();
    await phone.locator('textarea[data-chat-input]').fill('Like this?');
    await phone.locator('button[data-chat-send]').click();
    await tech.locator('[data-chat-message][data-from="customer"]').first().waitFor({ timeout: 10_000 });

    await input.click();
    await input.type('First line');
    await input.press('Shift+Enter');
    await input.type('second line');
    expect(await input.inputValue()).toBe('First line\nsecond line');
    await input.press('Enter');
    await eventually(
      'three messages on the phone',
      () => messagesOf(phone),
      (l) => l.length === 3,
    );
    expect(await messagesOf(phone)).toEqual([
      { from: 'technician', text: expect.stringContaining('Can you point the camera at the fuse box?') },
      { from: 'customer', text: expect.stringContaining('Like this?') },
      { from: 'technician', text: expect.stringMatching(/First line\s*\n?\s*second line/) },
    ]);
  }, 60_000);

  test('markup in a message is shown as text on both sides: no img element, no script run', async () => {
    await chatOf(tech).locator('textarea[data-chat-input]').fill(XSS);
    await chatOf(tech).locator('textarea[data-chat-input]').press('Enter');
    for (const page of [tech, phone]) {
      const list = await eventually(
        'the markup message',
        () => messagesOf(page),
        (l) => l.length === 4,
      );
      // The message's own text (a name and a time may stand beside it) is the markup, as characters.
      expect(list[3]!.text).toContain(XSS);
      expect(await page.locator('[data-chat] img').count()).toBe(0);
    }
    await phone.waitForTimeout(500);
    expect(dialogs).toBe(0);
  }, 30_000);

  test('a reload of either side shows the conversation again, in order', async () => {
    const before = await messagesOf(tech);
    const phoneBefore = await messagesOf(phone);
    // As live-session.test.ts: after a reload the customer allows the camera once more.
    await phone.reload();
    await phone.getByTestId('permission-allow').click();
    await phone
      .getByTestId('permission-continue')
      .click({ timeout: 5_000 })
      .catch(() => {});
    await phone.locator('[data-testid="lens-live"]').waitFor({ timeout: 20_000 });
    await openPhoneChat();
    await eventually(
      'the phone transcript',
      () => messagesOf(phone),
      (l) => l.length === 4,
    );
    expect(await messagesOf(phone)).toEqual(phoneBefore);

    await tech.reload();
    if (
      !(await chatOf(tech)
        .isVisible()
        .catch(() => false))
    )
      await tech
        .locator(`[data-testid="session-row"][data-session-id="${scene.sessionId}"]`)
        .click({ timeout: 15_000 });
    await eventually(
      'the console transcript',
      () => messagesOf(tech),
      (l) => l.length === 4,
    );
    expect(await messagesOf(tech)).toEqual(before);
    expect(await tech.locator('[data-chat] img').count()).toBe(0);
    expect(await phone.locator('[data-chat] img').count()).toBe(0);
    expect(dialogs).toBe(0);
  }, 60_000);
});

test('no page reported an error', () => {
  expect(scene.problems).toEqual([]);
});
