// Small images for the snapshot tests, made here rather than checked in: a
// real PNG (deflated with zlib, every CRC right, any decoder shows it), and
// JPEG and WebP files whose headers are laid out as their specs say (the
// server reads only headers; ffmpeg, where installed, makes fully encoded
// ones in image-info.test.ts).
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { snapshots } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { type ImageInfo, imageInfo, isRefusal } from './image-info.ts';
import { snapshotDir, storeBytes } from './snapshot-store.ts';

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const le32 = (n: number) => [...le24(n), (n >>> 24) & 255];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

function pngChunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array([...text(type), ...data]);
  return [...be32(data.length), ...typed, ...be32(Bun.hash.crc32(typed))];
}

/** A real RGB PNG of `width` × `height`: a gradient (two sizes never share bytes), or `noise` (it does not compress). */
export function png(width: number, height: number, { noise = false } = {}): Uint8Array {
  const header = new Uint8Array([...be32(width), ...be32(height), 8, 2, 0, 0, 0]);
  const rows = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([x & 255, y & 255, 128], y * (1 + width * 3) + 1 + x * 3);
  if (noise) for (let i = 0; i < rows.length; i++) if (i % (1 + width * 3)) rows[i] = (Math.random() * 256) | 0;
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...pngChunk('IHDR', header),
    ...pngChunk('IDAT', deflateSync(rows)),
    ...pngChunk('IEND', new Uint8Array()),
  ]);
}

const segment = (marker: number, body: number[]) => [
  0xff,
  marker,
  ...[(body.length + 2) >> 8, (body.length + 2) & 255],
  ...body,
];

/**
 * A JPEG's segments in a camera's order: SOI, APP0 (JFIF), APP1 (EXIF, `exifBytes` long),
 * DQT, the frame header (`sof`: 0xc0 baseline, 0xc2 progressive…), DHT, SOS, scan data, EOI.
 */
export function jpeg(width: number, height: number, opts: { sof?: number; exifBytes?: number } = {}): Uint8Array {
  const exif = [...text('Exif'), 0, 0, ...new Array(opts.exifBytes ?? 64).fill(0x4d)];
  return new Uint8Array([
    0xff,
    0xd8,
    ...segment(0xe0, [...text('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xe1, exif),
    ...segment(0xdb, [0, ...new Array(64).fill(1)]),
    ...segment(opts.sof ?? 0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0, ...new Array(16).fill(0), 0]),
    ...segment(0xda, [1, 1, 0, 0, 63, 0]),
    ...new Array(32).fill(0x55),
    0xff,
    0xd9,
  ]);
}

const riff = (chunk: string, body: number[]) => {
  const padded = body.length % 2 ? [...body, 0] : body;
  return new Uint8Array([
    ...text('RIFF'),
    ...le32(4 + 8 + padded.length),
    ...text('WEBP'),
    ...text(chunk),
    ...le32(body.length),
    ...padded,
  ]);
};

/** A lossy WebP (VP8 key frame header). */
export function webpLossy(width: number, height: number): Uint8Array {
  return riff('VP8 ', [0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, ...le16(width), ...le16(height), ...new Array(16).fill(0)]);
}

/** A lossless WebP (VP8L header). */
export function webpLossless(width: number, height: number): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14);
  return riff('VP8L', [0x2f, ...le32(bits >>> 0), ...new Array(8).fill(0)]);
}

/** An extended WebP (VP8X, with the canvas size) holding a VP8 image. */
export function webpExtended(width: number, height: number): Uint8Array {
  return riff('VP8X', [0, 0, 0, 0, ...le24(width - 1), ...le24(height - 1)]);
}

/** Whether ffmpeg is installed, for the tests that encode real JPEG and WebP files with it. */
export const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** A `width` × `height` test picture encoded by ffmpeg as `format` (mjpeg, png, webp). */
export function ffmpegImage(width: number, height: number, codec: string, extra: string[] = []): Uint8Array {
  const format = codec === 'libwebp' ? 'webp' : 'image2pipe';
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=1`, '-frames:v', '1'];
  const run = spawnSync('ffmpeg', [...args, '-c:v', codec, ...extra, '-f', format, '-'], { maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`ffmpeg ${codec} failed: ${run.stderr}`);
  return new Uint8Array(run.stdout);
}

/** A stored snapshot of `sessionId` made straight in the store and the table (fixtures); its id. */
export async function storedSnapshot(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  sessionId: string,
  image: Uint8Array = png(4, 3),
): Promise<string> {
  const info = imageInfo(image);
  if (isRefusal(info)) throw new Error(`not an image: ${info.refused}`);
  const { sha256 } = await storeBytes(snapshotDir(deps.config), image);
  const now = deps.clock.now();
  const [row] = await deps.db
    .insert(snapshots)
    .values({ sessionId, status: 'stored', requestedAt: now, takenAt: now, bytes: image.length, sha256, ...size(info) })
    .returning({ id: snapshots.id });
  return row!.id;
}

const size = (info: ImageInfo) => ({ width: info.width, height: info.height, contentType: info.type });

/** A pending request of `sessionId`, as POST /api/sessions/:id/snapshots makes it (without its event). */
export async function requestedSnapshot(deps: Pick<Deps, 'db' | 'clock'>, sessionId: string): Promise<string> {
  const [row] = await deps.db
    .insert(snapshots)
    .values({ sessionId, status: 'requested', requestedAt: deps.clock.now() })
    .returning({ id: snapshots.id });
  return row!.id;
}
