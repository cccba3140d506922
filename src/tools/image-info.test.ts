// The image sniffer against real encoders' files (ffmpeg where installed, and
// zlib for a real PNG everywhere), headers laid out by the specs, and what a
// phone or an attacker might send instead: a file cut short, garbage behind a
// signature, text. (A file sent under another type or name: the route tests.)
import { describe, expect, test } from 'bun:test';
import { HEAD_BYTES, imageInfo } from './image-info.ts';
import { ffmpegImage, hasFfmpeg, jpeg, png, webpExtended, webpLossless, webpLossy } from './test-images.ts';

const cut = (b: Uint8Array, n: number) => b.subarray(0, n);

describe('what the image is, read from its bytes', () => {
  test('a real PNG: type and size from its IHDR', () => {
    expect(imageInfo(png(37, 21))).toEqual({ type: 'image/png', width: 37, height: 21 });
  });

  test('JPEG baseline, extended and progressive frame headers, after APPn segments', () => {
    expect(imageInfo(jpeg(4000, 3000))).toEqual({ type: 'image/jpeg', width: 4000, height: 3000 });
    expect(imageInfo(jpeg(640, 480, { sof: 0xc1 }))).toEqual({ type: 'image/jpeg', width: 640, height: 480 });
    expect(imageInfo(jpeg(1920, 1080, { sof: 0xc2, exifBytes: 60_000 }))).toEqual({
      type: 'image/jpeg',
      width: 1920,
      height: 1080,
    });
  });

  test('WebP: lossy (VP8), lossless (VP8L) and extended (VP8X)', () => {
    expect(imageInfo(webpLossy(1280, 720))).toEqual({ type: 'image/webp', width: 1280, height: 720 });
    expect(imageInfo(webpLossless(16_383, 1))).toEqual({ type: 'image/webp', width: 16_383, height: 1 });
    expect(imageInfo(webpExtended(20_000, 9))).toEqual({ type: 'image/webp', width: 20_000, height: 9 });
  });

  test.skipIf(!hasFfmpeg)("files from a real encoder (ffmpeg's mjpeg, png and libwebp)", () => {
    expect(imageInfo(ffmpegImage(64, 48, 'mjpeg'))).toEqual({ type: 'image/jpeg', width: 64, height: 48 });
    expect(imageInfo(ffmpegImage(33, 17, 'png'))).toEqual({ type: 'image/png', width: 33, height: 17 });
    expect(imageInfo(ffmpegImage(50, 30, 'libwebp'))).toEqual({ type: 'image/webp', width: 50, height: 30 });
    expect(imageInfo(ffmpegImage(50, 30, 'libwebp', ['-lossless', '1']))).toEqual({
      type: 'image/webp',
      width: 50,
      height: 30,
    });
  });
});

describe('refusals', () => {
  const refused = (b: Uint8Array) => 'refused' in imageInfo(b);

  test('text, HTML and SVG with an image name, an empty body, random bytes', () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    expect(refused(utf8('hello, this is photo.png'))).toBe(true);
    expect(refused(utf8('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))).toBe(true);
    expect(refused(utf8('<!doctype html><script>alert(1)</script>'))).toBe(true);
    expect(refused(new Uint8Array())).toBe(true);
    expect(refused(crypto.getRandomValues(new Uint8Array(4096)))).toBe(true);
    // A GIF is an image, but not one of the three kinds.
    expect(refused(utf8('GIF89a\u0001\u0000\u0001\u0000'))).toBe(true);
  });

  test('every image cut short anywhere, down to its signature', () => {
    for (const file of [png(20, 10), jpeg(20, 10), webpLossy(20, 10), webpLossless(20, 10), webpExtended(20, 10)])
      for (let n = 1; n < file.length; n++) expect({ n, refused: refused(cut(file, n)) }).toEqual({ n, refused: true });
  });

  test('garbage behind a real signature', () => {
    const garbage = (sig: number[]) =>
      new Uint8Array([...sig, ...crypto.getRandomValues(new Uint8Array(200)), 0xff, 0xd9]);
    expect(refused(garbage([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(refused(garbage([0xff, 0xd8, 0xff, 0x00]))).toBe(true);
    const riff = new Uint8Array([
      ...new TextEncoder().encode('RIFF'),
      200,
      0,
      0,
      0,
      ...new TextEncoder().encode('WEBPJUNK'),
    ]);
    expect(refused(new Uint8Array([...riff, ...new Uint8Array(200)]))).toBe(true);
  });

  test('a damaged PNG header (its CRC), a JPEG whose scan comes first, a zero size, arithmetic and lossless JPEG', () => {
    const damaged = png(20, 10);
    damaged[17] = 99; // the width changed, the CRC not
    expect(refused(damaged)).toBe(true);
    const scanFirst = jpeg(20, 10);
    const sos = scanFirst.findIndex((v, i) => v === 0xff && scanFirst[i + 1] === 0xda);
    expect(refused(new Uint8Array([0xff, 0xd8, ...scanFirst.subarray(sos)]))).toBe(true);
    expect(refused(jpeg(20, 0))).toBe(true);
    expect(refused(jpeg(0, 10))).toBe(true);
    expect(refused(jpeg(20, 10, { sof: 0xc3 }))).toBe(true);
    expect(refused(jpeg(20, 10, { sof: 0xc9 }))).toBe(true);
  });

  test('a JPEG whose metadata runs past the bytes that are read', () => {
    // APP1 segments of 64 KB each (the most a segment holds) filling the head.
    const app = [0xff, 0xe1, 0xff, 0xff, ...new Array(0xfffd).fill(0)];
    const segments = Math.ceil(HEAD_BYTES / app.length) + 1;
    const big = new Uint8Array([
      0xff,
      0xd8,
      ...Array.from({ length: segments }, () => app).flat(),
      ...jpeg(8, 8).subarray(2),
    ]);
    expect(refused(big)).toBe(true);
  });

  test('bytes after a WebP end, and a JPEG that is not closed by EOI', () => {
    expect(refused(new Uint8Array([...webpLossy(20, 10), 1, 2, 3, 4]))).toBe(true);
    const open = jpeg(20, 10);
    expect(refused(open.subarray(0, open.length - 2))).toBe(true);
    // Zero padding after EOI is what some writers add: still a JPEG.
    expect(imageInfo(new Uint8Array([...open, 0, 0, 0]))).toEqual({ type: 'image/jpeg', width: 20, height: 10 });
  });
});
