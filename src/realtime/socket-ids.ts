// What an idle socket must remember (its technician and sign-in, or its Lens
// session) kept as bytes in an array made with the socket, not as strings. JSC
// does not move objects: a string made during the upgrade, amid the garbage of
// the request and the lookups, later pins a mostly empty heap block on its own
// (bench/sockets.ts measured ~4 KiB per string per idle socket, ~8 KiB for the
// cookie, a slice that kept the request's headers alive).
import { tokenDigest } from '../auth/tokens.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 bytes at `offset`; throws on anything but a UUID (and writes nothing). */
export function writeUuid(into: Uint8Array, offset: number, id: string): void {
  if (!UUID.test(id)) throw new Error(`not a UUID: ${id}`);
  into.set(Buffer.from(id.replaceAll('-', ''), 'hex'), offset);
}

export function uuidAt(bytes: Uint8Array, offset: number): string {
  const h = (from: number, to: number) => hexAt(bytes, offset + from, offset + to);
  return `${h(0, 4)}-${h(4, 6)}-${h(6, 8)}-${h(8, 10)}-${h(10, 16)}`;
}

/** SHA-256 of a sign-in token, 32 bytes at `offset`; hexAt(…, 32) gives it back as the auth_sessions table stores it. */
export function writeTokenHash(into: Uint8Array, offset: number, token: string): void {
  into.set(tokenDigest(token), offset);
}

/**
 * Hex by hand: reading `.buffer` (or taking a subarray) of a small typed array
 * makes JSC move its bytes into a new ArrayBuffer, allocated then, which undoes
 * the point of this module (measured: 32 KiB per idle console socket instead of ~14).
 */
export function hexAt(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += HEX[bytes[i]!];
  return out;
}

/**
 * A UUID's first 48 bits as a number: the key of an open-sockets index. A
 * number key keeps no string alive; two ids sharing a key (a chance of 2^-48
 * per pair) only make the index's users compare the full id.
 */
export function uuidKey(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
