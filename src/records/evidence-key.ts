// The key that signs evidence bundles (docs/records.md, "The evidence
// bundle"): an Ed25519 pair made with WebCrypto at first start and kept in
// `<dataDir>/evidence-key.json` (mode 0600). It is never replaced by Loupe: a
// new key would leave every bundle already sent without a key its recipients
// pinned, so a file that cannot be read is a start-up error for the operator
// to resolve (restore it from the backup), not a reason to make another.
import { createHash, randomUUID } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { EvidenceKey } from '../contract/records.ts';

export const EVIDENCE_KEY_FILE = 'evidence-key.json';
const ED25519 = { name: 'Ed25519' } as const;

/** The loaded pair: what GET /api/evidence-key answers, and the private half that signs. */
export type EvidenceKeyPair = { view: EvidenceKey; privateKey: CryptoKey };

export class EvidenceKeyError extends Error {}

// The private key as a JWK (`d` and `x`, base64url): readable, and WebCrypto imports it as it is.
const keyFile = z.strictObject({
  version: z.literal(1),
  algorithm: z.literal('Ed25519'),
  createdAt: z.iso.datetime(),
  publicKey: z.string().regex(/^[\w-]{43}$/),
  privateKey: z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), d: z.string(), x: z.string() }),
});
type KeyFile = z.output<typeof keyFile>;

export const base64url = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(new Uint8Array(bytes)).toString('base64url');
/** SHA-256 of the raw public key, hex: what a recipient compares. */
export const fingerprintOf = (raw: Uint8Array) => createHash('sha256').update(raw).digest('hex');

/**
 * The installation's key: loaded from the data directory, or made and stored
 * there when there is none. Throws EvidenceKeyError when the file is there but
 * is not a key this code wrote.
 */
export async function loadEvidenceKey(dataDir: string, now: Date = new Date()): Promise<EvidenceKeyPair> {
  const path = join(dataDir, EVIDENCE_KEY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EvidenceKeyError(`${path}: ${String(err)}`);
    return keyOf(await createKeyFile(path, now), path);
  }
  let parsed: KeyFile;
  try {
    parsed = keyFile.parse(JSON.parse(text));
  } catch {
    throw new EvidenceKeyError(
      `${path} is not a Loupe evidence key. Restore it from a backup (bundles already sent were signed with it); ` +
        'only if it is lost for good, move it away and start again to make a new one.',
    );
  }
  return keyOf(parsed, path);
}

async function keyOf(file: KeyFile, path: string): Promise<EvidenceKeyPair> {
  // The public key stored beside the private one must be its own half, or bundles would not verify.
  if (file.privateKey.x !== file.publicKey)
    throw new EvidenceKeyError(`${path}: the public key is not the private key's`);
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey('jwk', file.privateKey, ED25519, false, ['sign']);
  } catch {
    throw new EvidenceKeyError(`${path}: the private key cannot be read`);
  }
  const raw = Buffer.from(file.publicKey, 'base64url');
  const view: EvidenceKey = {
    algorithm: 'Ed25519',
    publicKey: file.publicKey,
    fingerprint: fingerprintOf(raw),
    createdAt: file.createdAt,
  };
  return { view, privateKey };
}

/**
 * Makes a pair and stores it: written whole to a temporary file (0600, synced),
 * then linked into place, which fails when another process got there first:
 * then its key is the one, and this one is dropped.
 */
async function createKeyFile(path: string, now: Date): Promise<KeyFile> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const raw = await crypto.subtle.exportKey('raw', pair.publicKey);
  const file: KeyFile = keyFile.parse({
    version: 1,
    algorithm: 'Ed25519',
    createdAt: now.toISOString(),
    publicKey: base64url(raw),
    privateKey: { kty: jwk.kty, crv: jwk.crv, d: jwk.d, x: jwk.x },
  });
  const temp = `${path}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await unlink(temp);
    return keyFile.parse(JSON.parse(await readFile(path, 'utf8')));
  }
  await unlink(temp);
  return file;
}

/** Ed25519 over `bytes`, base64url (manifest.sig). */
export async function sign(key: EvidenceKeyPair, bytes: Uint8Array): Promise<string> {
  return base64url(await crypto.subtle.sign(ED25519, key.privateKey, bytes as Uint8Array<ArrayBuffer>));
}

/** Whether `signature` (base64url) is `publicKey`'s (base64url raw) over `bytes`. */
export async function verifySignature(publicKey: string, signature: string, bytes: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('raw', Buffer.from(publicKey, 'base64url'), ED25519, false, ['verify']);
    return await crypto.subtle.verify(
      ED25519,
      key,
      Buffer.from(signature, 'base64url'),
      bytes as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
