// Random bearer tokens (cookies, setup links). Only their SHA-256 is stored,
// so a copy of the database does not let anyone sign in.
import { createHash, randomBytes } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** The same SHA-256 as bytes (what an idle console socket keeps: src/realtime/socket-ids.ts). */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
