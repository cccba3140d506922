// The audit hash chain's arithmetic (docs/records.md, "The audit chain"): pure
// functions shared by the writer (audit.ts), the start-up seal and the
// verifier, so all three hash a row in exactly the same way.
import { createHash } from 'node:crypto';

/** The previous hash of the first row. */
export const GENESIS = '0'.repeat(64);

/**
 * The key of the transaction-level advisory lock that serialises chain writes
 * (any fixed bigint; ASCII "LoupeAud").
 */
export const AUDIT_LOCK_KEY = 0x4c6f757065417564n;

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * JSON with every object's keys sorted, recursively. The value first goes
 * through JSON itself, as it does on its way into jsonb: `undefined` members
 * vanish and a Date becomes its ISO string, so the hash of what was written
 * equals the hash of what is read back.
 */
export function canonicalJson(value: unknown): string {
  const plain = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return JSON.stringify(sorted(plain));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}

/** SHA-256 of the details' canonical JSON; no details hash as `null`. */
export const detailsSha256 = (details: Record<string, unknown> | null | undefined) =>
  sha256Hex(canonicalJson(details ?? null));

/** The fields a row's hash covers. */
export type ChainedFields = {
  id: number;
  at: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  detailsSha256: string;
  prevHash: string;
};

export function rowHash(r: ChainedFields): string {
  return sha256Hex(
    JSON.stringify([
      r.id,
      r.at.toISOString(),
      r.actorType,
      r.actorId,
      r.action,
      r.subjectType,
      r.subjectId,
      r.detailsSha256,
      r.prevHash,
    ]),
  );
}
