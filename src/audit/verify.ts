// Recomputes the audit chain from the first row to the last and names the
// first row that breaks it (docs/records.md, "The audit chain"). Reads the
// table in pages by id, so an installation's years of rows never sit in memory.
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { CHAIN_PAGE } from './audit.ts';
import { detailsSha256, GENESIS, rowHash } from './chain.ts';

export type ChainVerdict = { ok: true; rows: number } | { ok: false; rowId: number; reason: string };

type Row = typeof auditLog.$inferSelect;

export async function verifyAuditChain(db: Db, { pageSize = CHAIN_PAGE } = {}): Promise<ChainVerdict> {
  let prev: { id: number; hash: string } | undefined;
  let count = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(prev ? gt(auditLog.id, prev.id) : undefined)
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    for (const row of page) {
      const reason = breakOf(row, prev);
      if (reason) return { ok: false, rowId: row.id, reason };
      prev = { id: row.id, hash: row.hash! };
      count++;
    }
    if (page.length < pageSize) return { ok: true, rows: count };
  }
}

/** Why `row` breaks the chain after `prev`, or null. */
function breakOf(row: Row, prev: { id: number; hash: string } | undefined): string | null {
  if (!row.hash || !row.prevHash || !row.detailsSha256)
    return 'it has no hash (written outside the chain, or its hash was removed)';
  const fields = { ...row, detailsSha256: row.detailsSha256, prevHash: row.prevHash };
  if (rowHash(fields) !== row.hash)
    return 'its hash does not match its fields: a field was changed, or the row was moved from another id';
  // A redacted row's details are gone on purpose; its stored details_sha256 stands for them.
  if (!(row.redactedAt && row.details === null) && detailsSha256(row.details) !== row.detailsSha256)
    return row.details === null
      ? 'its details were removed without a redaction'
      : 'its details were changed (they no longer match details_sha256)';
  const expected = prev?.hash ?? GENESIS;
  if (row.prevHash !== expected)
    return prev
      ? `its prev_hash does not match row ${prev.id}'s hash: a row between them was deleted, or rows were reordered`
      : 'its prev_hash is not the start of the chain: the rows before it were deleted';
  return null;
}
