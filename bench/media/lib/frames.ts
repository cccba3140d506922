// The frame-numbered test video: a Y4M file Chromium plays as its camera
// (--use-file-for-fake-video-capture). Every frame carries its index k as big
// blocks, robust to VP8 compression: 5×4 blocks of 64×60 pixels at 320×240,
// rows 0–1 the bits 0–9 of k (white = 1), rows 2–3 their complement (a check).
// The page reads it back on each presented frame (page.ts, readCode). The file
// loops every FRAMES frames (10 s at 30 fps): far longer than any latency.
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const WIDTH = 320;
export const HEIGHT = 240;
export const FPS = 30;
export const FRAMES = 300;

/** Writes the file once (≈ 35 MB) and returns its path. */
export function frameNumberedY4m(): string {
  const file = join(tmpdir(), `loupe-bench-frames-${WIDTH}x${HEIGHT}-${FRAMES}.y4m`);
  if (existsSync(file)) return file;
  const ySize = WIDTH * HEIGHT;
  const frameSize = 6 + (ySize * 3) / 2;
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const out = Buffer.alloc(header.length + frameSize * FRAMES);
  header.copy(out, 0);
  for (let k = 0; k < FRAMES; k++) {
    const base = header.length + k * frameSize;
    out.write('FRAME\n', base);
    const y = base + 6;
    for (let row = 0; row < HEIGHT; row++) {
      const blockRow = Math.floor(row / 60);
      for (let col = 0; col < WIDTH; col++) {
        const bitIndex = Math.floor(col / 64) + 5 * (blockRow % 2);
        let bit = (k >> bitIndex) & 1;
        if (blockRow >= 2) bit ^= 1;
        // A thin dark frame around each block keeps neighbours apart after scaling.
        const edge = col % 64 < 4 || col % 64 > 59 || row % 60 < 4 || row % 60 > 55;
        out[y + row * WIDTH + col] = edge ? 60 : bit ? 235 : 16;
      }
    }
    out.fill(128, y + ySize, y + (ySize * 3) / 2);
  }
  writeFileSync(file, out);
  return file;
}

export type Seen = { k: number; at: number; rx?: number };

/**
 * Latency of each frame the receiver showed: its time minus the time the
 * sender's preview showed the same frame (the newest sender sighting of that
 * number before it, within the file's loop).
 */
export function latencies(sender: Seen[], receiver: Seen[]): number[] {
  const byK = new Map<number, number[]>();
  for (const s of sender) (byK.get(s.k) ?? byK.set(s.k, []).get(s.k)!).push(s.at);
  const loopMs = (FRAMES / FPS) * 1000;
  const out: number[] = [];
  for (const r of receiver) {
    const times = byK.get(r.k);
    if (!times) continue;
    let best = -Infinity;
    for (const t of times) if (t <= r.at + 1 && t > best) best = t;
    const d = r.at - best;
    if (d >= -1 && d < loopMs / 2) out.push(d);
  }
  return out;
}

/**
 * A busy camera for the capacity benchmark: 640×480 (what a phone's browser
 * gives without size constraints), blocky noise, a third of it new every frame, so
 * VP8 spends the bitrate a real scene would rather than the few hundred
 * kbit/s of Chromium's static fake pattern. 30 frames, looped by Chromium.
 */
export function busyY4m(): string {
  const w = 640,
    h = 480,
    frames = 30;
  const file = join(tmpdir(), `loupe-bench-busy2-${w}x${h}-${frames}.y4m`);
  if (existsSync(file)) return file;
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const frameSize = 6 + (w * h * 3) / 2;
  const out = Buffer.alloc(header.length + frameSize * frames);
  header.copy(out, 0);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let k = 0; k < frames; k++) {
    const base = header.length + k * frameSize;
    out.write('FRAME\n', base);
    const y = base + 6;
    // 16×16 blocks, a third of them new each frame, over a gradient that moves with k.
    for (let by = 0; by < h / 16; by++) {
      for (let bx = 0; bx < w / 16; bx++) {
        const cell = by * (w / 16) + bx;
        if (k > 0 && (cell + k) % 3 !== 0) {
          for (let row = 0; row < 16; row++)
            out.copy(
              out,
              y + (by * 16 + row) * w + bx * 16,
              y - frameSize + (by * 16 + row) * w + bx * 16,
              y - frameSize + (by * 16 + row) * w + bx * 16 + 16,
            );
          continue;
        }
        const v = Math.floor(60 + rand() * 80 + ((bx + by + k * 2) % 48));
        for (let row = 0; row < 16; row++)
          out.fill(v, y + (by * 16 + row) * w + bx * 16, y + (by * 16 + row) * w + bx * 16 + 16);
      }
    }
    out.fill(128, y + w * h, y + (w * h * 3) / 2);
  }
  writeFileSync(file, out);
  return file;
}

/**
 * The same frames received on two paths in the same page: for each frame of
 * `a`, its receive time minus that of the same frame on `b` (the sighting of
 * that number nearest in time). Sender and renderer drop out of the difference.
 */
export function paired(a: Seen[], b: Seen[]): number[] {
  const byK = new Map<number, Seen[]>();
  for (const s of b) (byK.get(s.k) ?? byK.set(s.k, []).get(s.k)!).push(s);
  const out: number[] = [];
  for (const x of a) {
    if (x.rx === undefined) continue;
    let best: number | undefined;
    for (const y of byK.get(x.k) ?? [])
      if (
        y.rx !== undefined &&
        Math.abs(x.rx - y.rx) < 1_000 &&
        (best === undefined || Math.abs(x.rx - y.rx) < Math.abs(best))
      )
        best = x.rx - y.rx;
    if (best !== undefined) out.push(best);
  }
  return out;
}
