// What an uploaded snapshot is, read from its bytes and never from its name
// or the content type the browser sent: a JPEG, PNG or WebP whose header
// names its size, or a refusal. Only headers are read (nothing is decoded),
// so the answer comes from the first bytes and the last few: the upload is
// streamed to disk and only those are kept in memory (snapshot-store.ts).
//
// Width and height are those of the pixels as stored. A JPEG's EXIF
// orientation is not applied: a phone photo held upright may be stored
// 4000 × 3000 with "rotate 90°" and shown 3000 × 4000. The browsers Loupe
// serves apply the orientation when they show it; the size here is the
// stored one, which is what the phone's camera took.

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';
export type ImageInfo = { type: ImageType; width: number; height: number };
export type Refusal = { refused: string };

/** Bytes of the start of a file that are read: a JPEG's frame header comes after its APPn segments (EXIF, ICC). */
export const HEAD_BYTES = 1024 * 1024;
/** Bytes of the end of a file that are read: a JPEG's EOI, a PNG's IEND. */
export const TAIL_BYTES = 16;

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32le = (b: Uint8Array, i: number) => u24le(b, i) + b[i + 3]! * 0x1000000;
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));
const startsWith = (b: Uint8Array, sig: number[]) => sig.every((v, i) => b[i] === v);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** A PNG's last chunk, whole: length 0, "IEND", its CRC. */
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/**
 * The image in `head` (the file's first HEAD_BYTES or fewer), given the
 * file's `size` and its last TAIL_BYTES (`tail`), which tell a file cut short.
 */
export function sniffImage(head: Uint8Array, size: number, tail: Uint8Array): ImageInfo | Refusal {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return jpeg(head, tail);
  if (startsWith(head, PNG_SIGNATURE)) return png(head, tail);
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return webp(head, size);
  return { refused: 'not a JPEG, PNG or WebP image' };
}

/** The same for a whole file in memory. */
export function imageInfo(bytes: Uint8Array): ImageInfo | Refusal {
  return sniffImage(
    bytes.subarray(0, HEAD_BYTES),
    bytes.length,
    bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
  );
}

export const isRefusal = (x: ImageInfo | Refusal): x is Refusal => 'refused' in x;

const sized = (type: ImageType, width: number, height: number): ImageInfo | Refusal =>
  width > 0 && height > 0 ? { type, width, height } : { refused: 'the image has no width or height' };

/**
 * Walks the segments from SOI to the first frame header. SOF0 (baseline),
 * SOF1 (extended) and SOF2 (progressive) are what cameras and browsers write
 * and every browser shows; the lossless, hierarchical and arithmetic-coded
 * kinds are refused. APPn (EXIF, JFIF, ICC), DQT, DHT, DRI and COM are skipped by their lengths.
 */
function jpeg(b: Uint8Array, tail: Uint8Array): ImageInfo | Refusal {
  // A cut-off upload would show half a photo: the EOI marker must close the file (zero padding allowed).
  let end = tail.length;
  while (end > 0 && tail[end - 1] === 0) end--;
  if (end < 2 || tail[end - 2] !== 0xff || tail[end - 1] !== 0xd9) return { refused: 'the JPEG is cut short (no EOI)' };
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { refused: 'the JPEG has a broken segment' };
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // TEM, RSTn: no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { refused: 'the JPEG has no frame header before its image data' };
    const length = u16be(b, i + 2);
    if (length < 2) return { refused: 'the JPEG has a broken segment' };
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (marker > 0xc2) return { refused: 'the JPEG is of a kind browsers do not show (lossless or arithmetic)' };
      if (length < 8 || i + 9 > b.length) break;
      // SOFn: length, precision, height, width. A height of 0 (set later by DNL) is refused by `sized`.
      return sized('image/jpeg', u16be(b, i + 7), u16be(b, i + 5));
    }
    i += 2 + length;
  }
  return { refused: 'the JPEG ends, or its metadata runs on, before its frame header' };
}

/** The IHDR chunk, which must come first: width, height, and its CRC. */
function png(b: Uint8Array, tail: Uint8Array): ImageInfo | Refusal {
  if (b.length < 33) return { refused: 'the PNG is cut short' };
  if (u32be(b, 8) !== 13 || ascii(b, 12, 4) !== 'IHDR') return { refused: 'the PNG does not start with its header' };
  if (Bun.hash.crc32(b.subarray(12, 29)) !== u32be(b, 29)) return { refused: "the PNG's header is damaged" };
  if (tail.length < PNG_IEND.length || !startsWith(tail.subarray(tail.length - PNG_IEND.length), PNG_IEND))
    return { refused: 'the PNG is cut short (no IEND)' };
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  // The PNG spec caps both at 2^31 - 1.
  if (width > 0x7fffffff || height > 0x7fffffff) return { refused: "the PNG's size is out of range" };
  return sized('image/png', width, height);
}

/** The RIFF container's first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended, with the canvas size). */
function webp(b: Uint8Array, size: number): ImageInfo | Refusal {
  if (b.length < 30) return { refused: 'the WebP is cut short' };
  // The RIFF size counts everything after its own 8 bytes; a writer may pad to an even length.
  const riff = u32le(b, 4);
  if (riff + 8 > size || riff + 9 < size) return { refused: 'the WebP is cut short or has bytes after its end' };
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes; bit 0 clear on a key frame), start code 9d 01 2a, then 14-bit width and height.
    if ((b[20]! & 1) !== 0 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a)
      return { refused: "the WebP's VP8 frame is damaged" };
    return sized('image/webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width - 1 and height - 1 in 14 bits each, least significant bit first.
    if (b[20] !== 0x2f) return { refused: "the WebP's VP8L stream is damaged" };
    const bits = u32le(b, 21);
    return sized('image/webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Flags (1), reserved (3), canvas width - 1 and height - 1 in 24 bits each.
    if (u32le(b, 16) < 10) return { refused: "the WebP's VP8X header is damaged" };
    return sized('image/webp', u24le(b, 24) + 1, u24le(b, 27) + 1);
  }
  return { refused: 'the WebP has no image chunk it starts with' };
}
