// A test video whose marker moves along a known path, for the tracking
// benchmark: a textured scene (so a tracker cannot lock onto a blank
// background) that shakes a little like a hand-held phone and slowly changes
// brightness, with a ringed square of modest contrast (the object the
// technician circled) moving on a Lissajous path, growing and shrinking by a
// fifth as the phone comes closer and goes back, and for one second in every
// six half covered by a passing bar (a hand). Grey frames, one byte per pixel.

export const SCENE = { width: 1280, height: 720, fps: 30, objectSide: 96 } as const;

/** Where the object's centre is at frame `i`, in pixels of the frame. */
export function objectAt(i: number): { x: number; y: number } {
  const t = i / SCENE.fps;
  const shake = shakeAt(i);
  return {
    x: SCENE.width / 2 + 380 * Math.sin((2 * Math.PI * t) / 6) + shake.x,
    y: SCENE.height / 2 + 200 * Math.sin((2 * Math.PI * t) / 4 + 0.5) + shake.y,
  };
}

/** The whole picture's offset: a hand's tremor. */
function shakeAt(i: number): { x: number; y: number } {
  const t = i / SCENE.fps;
  return { x: 6 * Math.sin(2 * Math.PI * 1.3 * t), y: 4 * Math.sin(2 * Math.PI * 0.9 * t + 1) };
}

function hash(x: number, y: number): number {
  let h = (x * 374761393 + y * 668265263) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Frame `i` of the scene, written into `out` (width × height bytes). */
export function drawFrame(i: number, out: Uint8Array): Uint8Array {
  const { width, height, objectSide } = SCENE;
  const shake = shakeAt(i);
  const light = 1 + 0.15 * Math.sin((2 * Math.PI * i) / SCENE.fps / 8);
  const object = objectAt(i);
  const t = i / SCENE.fps;
  const size = objectSide * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 7));
  const half = size / 2;
  const ring = size / 6;
  // The hand: a dark bar over the object's left half from 4 s to 5 s of every 6.
  const covered = t % 6 >= 4 && t % 6 < 5;
  for (let y = 0; y < height; y++) {
    const sy = y - shake.y;
    for (let x = 0; x < width; x++) {
      const sx = x - shake.x;
      const dx = x - object.x;
      const dy = y - object.y;
      let v: number;
      if (covered && dx < 0 && dx > -half - 20 && Math.abs(dy) < half + 20) {
        v = 60 + 10 * hash(x >> 3, y >> 3);
      } else if (Math.abs(dx) < half && Math.abs(dy) < half) {
        // Rings, 80 levels apart: an object, not a test chart.
        const r = Math.sqrt(dx * dx + dy * dy);
        v = Math.floor(r / ring) % 2 === 0 ? 165 : 85;
      } else {
        v =
          120 +
          45 * Math.sin(sx / 23) * Math.cos(sy / 17) +
          35 * (hash(Math.floor(sx / 10), Math.floor(sy / 10)) - 0.5);
      }
      out[y * width + x] = Math.max(0, Math.min(255, Math.round(v * light)));
    }
  }
  return out;
}
