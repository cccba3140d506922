// What goes into a session's evidence bundle besides its report: the session's
// audit rows as stored (with their chain hashes), the photo files that are
// still kept, and the recording's file when it is ready. Then the verb the
// export route calls.
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { and, asc, eq, sql } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import type { Report } from '../contract/records.ts';
import { auditLog, recordings, technicians } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { snapshotDir, snapshotPath } from '../tools/snapshot-store.ts';
import {
  type BundleAuditRow,
  type BundleFile,
  bundleFilename,
  bundleStream,
  RECORDING_PATH,
  snapshotPathIn,
} from './bundle.ts';
import type { EvidenceKeyPair } from './evidence-key.ts';
import { seenSession, type Viewer } from './visibility.ts';

type SourceDeps = Pick<Deps, 'db' | 'config'>;
/** The report of a session (buildReport, src/records/report.ts). */
export type ReportSource = (deps: Deps, sessionId: string) => Promise<Report>;

const exists = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** The session's audit rows in chain order (`subject` the session), the acting technician's name beside each. */
export async function sessionAuditRows(deps: Pick<Deps, 'db'>, sessionId: string): Promise<BundleAuditRow[]> {
  const rows = await deps.db
    .select({ a: auditLog, name: technicians.name })
    .from(auditLog)
    .leftJoin(
      technicians,
      and(eq(auditLog.actorType, 'technician'), sql`${technicians.id}::text = ${auditLog.actorId}`),
    )
    .where(and(eq(auditLog.subjectType, 'session'), eq(auditLog.subjectId, sessionId)))
    .orderBy(asc(auditLog.id));
  return rows.map(({ a, name }) => ({
    id: a.id,
    at: a.at.toISOString(),
    actor: { type: a.actorType as BundleAuditRow['actor']['type'], id: a.actorId, name: name ?? null },
    action: a.action,
    subject: a.subjectType && a.subjectId ? { type: a.subjectType, id: a.subjectId } : null,
    details: a.details ?? null,
    redacted: a.redactedAt !== null,
    detailsSha256: a.detailsSha256,
    prevHash: a.prevHash,
    hash: a.hash,
  }));
}

/** The photos of the report whose files are kept, by snapshot id. */
export async function snapshotFiles(deps: SourceDeps, report: Report): Promise<Map<string, BundleFile>> {
  const dir = snapshotDir(deps.config);
  const files = new Map<string, BundleFile>();
  for (const s of report.snapshots) {
    const file = snapshotPath(dir, s.sha256);
    if (await exists(file)) files.set(s.id, { path: snapshotPathIn(s), file });
  }
  return files;
}

/** The recording's file when it is ready and there; its path in the row is relative to the data directory. */
export async function recordingFile(deps: SourceDeps, sessionId: string): Promise<BundleFile | null> {
  const [row] = await deps.db
    .select({ file: recordings.file })
    .from(recordings)
    .where(and(eq(recordings.sessionId, sessionId), eq(recordings.status, 'ready')));
  if (!row?.file) return null;
  const root = resolve(deps.config.dataDir);
  const file = resolve(root, row.file);
  // A row can never make the bundle read a file outside the data directory.
  if (!file.startsWith(root + sep) || !(await exists(file))) return null;
  return { path: RECORDING_PATH, file };
}

/**
 * GET /api/sessions/:id/export: the bundle of a session the viewer may see
 * (else 404), as a stream and its file name. The export itself is audited
 * first, so the bundle's audit.json shows who made it.
 */
export async function exportBundle(
  deps: Deps,
  parts: { report: ReportSource; key: EvidenceKeyPair },
  viewer: Viewer,
  sessionId: string,
): Promise<{ body: ReadableStream<Uint8Array>; filename: string }> {
  await seenSession(deps.db, viewer, sessionId);
  const createdAt = deps.clock.now();
  const actor = { type: 'technician', id: viewer.id } as const;
  const details = { fingerprint: parts.key.view.fingerprint };
  await transaction(deps.db, (tx) => audit(tx, actor, 'session.exported', { type: 'session', id: sessionId }, details));
  const report = await parts.report(deps, sessionId);
  const body = bundleStream({
    report,
    audit: await sessionAuditRows(deps, sessionId),
    snapshots: await snapshotFiles(deps, report),
    recording: await recordingFile(deps, sessionId),
    key: parts.key,
    createdAt,
    onError: (err) => deps.log.error('evidence bundle cut short', { err, sessionId }),
  });
  return { body, filename: bundleFilename(sessionId, createdAt) };
}
