// The live tools' cast, on top of scene.ts: the phone's camera is the marker
// camera (marker-camera.ts), the session is taken live (customer joins,
// technician clicks Start, both sides show the picture), and a blank page in
// the technician's browser decodes pictures for the finder. Then the moves
// the tests make through the UI selector contract: pick a tool, point at a
// frame fraction on the console, find a marker and the technician's mark on
// the phone.
import type { Browser, Page } from 'playwright-core';
import { launchWithFakeCamera, type Technician } from '../helpers.ts';
import { type CameraScene, LANDSCAPE, markerCameraFile } from './marker-camera.ts';
import {
  type Blob,
  canvasPixels,
  FIND,
  findBlob,
  inRange,
  pictureRect,
  pointOf,
  screenPixels,
  type VideoBox,
  videoBox,
} from './marker-finder.ts';
import { recordPeerConnections, waitForMedia } from './rtc-stats.ts';
import { customerJoins, PHONE_DEVICE, type Scene, startScene } from './scene.ts';

export const CONSOLE_VIDEO = 'video[data-live-video]';
export const TOOL_SURFACE = '[data-tool-surface]';
export const LENS_PREVIEW = 'video[data-lens-preview]';
export const LENS_OVERLAY = 'canvas[data-lens-overlay]';

export type ToolsScene = Scene & {
  camera: CameraScene;
  phone: Page;
  sessionId: string;
  lab: Page;
  phoneBrowser: Browser;
};

/**
 * A live session whose phone films the marker camera: Loupe with Janus, the
 * technician in a console window of `consoleViewport`, the customer joined and
 * the technician's Start clicked; returns once the console shows frames and
 * the phone its live screen. The phone is a browser of its own: pages of one
 * headless browser are tabs of one window, and Chromium renders a tab behind
 * another about once a second (bench/media/lib/page.ts, inFront), while the
 * console and the phone must both show what they draw as it comes.
 */
export async function startLiveWithMarkers(opts: {
  rtpPorts: string;
  technician: Technician;
  consoleViewport?: { width: number; height: number };
  camera?: CameraScene;
  env?: Record<string, string>;
}): Promise<ToolsScene> {
  const camera = opts.camera ?? LANDSCAPE;
  const scene = await startScene({
    rtpPorts: opts.rtpPorts,
    technician: opts.technician,
    videoFile: markerCameraFile(camera),
    consoleViewport: opts.consoleViewport,
    rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
    env: opts.env,
  });
  let phoneBrowser: Browser | undefined;
  const stopAll = async () => {
    await phoneBrowser?.close();
    await scene.stop();
  };
  try {
    phoneBrowser = await launchWithFakeCamera(undefined, markerCameraFile(camera));
    const phoneContext = await phoneBrowser.newContext(PHONE_DEVICE);
    await phoneContext.grantPermissions(['camera', 'microphone'], { origin: scene.loupe.url });
    await phoneContext.addInitScript(recordPeerConnections);
    const { sessionId, phone } = await customerJoins({ ...scene, phoneContext }, 'Fuse box');
    await scene.tech.getByTestId('start-session').click();
    await scene.tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
    await waitForMedia(scene.tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
    await scene.tech.waitForFunction(
      (sel) => (document.querySelector<HTMLVideoElement>(sel)?.videoWidth ?? 0) > 0,
      CONSOLE_VIDEO,
      { timeout: 20_000 },
    );
    await phone.locator('[data-testid="lens-live"]').waitFor({ timeout: 20_000 });
    await phone.waitForFunction(
      (sel) => (document.querySelector<HTMLVideoElement>(sel)?.videoWidth ?? 0) > 0,
      LENS_PREVIEW,
      { timeout: 20_000 },
    );
    const lab = await scene.browser.newPage();
    return { ...scene, phoneContext, camera, phone, sessionId, lab, phoneBrowser, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The technician picks a tool (a toolbar button of the contract). */
export async function pickTool(tech: Page, tool: string): Promise<void> {
  await tech.locator(`button[data-tool="${tool}"]`).click();
}

/**
 * Where frame fraction `at` is in the console's window: through the live
 * video's box and frame size, letterboxed (object-fit: contain), as a person
 * sees it.
 */
export async function consolePoint(
  tech: Page,
  at: readonly [number, number],
): Promise<{ x: number; y: number; video: VideoBox }> {
  const video = await videoBox(tech, CONSOLE_VIDEO);
  return {
    ...pointOf(pictureRect(video, { width: video.videoWidth, height: video.videoHeight }, 'contain'), at),
    video,
  };
}

/** Where frame fraction `at` shows on the phone: the preview's box, cropped to fill (object-fit: cover), mirrored when its transform flips it. */
export async function phonePoint(
  phone: Page,
  at: readonly [number, number],
): Promise<{ x: number; y: number; video: VideoBox }> {
  const video = await videoBox(phone, LENS_PREVIEW);
  const mirrored = /^matrix\(-1,/.test(video.transform);
  return {
    ...pointOf(pictureRect(video, { width: video.videoWidth, height: video.videoHeight }, 'cover'), at, mirrored),
    video,
  };
}

/**
 * The marker `name` as the page shows it (found in a screenshot), CSS pixels;
 * `near`: only within `r` of a spot, so a control of a like colour elsewhere
 * on the page is left out.
 */
export async function markerOnScreen(
  page: Page,
  lab: Page,
  name: keyof typeof FIND,
  near?: { x: number; y: number; r: number },
): Promise<Blob | null> {
  const range = FIND[name];
  return findBlob(
    await screenPixels(page, lab),
    (r, g, b, _a, x, y) =>
      inRange(range, [r, g, b]) && (!near || Math.hypot(x + 0.5 - near.x, y + 0.5 - near.y) <= near.r),
  );
}

/**
 * What the phone's overlay canvas has drawn, in the page's CSS pixels (null:
 * nothing); `near`: only what is within `r` CSS pixels of a spot (another
 * mark elsewhere is left out).
 */
export async function overlayMark(phone: Page, near?: { x: number; y: number; r: number }): Promise<Blob | null> {
  const pixels = await canvasPixels(phone, LENS_OVERLAY);
  const { box } = pixels;
  const sx = box.width / pixels.width;
  const sy = box.height / pixels.height;
  const blob = findBlob(
    pixels,
    (_r, _g, _b, a, x, y) =>
      a >= 48 && (!near || Math.hypot(box.left + x * sx - near.x, box.top + y * sy - near.y) <= near.r),
  );
  if (!blob) return null;
  return {
    n: blob.n,
    x: box.left + blob.x * sx,
    y: box.top + blob.y * sy,
    minX: box.left + blob.minX * sx,
    maxX: box.left + (blob.maxX + 1) * sx,
    minY: box.top + blob.minY * sy,
    maxY: box.top + (blob.maxY + 1) * sy,
  };
}

/** The middle of a blob's bounding box: a mark's spot whatever its glow or outline. */
export const middleOf = (b: Blob) => ({ x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2 });

/** Polls until `get` gives a value `ok` accepts; throws with the last one otherwise. */
/**
 * A predicate for `eventually`: true once a spot read twice in a row (100 ms
 * apart) has not moved, so a pointer that moved in steps is checked where it
 * came to rest, not at a step drawn on the way.
 */
export function holdsStill<T = Blob>(
  centre: (v: T) => { x: number; y: number } = middleOf as unknown as (v: T) => { x: number; y: number },
) {
  let previous: { x: number; y: number } | null = null;
  return (v: T | null): boolean => {
    const now = v && centre(v);
    const still = !!now && !!previous && Math.hypot(now.x - previous.x, now.y - previous.y) < 0.5;
    previous = now;
    return still;
  };
}

export async function eventually<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await Bun.sleep(100);
  }
}
