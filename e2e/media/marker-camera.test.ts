// The live-tools tests' harness, checked on its own: the marker camera's file
// has its markers where the scene says (read back from the bytes, and decoded
// by ffmpeg where it is installed), Chromium plays it as a 1920×1080 camera
// whose frames show the markers at those fractions, the finder finds a blob's
// centre, and the contain/cover mapping puts a frame fraction where a browser
// shows it. Needs no network namespace (no Janus, no WebRTC).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../loupe-process.ts';
import {
  type CameraScene,
  LANDSCAPE,
  MOVING,
  markerCameraFile,
  orbitAt,
  pixelOf,
  renderY4m,
  rgbOf,
  yuvOf,
} from './marker-camera.ts';
import {
  colourBlob,
  decodeImage,
  FIND,
  findBlob,
  fractionAt,
  inRange,
  type Pixels,
  pictureRect,
  pointOf,
} from './marker-finder.ts';

const SMALL: CameraScene = {
  ...LANDSCAPE,
  width: 320,
  height: 180,
  frames: 2,
  markers: LANDSCAPE.markers.map((m) => ({ ...m, size: 16 })),
};

describe('the marker camera file', () => {
  const y4m = renderY4m(LANDSCAPE);

  test('a Y4M header and whole 4:2:0 frames', () => {
    const header = 'YUV4MPEG2 W1920 H1080 F30:1 Ip A1:1 C420jpeg\n';
    expect(y4m.subarray(0, header.length).toString()).toBe(header);
    expect(y4m.length).toBe(header.length + LANDSCAPE.frames * (6 + (1920 * 1080 * 3) / 2));
    expect(y4m.subarray(header.length, header.length + 6).toString()).toBe('FRAME\n');
  });

  test('each marker is its colour at its fraction, over its whole square and no further; the field is grey', () => {
    for (const m of LANDSCAPE.markers) {
      const cx = Math.round(m.x * 1920);
      const cy = Math.round(m.y * 1080);
      const range = FIND[m.name as keyof typeof FIND];
      for (const [dx, dy] of [
        [0, 0],
        [-m.size / 2 + 2, -m.size / 2 + 2],
        [m.size / 2 - 3, m.size / 2 - 3],
      ])
        for (const k of [0, LANDSCAPE.frames - 1])
          expect(inRange(range, pixelOf(y4m, LANDSCAPE, k, cx + dx!, cy + dy!))).toBe(true);
      expect(inRange(range, pixelOf(y4m, LANDSCAPE, 0, cx + m.size, cy))).toBe(false);
    }
    const grey = pixelOf(y4m, LANDSCAPE, 0, 100, 100);
    for (const range of Object.values(FIND)) expect(inRange(range, grey)).toBe(false);
    expect(Math.max(...grey) - Math.min(...grey)).toBeLessThanOrEqual(2);
  });

  test('yuvOf and rgbOf are inverses (within rounding)', () => {
    for (const rgb of [
      [255, 0, 255],
      [0, 200, 255],
      [255, 128, 0],
      [128, 128, 128],
    ] as const) {
      const back = rgbOf(yuvOf(rgb));
      for (let i = 0; i < 3; i++) expect(Math.abs(back[i]! - rgb[i]!)).toBeLessThanOrEqual(3);
    }
  });

  test('the orbiting marker goes round its circle once per loop', () => {
    const o = MOVING.orbit!;
    expect(orbitAt(MOVING, 0).x).toBeCloseTo(o.cx + (o.r * MOVING.height) / MOVING.width, 6);
    expect(orbitAt(MOVING, 0).y).toBeCloseTo(o.cy, 6);
    expect(orbitAt(MOVING, MOVING.frames / 4).y).toBeCloseTo(o.cy + o.r, 6);
    expect(orbitAt(MOVING, MOVING.frames).x).toBeCloseTo(orbitAt(MOVING, 0).x, 6);
  });

  test('the file is written once per scene, named by its content', () => {
    const a = markerCameraFile(SMALL);
    expect(markerCameraFile(SMALL)).toBe(a);
    expect(readFileSync(a).equals(renderY4m(SMALL))).toBe(true);
    expect(markerCameraFile({ ...SMALL, grey: 100 })).not.toBe(a);
  });

  test.skipIf(!Bun.which('ffmpeg'))('ffmpeg decodes it with the markers where the scene says', () => {
    const file = markerCameraFile(SMALL);
    const out = Bun.spawnSync([
      'ffmpeg',
      '-v',
      'error',
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-',
    ]);
    expect(out.exitCode).toBe(0);
    const pixels: Pixels = { width: SMALL.width, height: SMALL.height, rgba: new Uint8Array(out.stdout) };
    expect(pixels.rgba.length).toBe(SMALL.width * SMALL.height * 4);
    for (const m of SMALL.markers) {
      const blob = colourBlob(pixels, FIND[m.name as keyof typeof FIND])!;
      expect(blob.n).toBeGreaterThan(0.8 * m.size * m.size);
      expect(Math.abs(blob.x - m.x * SMALL.width)).toBeLessThanOrEqual(1.5);
      expect(Math.abs(blob.y - m.y * SMALL.height)).toBeLessThanOrEqual(1.5);
    }
  });
});

describe('the finder and the mapping', () => {
  test('findBlob: the count, centre and bounds of the matching pixels', () => {
    const p: Pixels = { width: 64, height: 64, rgba: new Uint8Array(64 * 64 * 4) };
    for (let y = 40; y < 50; y++) for (let x = 20; x < 30; x++) p.rgba.set([255, 0, 255, 255], (y * 64 + x) * 4);
    expect(colourBlob(p, FIND.magenta)).toEqual({ n: 100, x: 25, y: 45, minX: 20, maxX: 29, minY: 40, maxY: 49 });
    expect(colourBlob(p, FIND.cyan)).toBeNull();
    expect(findBlob(p, (_r, _g, _b, a) => a > 0)?.n).toBe(100);
  });

  test('contain letterboxes, cover crops, both centred; pointOf and fractionAt are inverses', () => {
    const frame = { width: 1920, height: 1080 };
    expect(pictureRect({ left: 0, top: 0, width: 1280, height: 900 }, frame, 'contain')).toEqual({
      left: 0,
      top: 90,
      width: 1280,
      height: 720,
    });
    const cover = pictureRect({ left: 0, top: 0, width: 390, height: 844 }, frame, 'cover');
    expect(cover.height).toBe(844);
    expect(cover.width).toBeCloseTo((844 * 16) / 9, 6);
    expect(cover.left).toBeCloseTo((390 - cover.width) / 2, 6);
    const at = pointOf(cover, [0.44, 0.3]);
    expect(fractionAt(cover, at)[0]).toBeCloseTo(0.44, 9);
    expect(fractionAt(cover, at)[1]).toBeCloseTo(0.3, 9);
    expect(pointOf(cover, [0.44, 0.3], true).x).toBeCloseTo(pointOf(cover, [0.56, 0.3]).x, 9);
    // Every marker of the landscape camera is on a 390×844 phone's screen.
    for (const m of LANDSCAPE.markers) {
      const p = pointOf(cover, [m.x, m.y]);
      expect(p.x).toBeGreaterThan(m.size);
      expect(p.x).toBeLessThan(390 - m.size);
    }
  });
});

describe('Chromium plays the marker camera', () => {
  let browser: Browser;
  let page: Page;
  let server: ReturnType<typeof Bun.serve>;

  beforeAll(async () => {
    browser = await chromium.launch({
      ...CHROMIUM,
      args: [
        ...CHROMIUM.args,
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${markerCameraFile(LANDSCAPE)}`,
        '--use-fake-ui-for-media-stream',
      ],
    });
    // A page on 127.0.0.1 (a secure context, so getUserMedia exists), and nothing else.
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => new Response('<!doctype html><title>lab</title>', { headers: { 'content-type': 'text/html' } }),
    });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop(true);
  });

  test('a 1920×1080 camera with every marker at its fraction of the frame', async () => {
    const frame = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      const [track] = stream.getVideoTracks();
      const v = document.createElement('video');
      v.muted = true;
      v.srcObject = stream;
      await v.play();
      await new Promise((r) => setTimeout(r, 300));
      const c = new OffscreenCanvas(v.videoWidth, v.videoHeight);
      c.getContext('2d')!.drawImage(v, 0, 0);
      const blob = await c.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { settings: track!.getSettings(), png: btoa(s) };
    });
    expect(frame.settings.width).toBe(1920);
    expect(frame.settings.height).toBe(1080);
    const pixels = await decodeImage(page, Buffer.from(frame.png, 'base64'));
    expect([pixels.width, pixels.height]).toEqual([1920, 1080]);
    for (const m of LANDSCAPE.markers) {
      const blob = colourBlob(pixels, FIND[m.name as keyof typeof FIND]);
      expect(blob).not.toBeNull();
      expect(blob!.n).toBeGreaterThan(0.8 * m.size * m.size);
      expect(Math.abs(blob!.x - m.x * 1920)).toBeLessThanOrEqual(2);
      expect(Math.abs(blob!.y - m.y * 1080)).toBeLessThanOrEqual(2);
    }
  }, 30_000);
});
