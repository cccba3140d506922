// Finding things in pictures the live-tools tests take: a marker of the test
// camera (marker-camera.ts) in a screenshot or a snapshot, and the technician's
// mark on the phone's overlay canvas; and where a fraction of the video frame
// lands in an element showing it (object-fit contain on the console, cover on
// the phone). Pixels are decoded by a browser (createImageBitmap in a blank
// page, no page's CSP in the way) and scanned here, in plain functions with
// unit tests of their own.
import type { Page } from 'playwright-core';
import type { Rgb } from './marker-camera.ts';

/** RGBA pixels, row by row. */
export type Pixels = { width: number; height: number; rgba: Uint8Array };

/** An inclusive range per channel. */
export type ColourRange = { r: [number, number]; g: [number, number]; b: [number, number] };

/** What counts as each marker colour after a camera, an encoder and scaling have had it. */
export const FIND: Record<'magenta' | 'cyan' | 'orange', ColourRange> = {
  magenta: { r: [150, 255], g: [0, 100], b: [150, 255] },
  cyan: { r: [0, 100], g: [120, 255], b: [170, 255] },
  orange: { r: [180, 255], g: [70, 185], b: [0, 90] },
};

export const inRange = (range: ColourRange, [r, g, b]: Rgb) =>
  r >= range.r[0] && r <= range.r[1] && g >= range.g[0] && g <= range.g[1] && b >= range.b[0] && b <= range.b[1];

/** Where the matching pixels are: their count, centre (mean) and bounding box, in the picture's pixels. */
export type Blob = { n: number; x: number; y: number; minX: number; maxX: number; minY: number; maxY: number };

/** The pixels for which `match(r, g, b, a, x, y)` holds, as one blob (null when none does). */
export function findBlob(
  p: Pixels,
  match: (r: number, g: number, b: number, a: number, x: number, y: number) => boolean,
): Blob | null {
  let n = 0,
    sx = 0,
    sy = 0,
    minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++) {
      const i = (y * p.width + x) * 4;
      if (!match(p.rgba[i]!, p.rgba[i + 1]!, p.rgba[i + 2]!, p.rgba[i + 3]!, x, y)) continue;
      n++;
      sx += x;
      sy += y;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  // +0.5: a pixel's centre, so a blob's centre is in the same units as a CSS position.
  return n ? { n, x: sx / n + 0.5, y: sy / n + 0.5, minX, maxX, minY, maxY } : null;
}

export const colourBlob = (p: Pixels, range: ColourRange) => findBlob(p, (r, g, b) => inRange(range, [r, g, b]));
/** Whatever is drawn on a transparent canvas. */
export const opaqueBlob = (p: Pixels, minAlpha = 48) => findBlob(p, (_r, _g, _b, a) => a >= minAlpha);

// ── Frame fractions ↔ an element's box ────────────────────────────────────

export type Box = { left: number; top: number; width: number; height: number };

/**
 * The rectangle the frame's picture occupies in `box` (`object-position`
 * centred, as both of Loupe's video elements have it): `contain` fits it whole
 * (letterboxed), `cover` fills the box and crops the rest.
 */
export function pictureRect(box: Box, frame: { width: number; height: number }, fit: 'contain' | 'cover'): Box {
  const sx = box.width / frame.width;
  const sy = box.height / frame.height;
  const scale = fit === 'contain' ? Math.min(sx, sy) : Math.max(sx, sy);
  const width = frame.width * scale;
  const height = frame.height * scale;
  return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
}

/** Where the frame's fraction [fx, fy] shows on the page; `mirrored` (a front camera's preview) flips x. */
export function pointOf(picture: Box, [fx, fy]: readonly [number, number], mirrored = false): { x: number; y: number } {
  return { x: picture.left + (mirrored ? 1 - fx : fx) * picture.width, y: picture.top + fy * picture.height };
}

/** The inverse of pointOf: the frame's fraction under a page position. */
export function fractionAt(picture: Box, at: { x: number; y: number }): [number, number] {
  return [(at.x - picture.left) / picture.width, (at.y - picture.top) / picture.height];
}

// ── Pixels out of a browser ───────────────────────────────────────────────

/** A video element's box, its frame's size and its computed fit and transform. */
export type VideoBox = Box & { videoWidth: number; videoHeight: number; fit: string; transform: string };

export function videoBox(page: Page, selector: string): Promise<VideoBox> {
  return page.locator(selector).evaluate((el) => {
    const v = el as HTMLVideoElement;
    const r = v.getBoundingClientRect();
    const style = getComputedStyle(v);
    return {
      left: r.left,
      top: r.top,
      width: r.width,
      height: r.height,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      fit: style.objectFit,
      transform: style.transform,
    };
  });
}

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * Decodes `bytes` (a PNG, JPEG or WebP) in `lab` (a blank page), scaled to
 * `width`×`height` when given: its natural size and its pixels.
 */
export async function decodeImage(
  lab: Page,
  bytes: Uint8Array,
  size?: { width: number; height: number },
): Promise<Pixels & { naturalWidth: number; naturalHeight: number }> {
  const out = await lab.evaluate(
    async ({ b64, size }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([raw]));
      const width = size?.width ?? bitmap.width;
      const height = size?.height ?? bitmap.height;
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0, width, height);
      const data = ctx.getImageData(0, 0, width, height).data;
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { width, height, naturalWidth: bitmap.width, naturalHeight: bitmap.height, rgba: btoa(s) };
    },
    { b64: Buffer.from(bytes).toString('base64'), size },
  );
  return { ...out, rgba: fromBase64(out.rgba) };
}

/** A page's screenshot as pixels at CSS size (one pixel a CSS pixel, whatever the device scale). */
export async function screenPixels(page: Page, lab: Page): Promise<Pixels> {
  const viewport = page.viewportSize()!;
  return decodeImage(lab, await page.screenshot(), viewport);
}

/**
 * What a canvas holds, scaled to its CSS box (one pixel a CSS pixel), and
 * the box: read in its own page (drawImage of it onto a canvas of the test's).
 */
export async function canvasPixels(page: Page, selector: string): Promise<Pixels & { box: Box }> {
  const out = await page.locator(selector).evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const width = Math.max(1, Math.round(r.width));
    const height = Math.max(1, Math.round(r.height));
    const copy = document.createElement('canvas');
    copy.width = width;
    copy.height = height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(c, 0, 0, width, height);
    const data = ctx.getImageData(0, 0, width, height).data;
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width, height, box: { left: r.left, top: r.top, width: r.width, height: r.height }, rgba: btoa(s) };
  });
  return { ...out, rgba: fromBase64(out.rgba) };
}
