// manifest.json of an evidence bundle: what the writer (bundle.ts) lists and
// the verifier (scripts/evidence-verify.ts) checks. Its exact bytes are signed
// (manifest.sig), so the verifier hashes the file as it is, never a re-encoding.
import { z } from 'zod';

export const BUNDLE_FORMAT = 'loupe-evidence/1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestFileSchema = z.strictObject({
  path: z.string().min(1),
  size: z.number().int().min(0),
  sha256,
});
export type ManifestFile = z.output<typeof manifestFileSchema>;

export const manifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  sessionId: z.uuid(),
  createdAt: z.iso.datetime(),
  algorithm: z.literal('Ed25519'),
  /** The signing key's raw public half, base64url, and its SHA-256 (hex), as GET /api/evidence-key gives them. */
  publicKey: z.string().regex(/^[\w-]{43}$/),
  fingerprint: sha256,
  /** Every file of the bundle but the manifest and its signature, in the ZIP's order. */
  files: z.array(manifestFileSchema),
});
export type Manifest = z.output<typeof manifestSchema>;
