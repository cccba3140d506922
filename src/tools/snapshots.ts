// Snapshots, the verbs: the technician asks, the phone uploads (snapshot-upload.ts)
// or reports a failure, the console lists and opens them. Design: docs/tools.md,
// "Snapshots". A request not answered within SNAPSHOT_UPLOAD_MS fails as
// `timed_out`: a timer per request, and the same check, lazily, on the next
// request, list or upload of the session (so a restart loses no timeout).
import { and, asc, eq, lte } from 'drizzle-orm';
import { SNAPSHOT_UPLOAD_MS } from '../contract/limits.ts';
import type { SnapshotRequestView, SnapshotView } from '../contract/tools.ts';
import { lensSessions, snapshots } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, NotFound } from '../http/errors.ts';
import { seenSession, type Viewer, visibleTo } from '../records/visibility.ts';
import { lockOwnSession } from '../sessions/end.ts';
import { snapshotDir, storedFile } from './snapshot-store.ts';

export type SnapshotRow = typeof snapshots.$inferSelect;
type ToolDeps = Pick<Deps, 'db' | 'clock' | 'events' | 'log'>;

export const noSuchSnapshot = () => new NotFound('No such snapshot.');

export function snapshotView(row: SnapshotRow): SnapshotView {
  if (row.status !== 'stored') throw new Error('only a stored snapshot has a view');
  return {
    id: row.id,
    takenAt: row.takenAt!.toISOString(),
    width: row.width!,
    height: row.height!,
    bytes: row.bytes!,
    sha256: row.sha256!,
    contentType: row.contentType as SnapshotView['contentType'],
    annotated: row.sourceId !== null,
    sourceId: row.sourceId,
    frozen: row.frozen,
  };
}

/** The technician asks the phone for a photo: `202`, and `snapshot.request` to the phone. */
export async function requestSnapshot(
  deps: ToolDeps,
  technicianId: string,
  sessionId: string,
): Promise<SnapshotRequestView> {
  const now = deps.clock.now();
  const { row, expired } = await transaction(deps.db, async (tx) => {
    // The session's lock makes "one pending request" hold against a double click.
    const session = await lockOwnSession(tx, technicianId, sessionId);
    const expired = await expire(tx, sessionId, now);
    if (session.state !== 'active')
      throw new Conflict('A photo can be taken only while the session is live (after Start).', 'not_active');
    const [pending] = await tx
      .select({ id: snapshots.id })
      .from(snapshots)
      .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.status, 'requested')));
    if (pending) throw new Conflict('The phone is still taking the last photo you asked for.', 'snapshot_pending');
    const [inserted] = await tx
      .insert(snapshots)
      .values({ sessionId, status: 'requested', requestedAt: now })
      .returning();
    return { row: inserted!, expired };
  });
  if (expired.length) await tellFailed(deps, sessionId, expired, 'timed_out', 'both');
  const message = { type: 'snapshot.request', sessionId, snapshotId: row.id };
  deps.events.tool({ sessionId, technicianId, to: 'customer', message });
  // A real timer, but what it does is decided by deps.clock: under a test's clock it finds nothing due.
  const timer = setTimeout(() => {
    timeOutSnapshots(deps, sessionId).catch((err) => deps.log.error('snapshot timeout failed', { err }));
  }, SNAPSHOT_UPLOAD_MS + 100);
  timer.unref?.();
  return { id: row.id, sessionId, status: 'requested', requestedAt: now.toISOString() };
}

/**
 * Requests of the session older than SNAPSHOT_UPLOAD_MS become `failed`
 * (`timed_out`), told to both sides: the console stops waiting, and the
 * phone, maybe still uploading on a slow network, learns it is no longer wanted.
 */
export async function timeOutSnapshots(deps: ToolDeps, sessionId: string): Promise<number> {
  const failed = await expire(deps.db, sessionId, deps.clock.now());
  if (failed.length) await tellFailed(deps, sessionId, failed, 'timed_out', 'both');
  return failed.length;
}

/** Marks the session's requests older than SNAPSHOT_UPLOAD_MS failed; the caller tells (after its commit). */
function expire(db: Db | Tx, sessionId: string, now: Date): Promise<{ id: string }[]> {
  const cutoff = new Date(now.getTime() - SNAPSHOT_UPLOAD_MS);
  return db
    .update(snapshots)
    .set({ status: 'failed', error: 'timed_out' })
    .where(
      and(eq(snapshots.sessionId, sessionId), eq(snapshots.status, 'requested'), lte(snapshots.requestedAt, cutoff)),
    )
    .returning({ id: snapshots.id });
}

async function tellFailed(
  deps: ToolDeps,
  sessionId: string,
  rows: { id: string }[],
  code: string,
  to: 'technician' | 'both',
): Promise<void> {
  const [session] = await deps.db
    .select({ technicianId: lensSessions.technicianId })
    .from(lensSessions)
    .where(eq(lensSessions.id, sessionId));
  if (!session) return;
  for (const { id } of rows) {
    const message = { type: 'snapshot.failed', sessionId, snapshotId: id, code };
    deps.events.tool({ sessionId, technicianId: session.technicianId, to, message });
  }
}

/**
 * The phone says it could not take the photo (`snapshot.failed` on its socket):
 * a request of its own session still pending becomes `failed`, and the
 * technician is told. Anything else (another session's id, one already stored) changes nothing.
 */
export async function snapshotFailed(
  deps: ToolDeps,
  sessionId: string,
  snapshotId: string,
  code: 'no_camera' | 'capture_failed' | 'upload_failed',
): Promise<boolean> {
  const failed = await deps.db
    .update(snapshots)
    .set({ status: 'failed', error: code })
    .where(and(eq(snapshots.id, snapshotId), eq(snapshots.sessionId, sessionId), eq(snapshots.status, 'requested')))
    .returning({ id: snapshots.id });
  if (failed.length) await tellFailed(deps, sessionId, failed, code, 'technician');
  return failed.length > 0;
}

/** The stored photos of a session the viewer may see (docs/records.md), oldest first (annotated copies too). */
export async function listSnapshots(deps: ToolDeps, viewer: Viewer, sessionId: string): Promise<SnapshotView[]> {
  await seenSession(deps.db, viewer, sessionId);
  await timeOutSnapshots(deps, sessionId);
  const rows = await deps.db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.status, 'stored')))
    .orderBy(asc(snapshots.takenAt), asc(snapshots.id));
  return rows.map(snapshotView);
}

/** A stored snapshot of one of the technician's sessions (to draw on); another's is as unknown as a missing one. */
export async function ownStoredSnapshot(deps: Pick<Deps, 'db'>, technicianId: string, id: string) {
  const [found] = await deps.db
    .select({ snapshot: snapshots, technicianId: lensSessions.technicianId })
    .from(snapshots)
    .innerJoin(lensSessions, eq(lensSessions.id, snapshots.sessionId))
    .where(and(eq(snapshots.id, id), eq(snapshots.status, 'stored')));
  if (!found || found.technicianId !== technicianId) throw noSuchSnapshot();
  return found.snapshot;
}

/** A stored snapshot of a session the viewer may see; one they may not is as unknown as a missing one. */
export async function seenStoredSnapshot(deps: Pick<Deps, 'db'>, viewer: Viewer, id: string) {
  const [found] = await deps.db
    .select({ snapshot: snapshots })
    .from(snapshots)
    .innerJoin(lensSessions, eq(lensSessions.id, snapshots.sessionId))
    .where(and(eq(snapshots.id, id), eq(snapshots.status, 'stored'), visibleTo(viewer)));
  if (!found) throw noSuchSnapshot();
  return found.snapshot;
}

export type OpenedSnapshot = { file: Blob; view: SnapshotView; filename: string };

/** A photo's bytes, to stream, with what the answer's headers need. */
export async function openSnapshot(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  viewer: Viewer,
  id: string,
): Promise<OpenedSnapshot> {
  const row = await seenStoredSnapshot(deps, viewer, id);
  const view = snapshotView(row);
  const file = await storedFile(snapshotDir(deps.config), view.sha256);
  if (!file) {
    // The row is there but its file is not: the data directory lost it (restored without it, or moved).
    deps.log.error('snapshot file missing', { snapshotId: id, sha256: view.sha256 });
    throw new NotFound("This photo's file is missing from the server.");
  }
  return { file, view, filename: filenameOf(view) };
}

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;

/** `loupe-20261125-090512-1a2b3c4d.jpg`: when it was taken (UTC) and the start of its id; ASCII only. */
function filenameOf(view: SnapshotView): string {
  const at = view.takenAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const kind = view.annotated ? '-annotated' : '';
  return `loupe-${at}-${view.id.slice(0, 8)}${kind}.${EXTENSIONS[view.contentType]}`;
}
