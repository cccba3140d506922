// Uploads of snapshots: the phone's photo for a request (POST /api/lens/snapshots/:id)
// and the console's annotated copy of a stored one (POST /api/snapshots/:id/annotated).
// Who and which row are checked before a byte is read; then the body is
// streamed to disk (snapshot-store.ts) and checked by its content: a JPEG, PNG
// or WebP, at most SNAPSHOT_BYTES_MAX bytes and SNAPSHOT_SIDE_MAX pixels a
// side. The content type and name the browser sent are not looked at.
import { and, eq, or } from 'drizzle-orm';
import { SNAPSHOT_BYTES_MAX, SNAPSHOT_SIDE_MAX, SNAPSHOT_UPLOAD_MS } from '../contract/limits.ts';
import type { SnapshotView } from '../contract/tools.ts';
import { type lensSessions, snapshots } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { audit } from '../audit/audit.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import { AppError, Conflict, PayloadTooLarge } from '../http/errors.ts';
import { type ImageInfo, isRefusal, sniffImage } from './image-info.ts';
import { receive, snapshotDir, TooLarge } from './snapshot-store.ts';
import { noSuchSnapshot, ownStoredSnapshot, snapshotView, timeOutSnapshots } from './snapshots.ts';

type SessionRow = typeof lensSessions.$inferSelect;
/** The request's body as it arrives, and its declared length (a too-large one is refused unread). */
export type Upload = { body: ReadableStream<Uint8Array> | null; contentLength: string | undefined };

export class UnsupportedImage extends AppError {
  constructor(why: string) {
    super(415, 'unsupported_image', `Send a JPEG, PNG or WebP photo: this one cannot be used (${why}).`);
  }
}

export class ImageTooLarge extends AppError {
  constructor(info: ImageInfo) {
    super(
      413,
      'image_too_large',
      `The photo is ${info.width} × ${info.height} pixels; at most ${SNAPSHOT_SIDE_MAX} a side are kept.`,
    );
  }
}

type Stored = Pick<SnapshotRow, 'width' | 'height' | 'bytes' | 'sha256' | 'contentType'>;
type SnapshotRow = typeof snapshots.$inferSelect;

/** Streams, checks and stores an upload: what its row is to hold. Nothing is left on disk when it is refused. */
async function storeImage(deps: Pick<Deps, 'config'>, upload: Upload): Promise<Stored> {
  const declared = Number(upload.contentLength);
  if (upload.contentLength !== undefined && declared > SNAPSHOT_BYTES_MAX)
    throw new PayloadTooLarge(SNAPSHOT_BYTES_MAX);
  const dir = snapshotDir(deps.config);
  let received: Awaited<ReturnType<typeof receive>>;
  try {
    received = await receive(dir, upload.body, SNAPSHOT_BYTES_MAX);
  } catch (err) {
    if (err instanceof TooLarge) throw new PayloadTooLarge(SNAPSHOT_BYTES_MAX);
    throw err;
  }
  const info = sniffImage(received.head, received.bytes, received.tail);
  if (isRefusal(info) || info.width > SNAPSHOT_SIDE_MAX || info.height > SNAPSHOT_SIDE_MAX) {
    await received.discard();
    throw isRefusal(info) ? new UnsupportedImage(info.refused) : new ImageTooLarge(info);
  }
  await received.keep();
  const { width, height } = info;
  return { width, height, bytes: received.bytes, sha256: received.sha256, contentType: info.type };
}

/** The timeline's `snapshot.taken`: asked for (or drawn) by the technician, so theirs. */
function auditTaken(tx: Tx, technicianId: string, row: SnapshotRow) {
  const details: Record<string, unknown> = { snapshotId: row.id, frozen: row.frozen };
  if (row.sourceId) details.sourceId = row.sourceId;
  return audit(
    tx,
    { type: 'technician', id: technicianId },
    'snapshot.taken',
    { type: 'session', id: row.sessionId },
    details,
  );
}

/**
 * The phone's photo for a request of its own session (another session's id is
 * 404, as if it did not exist), still pending and asked for less than
 * SNAPSHOT_UPLOAD_MS ago (when the upload begins), while the session is active or on hold. `frozen`:
 * the phone's frozen frame rather than a new photo. Told to both sides as `snapshot.stored`.
 */
export async function storeUpload(
  deps: Deps,
  session: SessionRow,
  snapshotId: string,
  upload: Upload,
  frozen: boolean,
): Promise<SnapshotView> {
  const [row] = await deps.db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.id, snapshotId), eq(snapshots.sessionId, session.id)));
  if (!row) throw noSuchSnapshot();
  if (session.state !== 'active' && session.state !== 'on_hold')
    throw new Conflict('Photos are taken only while the session is live.', 'not_active');
  const late =
    row.status === 'requested' && deps.clock.now().getTime() - row.requestedAt.getTime() >= SNAPSHOT_UPLOAD_MS;
  if (late) await timeOutSnapshots(deps, session.id);
  if (late || (row.status === 'failed' && row.error === 'timed_out'))
    throw new Conflict('This photo was asked for too long ago; the technician can ask again.', 'snapshot_timed_out');
  if (row.status !== 'requested')
    throw new Conflict(`This photo is ${row.status} already; it is not waiting for an upload.`, 'snapshot_not_pending');
  const image = await storeImage(deps, upload);
  // An upload that began in time is kept though it ended after the deadline (a big photo on a slow
  // network): its request may have timed out meanwhile, and the console then gets the photo after all.
  const stored = await transaction(deps.db, async (tx) => {
    const [done] = await tx
      .update(snapshots)
      .set({ ...image, status: 'stored', takenAt: deps.clock.now(), frozen, error: null })
      .where(and(eq(snapshots.id, snapshotId), or(eq(snapshots.status, 'requested'), eq(snapshots.error, 'timed_out'))))
      .returning();
    if (done) await auditTaken(tx, session.technicianId, done);
    return done;
  });
  // A second upload of the same request won the race; this file stays as an unused one (harmless, same store).
  if (!stored) throw new Conflict('This photo was uploaded already.', 'snapshot_not_pending');
  const view = snapshotView(stored);
  const message = { type: 'snapshot.stored', sessionId: session.id, snapshot: view };
  deps.events.tool({ sessionId: session.id, technicianId: session.technicianId, to: 'both', message });
  return view;
}

/**
 * The console's annotated copy of a stored photo of the technician's own
 * session: the strokes drawn over the frozen picture, as an image. A new row
 * pointing at its source; told to the technician's consoles.
 */
export async function storeAnnotated(
  deps: Deps,
  technicianId: string,
  sourceId: string,
  upload: Upload,
): Promise<SnapshotView> {
  const source = await ownStoredSnapshot(deps, technicianId, sourceId);
  const image = await storeImage(deps, upload);
  const now = deps.clock.now();
  const row = await transaction(deps.db, async (tx) => {
    const [made] = await tx
      .insert(snapshots)
      .values({
        ...image,
        sessionId: source.sessionId,
        status: 'stored',
        requestedAt: now,
        takenAt: now,
        frozen: source.frozen,
        sourceId: source.id,
      })
      .returning();
    await auditTaken(tx, technicianId, made!);
    return made;
  });
  const view = snapshotView(row!);
  const message = { type: 'snapshot.stored', sessionId: source.sessionId, snapshot: view };
  deps.events.tool({ sessionId: source.sessionId, technicianId, to: 'technician', message });
  return view;
}
