// Passwords: argon2id via the `argon2` package (the only hashing library we use).
import argon2 from 'argon2';
import { z } from 'zod';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/** The documented rule: 12 to 256 characters. Length beats composition rules (NIST SP 800-63B). */
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, `The password must be at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `The password must be at most ${PASSWORD_MAX} characters.`);

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Verifying against a throwaway hash when the email is unknown keeps the
// response time the same, so timing does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(await dummyHash, password);
}
