// Renders the Lens app icons (web/static/icons/*.png) from the Loupe mark in
// web/static/favicon.svg: a white magnifier on the accent blue. No image
// library: the shapes are drawn as distance fields with 8×8 supersampling and
// written as 8-bit RGBA PNGs through node:zlib. Same script, same pixels.
//
//   bun scripts/build-icons.ts           writes the icons
//   bun scripts/build-icons.ts --check   exits 1 when a committed icon's pixels differ
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';

const OUT = new URL('../web/static/icons/', import.meta.url).pathname;
const ACCENT = [0x24, 0x56, 0xc4] as const;
const WHITE = [0xff, 0xff, 0xff] as const;
const SAMPLES = 8;

export type Icon = {
  file: string;
  size: number;
  /** full: the accent fills the square (maskable, Apple); rounded: the favicon's rounded square on transparency. */
  shape: 'rounded' | 'full';
  /** The mark's scale around the centre: maskable icons keep it inside the 80 % safe circle. */
  markScale: number;
};

export const ICONS: Icon[] = [
  { file: 'lens-192.png', size: 192, shape: 'rounded', markScale: 1 },
  { file: 'lens-512.png', size: 512, shape: 'rounded', markScale: 1 },
  { file: 'lens-maskable-192.png', size: 192, shape: 'full', markScale: 0.78 },
  { file: 'lens-maskable-512.png', size: 512, shape: 'full', markScale: 0.78 },
  { file: 'apple-touch-icon.png', size: 180, shape: 'full', markScale: 0.86 },
];

// The favicon's geometry, in its 32-unit viewBox.
const RING = { cx: 14, cy: 14, r: 6.5, half: 1.3 };
const HANDLE = { x1: 19, y1: 19, x2: 24.5, y2: 24.5, half: 1.4 };
const CORNER = 8;

function inRoundedSquare(x: number, y: number): boolean {
  if (x < 0 || y < 0 || x > 32 || y > 32) return false;
  const dx = Math.max(CORNER - x, x - (32 - CORNER), 0);
  const dy = Math.max(CORNER - y, y - (32 - CORNER), 0);
  return dx * dx + dy * dy <= CORNER * CORNER;
}

function inMark(x: number, y: number): boolean {
  const ring = Math.abs(Math.hypot(x - RING.cx, y - RING.cy) - RING.r) <= RING.half;
  if (ring) return true;
  const vx = HANDLE.x2 - HANDLE.x1,
    vy = HANDLE.y2 - HANDLE.y1;
  const t = Math.max(0, Math.min(1, ((x - HANDLE.x1) * vx + (y - HANDLE.y1) * vy) / (vx * vx + vy * vy)));
  return Math.hypot(x - (HANDLE.x1 + t * vx), y - (HANDLE.y1 + t * vy)) <= HANDLE.half;
}

/** RGBA pixels, row by row. */
export function render(icon: Icon): Uint8Array {
  const { size, shape, markScale } = icon;
  const px = new Uint8Array(size * size * 4);
  const unit = 32 / size;
  // The mark's visual centre (the favicon's is a little up and left of 16,16).
  const cx = 16,
    cy = 16;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let bg = 0,
        mark = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (col + (sx + 0.5) / SAMPLES) * unit;
          const y = (row + (sy + 0.5) / SAMPLES) * unit;
          const inside = shape === 'full' || inRoundedSquare(x, y);
          if (!inside) continue;
          bg++;
          if (inMark(cx + (x - cx) / markScale, cy + (y - cy) / markScale)) mark++;
        }
      }
      const n = SAMPLES * SAMPLES;
      const i = (row * size + col) * 4;
      const alpha = bg / n;
      // Colour of the covered part: white where the mark is, accent elsewhere.
      const m = bg ? mark / bg : 0;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(ACCENT[c]! * (1 - m) + WHITE[c]! * m);
      px[i + 3] = Math.round(alpha * 255);
      if (px[i + 3] === 0) px[i] = px[i + 1] = px[i + 2] = 0;
    }
  }
  return px;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, adaptive filters, no interlace
  // Filter type 0 (none) on every row keeps the encoder simple and the output stable.
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const idat = deflateSync(raw, { level: 9 });
  const signature = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Decodes the PNGs this script writes (8-bit RGBA, non-interlaced, any filter). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8,
    width = 0,
    height = 0;
  const idat: Uint8Array[] = [];
  while (o < bytes.length) {
    const len = view.getUint32(o);
    const type = new TextDecoder().decode(bytes.subarray(o + 4, o + 8));
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (crc32(bytes.subarray(o + 4, o + 8 + len)) !== view.getUint32(o + 8 + len))
      throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = view.getUint32(o + 8);
      height = view.getUint32(o + 12);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('only 8-bit RGBA non-interlaced PNGs');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c,
        pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const pred =
        f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      rgba[y * stride + x] = (line[x]! + pred) & 0xff;
    }
  }
  return { width, height, rgba };
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  mkdirSync(OUT, { recursive: true });
  let stale = 0;
  for (const icon of ICONS) {
    const rgba = render(icon);
    const path = OUT + icon.file;
    if (check) {
      let same = false;
      try {
        const have = decodePng(new Uint8Array(readFileSync(path)));
        same =
          have.width === icon.size && have.height === icon.size && Buffer.from(have.rgba).equals(Buffer.from(rgba));
      } catch {
        /* missing or unreadable: stale */
      }
      if (!same) {
        stale++;
        console.error(`stale: web/static/icons/${icon.file} (run bun scripts/build-icons.ts)`);
      }
    } else {
      const png = encodePng(icon.size, icon.size, rgba);
      writeFileSync(path, png);
      console.log(`web/static/icons/${icon.file}  ${icon.size}×${icon.size}  ${png.length} bytes`);
    }
  }
  if (stale) process.exit(1);
}
