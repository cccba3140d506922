// The removals retention and erasure share (docs/records.md, "Retention and
// erasure"): each runs inside the caller's transaction over a set of sessions
// and answers how many rows it removed; the files go only after the commit
// (removeFiles), so a rolled-back transaction never leaves a row without its file.
import { rm, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import {
  auditLog,
  chatMessages,
  emailMessages,
  lensSessions,
  recordings,
  smsMessages,
  snapshots,
} from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { snapshotDir, snapshotPath } from '../tools/snapshot-store.ts';

/** What replaces an SMS's or e-mail's text (the text holds the link and the PIN). */
export const REMOVED = '[removed]';

export type RemovedCounts = {
  phoneNumbers: number;
  smsMessages: number;
  snapshots: number;
  recordings: number;
  chatMessages: number;
  auditRowsRedacted: number;
  /** E-mail invitations' addresses (on the session and its e-mail rows): contact data like the phone number. */
  emailAddresses: number;
};
export const noneRemoved = (): RemovedCounts => ({
  phoneNumbers: 0,
  smsMessages: 0,
  snapshots: 0,
  recordings: 0,
  chatMessages: 0,
  auditRowsRedacted: 0,
  emailAddresses: 0,
});
export function addCounts(into: RemovedCounts, more: RemovedCounts): RemovedCounts {
  for (const k of Object.keys(into) as (keyof RemovedCounts)[]) into[k] += more[k];
  return into;
}

/** Files whose rows are gone, to delete once the transaction committed. */
export type Leftovers = { snapshotHashes: Set<string>; recordingPaths: Set<string> };
export const noLeftovers = (): Leftovers => ({ snapshotHashes: new Set(), recordingPaths: new Set() });

/** Snapshot rows of the sessions; their hashes join `left` (a file may be shared, removeFiles checks). */
export async function removeSnapshots(tx: Tx, sessionIds: string[], left: Leftovers): Promise<number> {
  if (!sessionIds.length) return 0;
  const gone = await tx
    .delete(snapshots)
    .where(inArray(snapshots.sessionId, sessionIds))
    .returning({ sha256: snapshots.sha256 });
  for (const g of gone) if (g.sha256) left.snapshotHashes.add(g.sha256);
  return gone.length;
}

/**
 * Recording rows; the session's directory `recordings/<sessionId>` (raw files
 * and the WebM), and the row's own file and raw directory should they lie
 * elsewhere, join `left` (paths relative to the data directory).
 */
export async function removeRecordings(tx: Tx, sessionIds: string[], left: Leftovers): Promise<number> {
  if (!sessionIds.length) return 0;
  const gone = await tx
    .delete(recordings)
    .where(inArray(recordings.sessionId, sessionIds))
    .returning({ sessionId: recordings.sessionId, file: recordings.file, rawDir: recordings.rawDir });
  for (const g of gone) {
    left.recordingPaths.add(join('recordings', g.sessionId));
    for (const p of [g.file, g.rawDir]) if (p) left.recordingPaths.add(p);
  }
  return gone.length;
}

export async function removeChat(tx: Tx, sessionIds: string[]): Promise<number> {
  if (!sessionIds.length) return 0;
  const gone = await tx
    .delete(chatMessages)
    .where(inArray(chatMessages.sessionId, sessionIds))
    .returning({ id: chatMessages.id });
  return gone.length;
}

/**
 * The phone number: on the session (`phone_removed_at` says when), in its SMS
 * rows (`to` is NOT NULL, so it becomes ''; the text held the link and PIN),
 * and in the details of the session's audit rows that carry it (older
 * `session.invited` rows have `details.phone`). Audit rows are redacted only
 * in the one form the chain's verifier accepts: details null, redacted_at set.
 * An e-mail invitation's address is contact data of the same kind and goes
 * with it: from the session and its e-mail rows (`to` '', text and HTML too).
 */
export async function removePhone(
  tx: Tx,
  sessionIds: string[],
  now: Date,
): Promise<Pick<RemovedCounts, 'phoneNumbers' | 'smsMessages' | 'auditRowsRedacted' | 'emailAddresses'>> {
  if (!sessionIds.length) return { phoneNumbers: 0, smsMessages: 0, auditRowsRedacted: 0, emailAddresses: 0 };
  const ids = sql.join(
    sessionIds.map((id) => sql`${id}`),
    sql`, `,
  );
  // Before the number is gone from the session: an audit row is matched by it as well as by the key.
  const redacted = await tx.execute(sql`
    update ${auditLog} a set details = null, redacted_at = ${now.toISOString()}::timestamptz
    from ${lensSessions} s
    where s.id in (${ids}) and a.subject_type = 'session' and a.subject_id = s.id::text
      and a.details is not null and a.redacted_at is null
      and (a.details ? 'phone' or (s.phone is not null and position(s.phone in a.details::text) > 0)
        or (s.email is not null and position(s.email in lower(a.details::text)) > 0))
    returning a.id`);
  const phones = await tx
    .update(lensSessions)
    .set({ phone: null, phoneRemovedAt: now })
    .where(and(inArray(lensSessions.id, sessionIds), isNotNull(lensSessions.phone)))
    .returning({ id: lensSessions.id });
  const sms = await tx
    .update(smsMessages)
    .set({ to: '', text: REMOVED, updatedAt: now })
    .where(and(inArray(smsMessages.sessionId, sessionIds), ne(smsMessages.text, REMOVED)))
    .returning({ id: smsMessages.id });
  const emails = await tx
    .update(lensSessions)
    .set({ email: null })
    .where(and(inArray(lensSessions.id, sessionIds), isNotNull(lensSessions.email)))
    .returning({ id: lensSessions.id });
  await tx
    .update(emailMessages)
    .set({ to: '', text: REMOVED, html: REMOVED, updatedAt: now })
    .where(and(inArray(emailMessages.sessionId, sessionIds), ne(emailMessages.text, REMOVED)));
  return {
    phoneNumbers: phones.length,
    smsMessages: sms.length,
    auditRowsRedacted: rowCount(redacted),
    emailAddresses: emails.length,
  };
}

/**
 * Audit rows anywhere whose details name the number or e-mail address (not
 * only the sessions' own), for an erasure. Case-insensitive: an address's
 * case means nothing (and a number has none).
 */
export async function redactAuditNaming(tx: Tx, named: string, now: Date): Promise<number> {
  if (!named) throw new Error('redactAuditNaming needs a number or an address: an empty one names every row');
  const redacted = await tx
    .update(auditLog)
    .set({ details: null, redactedAt: now })
    .where(
      and(
        isNull(auditLog.redactedAt),
        isNotNull(auditLog.details),
        sql`position(${named.toLowerCase()} in lower(${auditLog.details}::text)) > 0`,
      ),
    )
    .returning({ id: auditLog.id });
  return redacted.length;
}

function rowCount(result: unknown): number {
  const r = result as { rows?: unknown[]; length?: number };
  return Array.isArray(r) ? r.length : (r.rows?.length ?? 0);
}

/**
 * Deletes the files of removed rows. A snapshot file goes only when no row
 * references its hash any more (the same bytes may be another session's
 * photo). A failure is logged, not thrown: the rows are gone already, and a
 * stray file is found by its name. (An upload of the very same bytes between
 * the check and the unlink would lose its file: the window is milliseconds,
 * and the row's GET then answers 404 rather than another's photo.)
 */
export async function removeFiles(deps: Pick<Deps, 'db' | 'config' | 'log'>, left: Leftovers): Promise<void> {
  const dir = snapshotDir(deps.config);
  for (const sha256 of left.snapshotHashes) {
    const [still] = await deps.db
      .select({ id: snapshots.id })
      .from(snapshots)
      .where(eq(snapshots.sha256, sha256))
      .limit(1);
    if (still) continue;
    await unlink(snapshotPath(dir, sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') deps.log.error('removing a snapshot file failed', { err, sha256 });
    });
  }
  const recordingsDir = resolve(deps.config.dataDir, 'recordings');
  for (const relative of left.recordingPaths) {
    // Relative to the data directory, or absolute; a path outside the recordings directory is never removed.
    const path = resolve(deps.config.dataDir, relative);
    if (!path.startsWith(recordingsDir + sep)) continue;
    await rm(path, { recursive: true, force: true }).catch((err) =>
      deps.log.error('removing a recording failed', { err, path: relative }),
    );
  }
}
