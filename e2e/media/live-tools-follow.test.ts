// Beyond the peers, end to end: an ellipse the technician draws around a
// moving object on LIVE video follows the object (web/src/lib/tools/follow.ts)
// in the console, and the phone gets the moved mark. The phone films a grey
// field with a magenta square going round a circle (marker-camera.ts,
// 10 s a turn). Real Janus, real Chromium, inside the network namespace.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { shot } from '../helpers.ts';
import { type CameraScene, MARKER_RGB } from './marker-camera.ts';
import {
  CONSOLE_VIDEO,
  eventually,
  LENS_OVERLAY,
  pickTool,
  startLiveWithMarkers,
  type ToolsScene,
} from './tools-scene.ts';

const TECH = { email: 'joost@example.test', password: 'joost password 123', name: 'Joost Smit' };

/**
 * 640×360, the square 40 px, a turn in 10 s (~43 frame pixels a second), on a
 * circle small enough to stay inside the phone's cropped view of the frame.
 */
const SLOW_ORBIT: CameraScene = {
  width: 640,
  height: 360,
  fps: 30,
  frames: 300,
  grey: 128,
  markers: [],
  orbit: { name: 'magenta', cx: 0.5, cy: 0.5, r: 0.19, size: 40, rgb: MARKER_RGB.magenta },
};

type Spot = { x: number; y: number };

/**
 * In the console, at one moment: where the magenta square is (its centre in the
 * video frame, mapped through object-fit: contain to CSS pixels of the page),
 * and where the red mark on the drawing surface is (the centre of its red pixels).
 */
function whereNow(tech: Page): Promise<{ marker: Spot | null; mark: Spot | null }> {
  return tech.evaluate((selector) => {
    const centre = (data: Uint8ClampedArray, width: number, test: (i: number) => boolean) => {
      let n = 0;
      let sx = 0;
      let sy = 0;
      for (let i = 0; i < data.length; i += 4)
        if (test(i)) {
          n++;
          sx += (i / 4) % width;
          sy += Math.floor(i / 4 / width);
        }
      return n < 20 ? null : { x: sx / n, y: sy / n };
    };
    const video = document.querySelector<HTMLVideoElement>(selector)!;
    const frame = document.createElement('canvas');
    frame.width = video.videoWidth;
    frame.height = video.videoHeight;
    const fctx = frame.getContext('2d', { willReadFrequently: true })!;
    fctx.drawImage(video, 0, 0);
    const pixels = fctx.getImageData(0, 0, frame.width, frame.height).data;
    const inFrame = centre(pixels, frame.width, (i) => pixels[i]! > 190 && pixels[i + 1]! < 90 && pixels[i + 2]! > 190);
    const box = video.getBoundingClientRect();
    const scale = Math.min(box.width / frame.width, box.height / frame.height);
    const left = box.left + (box.width - frame.width * scale) / 2;
    const top = box.top + (box.height - frame.height * scale) / 2;
    const marker = inFrame && { x: left + inFrame.x * scale, y: top + inFrame.y * scale };
    const strokes = document.querySelector<HTMLCanvasElement>('[data-tool-surface] canvas.strokes')!;
    const sbox = strokes.getBoundingClientRect();
    const sctx = strokes.getContext('2d')!;
    const ink = sctx.getImageData(0, 0, strokes.width, strokes.height).data;
    const red = centre(
      ink,
      strokes.width,
      (i) => ink[i]! > 200 && ink[i + 1]! < 110 && ink[i + 2]! < 110 && ink[i + 3]! > 150,
    );
    const k = sbox.width / strokes.width;
    const mark = red && { x: sbox.left + red.x * k, y: sbox.top + red.y * k };
    return { marker, mark };
  }, CONSOLE_VIDEO);
}

const distance = (a: Spot, b: Spot) => Math.hypot(a.x - b.x, a.y - b.y);

let scene: ToolsScene;

beforeAll(async () => {
  scene = await startLiveWithMarkers({ rtpPorts: '41100-41199', technician: TECH, camera: SLOW_ORBIT });
}, 180_000);

afterAll(async () => {
  await scene?.stop();
});

describe('a mark on live video follows its object', () => {
  test('an ellipse drawn around the moving square stays around it, on the console and on the phone', async () => {
    const { tech, phone } = scene;
    await pickTool(tech, 'ellipse');
    await tech.locator('button[data-color="red"]').click();
    // Draw at once where the square is now: it moves ~1 px a frame on screen.
    const start = (await whereNow(tech)).marker;
    expect(start).not.toBeNull();
    const r = 34;
    await tech.mouse.move(start!.x - r, start!.y - r);
    await tech.mouse.down();
    await tech.mouse.move(start!.x + r, start!.y + r, { steps: 2 });
    await tech.mouse.up();
    await tech.mouse.move(5, 5);
    // Where the mark sits on the square when let go (the square moved on while the mouse drew).
    const drawn = await whereNow(tech);
    expect(drawn.mark).not.toBeNull();
    const offset = distance(drawn.mark!, drawn.marker!);
    const phoneInkAt = async () =>
      phone.evaluate((selector) => {
        const c = document.querySelector<HTMLCanvasElement>(selector)!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        let sx = 0;
        let sy = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i]! > 200 && d[i + 1]! < 110 && d[i + 3]! > 150) {
            n++;
            sx += (i / 4) % c.width;
            sy += Math.floor(i / 4 / c.width);
          }
        return n < 20 ? null : { x: sx / n, y: sy / n };
      }, LENS_OVERLAY);
    const phoneFirst = await eventually('the ellipse on the phone', phoneInkAt, (x) => x !== null);
    // Three seconds on, the square has gone a good way round; the ellipse with it.
    await Bun.sleep(3_000);
    const later = await whereNow(tech);
    await shot(tech, 'tools-console-follow');
    await shot(phone, 'tools-phone-follow');
    expect(later.marker).not.toBeNull();
    expect(later.mark).not.toBeNull();
    // The square moved well beyond the tolerance; the ellipse kept its place on it.
    // Far enough that a mark left where it was drawn could not pass the check below.
    expect(distance(later.marker!, drawn.marker!)).toBeGreaterThan(2 * offset + 40);
    expect(distance(later.mark!, later.marker!)).toBeLessThan(offset + 12);
    // The phone got the moved mark: its ellipse is no longer where it was drawn (device pixels).
    const phoneLater = await phoneInkAt();
    expect(phoneLater).not.toBeNull();
    expect(distance(phoneLater!, phoneFirst!)).toBeGreaterThan(60);
  }, 60_000);
});
