// PINs and link tokens. A PIN is short so a customer can type it; the link
// carries a separate 128-bit token that cannot be guessed.
import { randomBytes, randomInt } from 'node:crypto';

export function newPin(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** 22 URL-safe characters: short enough for a 160-character SMS. */
export function newLinkToken(): string {
  return randomBytes(16).toString('base64url');
}
