// A test camera with markers at known places: a grey field with a few
// coloured squares at known fractions of the frame, written as a Y4M file
// that Chromium plays as its camera (--use-file-for-fake-video-capture). The
// live-tools tests point and draw at a marker's spot on the console and look
// for the mark over the same marker on the phone; the snapshot tests look for
// the markers in the photo. Written by hand rather than by ffmpeg: every pixel
// is where the scene says, and the file depends on nothing installed. Each
// scene is written once into the temp folder under a name made from a hash of
// its description, so a changed scene is a new file and an unchanged one is
// reused across runs.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Rgb = readonly [number, number, number];

/** A filled square centred on (x, y), fractions of the frame; `size` is its side in pixels. */
export type Marker = { name: string; x: number; y: number; size: number; rgb: Rgb };

/** A marker that goes round a circle (fractions of the frame's height for the radius), once per `periodFrames`. */
export type Orbit = { name: string; cx: number; cy: number; r: number; size: number; rgb: Rgb };

export type CameraScene = {
  width: number;
  height: number;
  fps: number;
  /** Frames in the file; Chromium loops it. A still scene needs only a few. */
  frames: number;
  /** The field's grey (luma, 16..235). */
  grey: number;
  markers: readonly Marker[];
  orbit?: Orbit;
};

/**
 * Colours far from each other and from the stroke colours a console offers
 * (red, yellow, green, blue, white), so a finder that looks for one of them
 * never takes a stroke for a marker.
 */
export const MARKER_RGB = {
  magenta: [255, 0, 255],
  cyan: [0, 200, 255],
  orange: [255, 128, 0],
} as const satisfies Record<string, Rgb>;

/**
 * The landscape test camera, 1920×1080 at 30 frames/s. The markers sit near the
 * middle: a 390×844 phone shows a 16:9 frame cropped to fill its screen
 * (object-fit: cover), i.e. only about the middle quarter of its width
 * (x 0.37–0.63), and every marker must be on the phone's screen too.
 */
export const LANDSCAPE: CameraScene = {
  width: 1920,
  height: 1080,
  fps: 30,
  frames: 3,
  grey: 128,
  markers: [
    { name: 'magenta', x: 0.44, y: 0.3, size: 64, rgb: MARKER_RGB.magenta },
    { name: 'cyan', x: 0.56, y: 0.62, size: 64, rgb: MARKER_RGB.cyan },
    { name: 'orange', x: 0.5, y: 0.82, size: 64, rgb: MARKER_RGB.orange },
  ],
};

/** The same markers at a phone held upright (1080×1920), for a test of a portrait camera. */
export const PORTRAIT: CameraScene = {
  ...LANDSCAPE,
  width: 1080,
  height: 1920,
  markers: [
    { name: 'magenta', x: 0.3, y: 0.25, size: 64, rgb: MARKER_RGB.magenta },
    { name: 'cyan', x: 0.7, y: 0.55, size: 64, rgb: MARKER_RGB.cyan },
    { name: 'orange', x: 0.5, y: 0.8, size: 64, rgb: MARKER_RGB.orange },
  ],
};

/** A magenta marker going round a circle, 1280×720, 4 s a turn: the tracking benchmark's camera. */
export const MOVING: CameraScene = {
  width: 1280,
  height: 720,
  fps: 30,
  frames: 120,
  grey: 128,
  markers: [],
  orbit: { name: 'magenta', cx: 0.5, cy: 0.5, r: 0.3, size: 48, rgb: MARKER_RGB.magenta },
};

/** Where the orbiting marker is in frame `k`, fractions of the frame. */
export function orbitAt(scene: CameraScene, k: number): { x: number; y: number } {
  const o = scene.orbit!;
  const angle = (2 * Math.PI * (k % scene.frames)) / scene.frames;
  const r = o.r * scene.height;
  return { x: o.cx + (r * Math.cos(angle)) / scene.width, y: o.cy + (r * Math.sin(angle)) / scene.height };
}

/** BT.601 studio range, what Chromium assumes for an I420 camera frame. */
export function yuvOf([r, g, b]: Rgb): [number, number, number] {
  const [R, G, B] = [r / 255, g / 255, b / 255];
  const y = 16 + 65.481 * R + 128.553 * G + 24.966 * B;
  const u = 128 - 37.797 * R - 74.203 * G + 112 * B;
  const v = 128 + 112 * R - 93.786 * G - 18.214 * B;
  return [Math.round(y), Math.round(u), Math.round(v)];
}

/** The inverse of yuvOf, for reading a written frame back. */
export function rgbOf([y, u, v]: readonly [number, number, number]): Rgb {
  const c = (y - 16) / 219;
  const d = (u - 128) / 224;
  const e = (v - 128) / 224;
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n * 255)));
  return [clamp(c + 1.402 * e), clamp(c - 0.344136 * d - 0.714136 * e), clamp(c + 1.772 * d)];
}

const HEADER = (s: CameraScene) => `YUV4MPEG2 W${s.width} H${s.height} F${s.fps}:1 Ip A1:1 C420jpeg\n`;
const frameBytes = (s: CameraScene) => 6 + (s.width * s.height * 3) / 2;

/** Paints one square into a frame's planes (`y`, `u`, `v` are offsets into `out`); chroma on even pixels. */
function paintSquare(
  out: Buffer,
  s: CameraScene,
  planes: [number, number, number],
  at: { x: number; y: number },
  m: { size: number; rgb: Rgb },
) {
  const [Y, U, V] = yuvOf(m.rgb);
  const half = m.size / 2;
  const x0 = Math.max(0, Math.round(at.x * s.width - half) & ~1);
  const y0 = Math.max(0, Math.round(at.y * s.height - half) & ~1);
  const x1 = Math.min(s.width, x0 + m.size);
  const y1 = Math.min(s.height, y0 + m.size);
  for (let row = y0; row < y1; row++) out.fill(Y, planes[0] + row * s.width + x0, planes[0] + row * s.width + x1);
  const cw = s.width / 2;
  for (let row = y0 / 2; row < y1 / 2; row++) {
    out.fill(U, planes[1] + row * cw + x0 / 2, planes[1] + row * cw + x1 / 2);
    out.fill(V, planes[2] + row * cw + x0 / 2, planes[2] + row * cw + x1 / 2);
  }
}

/** The whole file in memory (a few MB a frame at 1080p). */
export function renderY4m(s: CameraScene): Buffer {
  if (s.width % 2 || s.height % 2) throw new Error('a 4:2:0 frame needs an even width and height');
  const header = Buffer.from(HEADER(s));
  const size = frameBytes(s);
  const out = Buffer.alloc(header.length + size * s.frames);
  header.copy(out);
  const ySize = s.width * s.height;
  for (let k = 0; k < s.frames; k++) {
    const base = header.length + k * size;
    out.write('FRAME\n', base);
    const planes: [number, number, number] = [base + 6, base + 6 + ySize, base + 6 + ySize + ySize / 4];
    out.fill(s.grey, planes[0], planes[1]);
    out.fill(128, planes[1], planes[0] + (ySize * 3) / 2);
    for (const m of s.markers) paintSquare(out, s, planes, m, m);
    if (s.orbit) paintSquare(out, s, planes, orbitAt(s, k), s.orbit);
  }
  return out;
}

/** Bump when renderY4m draws differently, so cached files are not reused. */
const GENERATOR_VERSION = 1;

/** The scene's Y4M file in the temp folder, written once (to a temporary name, then renamed: whole or absent). */
export function markerCameraFile(s: CameraScene = LANDSCAPE): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ v: GENERATOR_VERSION, s }))
    .digest('hex')
    .slice(0, 16);
  const file = join(tmpdir(), `loupe-markers-${s.width}x${s.height}-${hash}.y4m`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, renderY4m(s));
  renameSync(partial, file);
  return file;
}

/** Reads pixel (x, y) of frame `k` back from a rendered file, as RGB. */
export function pixelOf(y4m: Buffer, s: CameraScene, k: number, x: number, y: number): Rgb {
  const base = HEADER(s).length + k * frameBytes(s) + 6;
  const ySize = s.width * s.height;
  const c = Math.floor(y / 2) * (s.width / 2) + Math.floor(x / 2);
  return rgbOf([y4m[base + y * s.width + x]!, y4m[base + ySize + c]!, y4m[base + ySize + ySize / 4 + c]!]);
}
