// Audit rows are written inside the caller's transaction, so a state change
// and its record land together or not at all. Each row is a link of the hash
// chain (docs/records.md, "The audit chain"; the arithmetic is chain.ts).
import { and, asc, desc, gt, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { AUDIT_LOCK_KEY, detailsSha256, GENESIS, rowHash } from './chain.ts';

export type Actor = { type: 'technician'; id: string } | { type: 'system' } | { type: 'customer'; id: string };

/** Rows per query when sealing (and verifying): never the whole table in memory. */
export const CHAIN_PAGE = 1000;

/**
 * Writes one audit row chained onto the last one; its id. `at` is the
 * caller's clock when it has one, else now.
 */
export async function audit(
  tx: Tx,
  actor: Actor,
  action: string,
  subject?: { type: string; id: string },
  details?: Record<string, unknown>,
  opts: { at?: Date } = {},
): Promise<number> {
  await lockChain(tx);
  // The id first (the hash covers it, and the row is written once, whole), with
  // the hash to chain onto: one round trip on every audited change.
  const [next] = await tx
    .select({
      id: sql<string>`nextval(pg_get_serial_sequence('audit_log', 'id'))`,
      last: sql<string | null>`(select ${auditLog.hash} from ${auditLog} order by ${auditLog.id} desc limit 1)`,
      empty: sql<boolean>`not exists (select 1 from ${auditLog})`,
    })
    .from(sql`(values (1)) as one`);
  const prevHash = next!.empty ? GENESIS : (next!.last ?? (await hashBeforeUnsealed(tx)));
  const fields = {
    id: Number(next!.id),
    at: new Date(opts.at?.getTime() ?? Date.now()),
    actorType: actor.type,
    actorId: 'id' in actor ? actor.id : null,
    action,
    subjectType: subject?.type ?? null,
    subjectId: subject?.id ?? null,
    detailsSha256: detailsSha256(details),
    prevHash,
  };
  await tx.insert(auditLog).values({ ...fields, details: details ?? null, hash: rowHash(fields) });
  return fields.id;
}

/**
 * Until the caller's transaction ends, no other transaction (on this node or
 * another, PGlite or PostgreSQL) reads or extends the chain, so two rows can
 * never name the same previous row. Reentrant within one transaction.
 */
async function lockChain(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_LOCK_KEY.toString())})`);
}

/** The hash to chain onto when the last row has none: seal the rows written before the chain first. */
async function hashBeforeUnsealed(tx: Tx): Promise<string> {
  await sealPending(tx);
  // A row without a hash after chained ones was tampered with; the verifier names it. Chain on past it.
  const [chained] = await tx
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .where(isNotNull(auditLog.hash))
    .orderBy(desc(auditLog.id))
    .limit(1);
  return chained?.hash ?? GENESIS;
}

/**
 * Seals the rows written before the chain existed (hash null, before every
 * chained row), in id order; how many. Run at start-up, right after the
 * migrations. A row without a hash *after* chained rows is not sealed: that
 * is a break the verifier reports, not history to adopt.
 */
export async function sealAuditChain(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    await lockChain(tx);
    return sealPending(tx);
  });
}

async function sealPending(tx: Tx): Promise<number> {
  const [first] = await tx
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(isNotNull(auditLog.hash))
    .orderBy(asc(auditLog.id))
    .limit(1);
  let prevHash = GENESIS;
  let after = 0;
  let sealed = 0;
  for (;;) {
    const page = await tx
      .select()
      .from(auditLog)
      .where(and(isNull(auditLog.hash), gt(auditLog.id, after), first ? lt(auditLog.id, first.id) : undefined))
      .orderBy(asc(auditLog.id))
      .limit(CHAIN_PAGE);
    for (const row of page) {
      // `at` written back as the millisecond the hash covers (the column holds microseconds).
      const fields = { ...row, at: new Date(row.at.getTime()), detailsSha256: detailsSha256(row.details), prevHash };
      const hash = rowHash(fields);
      await tx
        .update(auditLog)
        .set({ at: fields.at, detailsSha256: fields.detailsSha256, prevHash, hash })
        .where(sql`${auditLog.id} = ${row.id}`);
      prevHash = hash;
      after = row.id;
      sealed++;
    }
    if (page.length < CHAIN_PAGE) return sealed;
  }
}
