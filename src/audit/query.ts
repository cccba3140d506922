// The administrator's audit view (docs/records.md, "The audit chain"): audit
// rows newest first, filtered by actor, session, kind and date, in keyset
// pages by id, so a page never repeats or skips a row while new ones arrive.
import { and, desc, eq, gte, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import type { AuditQuery, AuditRow } from '../contract/records.ts';
import { PAGE_DEFAULT } from '../contract/limits.ts';
import type { Db } from '../db/client.ts';
import { auditLog, technicians } from '../db/schema.ts';
import { Invalid } from '../http/errors.ts';

export type AuditFilters = Omit<AuditQuery, 'cursor' | 'limit'>;

const DAY_MS = 86_400_000;
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
/** A date is that day from 00:00 UTC. */
const instant = (s: string) => new Date(isDate(s) ? `${s}T00:00:00Z` : s);

/** The SQL condition of the filters; rows without a hash (a break the verifier names) are not shown. */
export function auditCondition(f: AuditFilters): SQL {
  const kind = f.kind?.endsWith('.')
    ? sql`left(${auditLog.action}, ${f.kind.length}) = ${f.kind}`
    : f.kind && eq(auditLog.action, f.kind);
  const to = f.to && new Date(instant(f.to).getTime() + (isDate(f.to) ? DAY_MS : 0));
  return and(
    isNotNull(auditLog.hash),
    f.actorId ? eq(auditLog.actorId, f.actorId) : undefined,
    f.sessionId ? and(eq(auditLog.subjectType, 'session'), eq(auditLog.subjectId, f.sessionId)) : undefined,
    kind || undefined,
    f.from ? gte(auditLog.at, instant(f.from)) : undefined,
    // A date `to` includes that whole day.
    to ? lt(auditLog.at, to) : undefined,
  )!;
}

export const encodeCursor = (id: number) => Buffer.from(`a${id}`).toString('base64url');
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^a[1-9]\d{0,15}$/.test(text))
    throw new Invalid('cursor: This is not a cursor from a previous page.', [
      { path: 'cursor', message: 'This is not a cursor from a previous page.' },
    ]);
  return Number(text.slice(1));
}

/** Rows matching `condition` older than `beforeId`, newest first, with the acting technician's name. */
export async function auditRows(db: Db, condition: SQL, limit: number, beforeId?: number): Promise<AuditRow[]> {
  const found = await db
    .select({ row: auditLog, actorName: technicians.name })
    .from(auditLog)
    .leftJoin(
      technicians,
      and(eq(auditLog.actorType, 'technician'), sql`${technicians.id}::text = ${auditLog.actorId}`),
    )
    .where(beforeId ? and(condition, lt(auditLog.id, beforeId)) : condition)
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return found.map(({ row, actorName }) => ({
    id: row.id,
    at: row.at.toISOString(),
    actor: { type: row.actorType as AuditRow['actor']['type'], id: row.actorId, name: actorName },
    action: row.action,
    subject: row.subjectType && row.subjectId ? { type: row.subjectType, id: row.subjectId } : null,
    details: row.redactedAt ? null : (row.details ?? null),
    redacted: row.redactedAt !== null,
    detailsSha256: row.detailsSha256!,
    prevHash: row.prevHash!,
    hash: row.hash!,
  }));
}

/** GET /api/audit: one page, and the cursor of the next when there is one. */
export async function auditPage(db: Db, q: AuditQuery): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  const limit = q.limit ?? PAGE_DEFAULT;
  const before = q.cursor ? decodeCursor(q.cursor) : undefined;
  // One more than asked tells whether a next page exists.
  const rows = await auditRows(db, auditCondition(q), limit + 1, before);
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null };
}
