// How a text becomes SMPP short_message parts. GSM-7 costs half of UCS-2, so a
// text uses it whenever every character allows; longer texts are split with a
// concatenation header the handset uses to show them as one message.
//
// GSM-7 is sent unpacked (one septet per octet), the usual SMPP convention for
// data_coding 0 and the form the `smpp` package itself encodes and decodes.

/** GSM 03.38 default alphabet; the index is the septet. 0x1B is the escape, never a character. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const ESCAPE = 0x1b;
/** Extension table: sent as ESC followed by this septet. */
const GSM_EXTENSION: ReadonlyArray<[string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const basicSeptet = new Map<string, number>();
for (let i = 0; i < GSM_BASIC.length; i++) if (i !== ESCAPE) basicSeptet.set(GSM_BASIC[i]!, i);
const extensionSeptet = new Map(GSM_EXTENSION);
const extensionChar = new Map(GSM_EXTENSION.map(([char, septet]) => [septet, char]));

export const DATA_CODING_GSM = 0;
export const DATA_CODING_UCS2 = 8;
export type DataCoding = typeof DATA_CODING_GSM | typeof DATA_CODING_UCS2;

/** esm_class bit telling the SMSC that short_message starts with a user data header. */
export const ESM_CLASS_UDHI = 0x40;

export type SmsPart = { udh?: Buffer; message: Buffer };
export type EncodedSms = { dataCoding: DataCoding; parts: SmsPart[] };

const GSM_SINGLE = 160;
const GSM_PER_PART = 153; // 160 minus the 6-octet UDH (7 septets with fill bits)
const UCS2_SINGLE = 70;
const UCS2_PER_PART = 67; // 140 octets minus the 6-octet UDH, in 2-octet units
const MAX_PARTS = 255; // the concatenation header counts parts in one octet

/** The septets for one character (two for extension characters), or undefined if GSM-7 cannot carry it. */
function septetsOf(char: string): number[] | undefined {
  const basic = basicSeptet.get(char);
  if (basic !== undefined) return [basic];
  const extension = extensionSeptet.get(char);
  return extension === undefined ? undefined : [ESCAPE, extension];
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!septetsOf(char)) return false;
  return true;
}

/** Septets needed for a GSM-7 text (extension characters count twice), or undefined if it is not GSM-7. */
export function gsm7Length(text: string): number | undefined {
  let length = 0;
  for (const char of text) {
    const septets = septetsOf(char);
    if (!septets) return undefined;
    length += septets.length;
  }
  return length;
}

export function encodeGsm7(text: string): Buffer {
  const septets: number[] = [];
  for (const char of text) {
    const encoded = septetsOf(char);
    if (!encoded) throw new RangeError(`not a GSM-7 character: U+${char.codePointAt(0)!.toString(16).toUpperCase()}`);
    septets.push(...encoded);
  }
  return Buffer.from(septets);
}

/** Unknown septets and a dangling escape decode as a space, as handsets do. */
export function decodeGsm7(septets: Buffer): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i]!;
    if (septet === ESCAPE) {
      text += extensionChar.get(septets[++i] ?? -1) ?? ' ';
    } else {
      text += GSM_BASIC[septet] ?? ' ';
    }
  }
  return text;
}

export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16(); // UTF-16BE; astral characters as surrogate pairs
}

export function decodeUcs2(octets: Buffer): string {
  return Buffer.from(octets).swap16().toString('utf16le');
}

/** Concatenation information element with an 8-bit reference: 05 00 03 ref total seq. */
export function concatUdh(reference: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

// Random start so references do not repeat right after a restart; the handset
// only needs them to differ between concurrent long texts from one sender.
let lastReference = Math.floor(Math.random() * 256);
export function nextReference(): number {
  lastReference = (lastReference + 1) & 0xff;
  return lastReference;
}

/**
 * Splits a text into SMPP parts: GSM-7 when every character allows (160 septets, or 153
 * per part), else UCS-2 (70 units, or 67 per part). Throws a RangeError beyond 255 parts.
 */
export function splitSms(text: string, reference: number = nextReference()): EncodedSms {
  const gsm = isGsm7(text);
  const dataCoding: DataCoding = gsm ? DATA_CODING_GSM : DATA_CODING_UCS2;
  const encode = gsm ? encodeGsm7 : encodeUcs2;
  const sizeOf = (char: string) => (gsm ? septetsOf(char)!.length : char.length);
  const chars = [...text]; // whole code points, so a surrogate pair stays together
  if (chars.reduce((sum, char) => sum + sizeOf(char), 0) <= (gsm ? GSM_SINGLE : UCS2_SINGLE)) {
    return { dataCoding, parts: [{ message: encode(text) }] };
  }
  // Whole characters only, so an escape pair or a surrogate pair never straddles two parts.
  const perPart = gsm ? GSM_PER_PART : UCS2_PER_PART;
  const chunks: string[] = [];
  let chunk = '';
  let size = 0;
  for (const char of chars) {
    if (size + sizeOf(char) > perPart) {
      chunks.push(chunk);
      chunk = '';
      size = 0;
    }
    chunk += char;
    size += sizeOf(char);
  }
  chunks.push(chunk);
  if (chunks.length > MAX_PARTS)
    throw new RangeError(`text needs ${chunks.length} parts, at most ${MAX_PARTS} can be concatenated`);
  return {
    dataCoding,
    parts: chunks.map((part, i) => ({ udh: concatUdh(reference, chunks.length, i + 1), message: encode(part) })),
  };
}

export type ConcatInfo = { reference: number; total: number; seq: number };

/** Reads the concatenation element (8- or 16-bit reference) from a list of UDH information elements. */
export function concatInfo(elements: readonly Buffer[]): ConcatInfo | undefined {
  for (const ie of elements) {
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return { reference: ie[2]!, total: ie[3]!, seq: ie[4]! };
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6)
      return { reference: ie.readUInt16BE(2), total: ie[4]!, seq: ie[5]! };
  }
  return undefined;
}

export type Receipt = { messageId: string; stat: string; err?: string };

/**
 * Parses the SMPP 3.4 appendix B receipt text
 * "id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…".
 * Returns undefined when it has no id or no stat.
 */
export function parseReceipt(text: string): Receipt | undefined {
  // Stop before "text:" so the message excerpt can never masquerade as a field.
  const head = text.split(/\btext:/i)[0] ?? '';
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S+)`, 'i').exec(head)?.[1];
  const messageId = field('id');
  const stat = field('stat');
  if (!messageId || !stat) return undefined;
  const err = field('err');
  return err === undefined ? { messageId, stat: stat.toUpperCase() } : { messageId, stat: stat.toUpperCase(), err };
}
