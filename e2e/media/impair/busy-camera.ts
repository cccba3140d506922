// A camera picture that costs what a real one does. Chromium's own fake camera
// draws flat colours and a small moving pie: VP8 encodes it at 640×480 and
// 20 frames/s in well under 300 kbit/s, so on a poor link its encoder never has
// a reason to lower size or rate, and an impairment test would learn nothing
// about how the phone's video adapts. This one is a panning fine texture with
// sensor-like noise on every frame (a handheld phone pointed at a boiler's
// pipes and labels): on a clean link it fits the phone's bitrate cap, at
// 400 kbit/s it does not. Written by hand as a Y4M file for
// --use-file-for-fake-video-capture (looped by Chromium), once per content
// into the temp folder (name from its parameters), like marker-camera.ts.
import { existsSync, openSync, renameSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from './relay.ts';

export type BusyCamera = { width: number; height: number; fps: number; frames: number; noise: number };

export const BUSY_CAMERA: BusyCamera = { width: 640, height: 480, fps: 20, frames: 40, noise: 24 };

/** The file's path, written if it is not there yet. */
export function busyCameraFile(c: BusyCamera = BUSY_CAMERA): string {
  const file = join(tmpdir(), `loupe-busy-${c.width}x${c.height}-${c.fps}-${c.frames}-${c.noise}.y4m`);
  if (existsSync(file)) return file;
  const random = seededRandom(22);
  const { width: w, height: h } = c;
  // A fixed texture twice as wide as the picture, panned a few pixels a frame.
  const tw = 2 * w;
  const texture = new Uint8Array(tw * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < tw; x++) {
      const stripes = 64 * Math.sin(x / 3 + Math.sin(y / 17) * 4) + 32 * Math.sin(y / 5);
      texture[y * tw + x] = Math.max(0, Math.min(255, 128 + stripes + (random() - 0.5) * 60));
    }
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `YUV4MPEG2 W${w} H${h} F${c.fps}:1 Ip A1:1 C420jpeg\n`);
    // Clamped: a value the noise pushes past 0 or 255 stays there instead of wrapping.
    const frame = new Uint8ClampedArray(w * h * 1.5);
    for (let f = 0; f < c.frames; f++) {
      const shift = 8 * f;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          frame[y * w + x] = (texture[y * tw + ((x + shift) % tw)] ?? 128) + (random() - 0.5) * c.noise;
        }
      // Chroma: a slow colour wash, with the same noise.
      const chroma = w * h;
      for (let i = 0; i < chroma / 2; i++) frame[chroma + i] = 128 + (random() - 0.5) * (c.noise / 2) + (i % 64) / 4;
      writeSync(fd, 'FRAME\n');
      writeSync(fd, frame);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return file;
}
