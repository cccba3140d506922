// A session's recording in the database and on disk: where its files go, the
// row written at Start, and the row as the API shows it (docs/records.md,
// "Recording"). Paths in the row are relative to the data directory, so a
// data directory moved to another disk keeps its recordings.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import type { RecordingView } from '../contract/records.ts';
import type { Db } from '../db/client.ts';
import { recordings } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';

export type RecordingRow = typeof recordings.$inferSelect;

/** The session's folder under the data directory, relative: `recordings/<sessionId>`. */
export const recordingFolder = (sessionId: string) => join('recordings', sessionId);
/** Where Janus writes the raw .mjr files, relative to the data directory. */
export const rawFolder = (sessionId: string) => join(recordingFolder(sessionId), 'raw');
/** The playable file, relative to the data directory. */
export const playableFile = (sessionId: string) => join(recordingFolder(sessionId), 'recording.webm');

/** The raw folder, made before Janus is told to write there (only Loupe's user may read it). */
export async function makeRawFolder(dataDir: string, sessionId: string): Promise<string> {
  const dir = join(dataDir, rawFolder(sessionId));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A Start that failed after Janus was told to record: its files go, there is no row for them. */
export async function discardRawFolder(dataDir: string, sessionId: string): Promise<void> {
  await rm(join(dataDir, rawFolder(sessionId)), { recursive: true, force: true });
}

/** Start's part, in Start's transaction: the row that says the session is being recorded. */
export async function beginRecording(tx: Tx, sessionId: string, now: Date): Promise<void> {
  const [row] = await tx
    .insert(recordings)
    .values({ sessionId, status: 'recording', startedAt: now, rawDir: rawFolder(sessionId) })
    .returning({ id: recordings.id });
  await audit(
    tx,
    { type: 'system' },
    'recording.started',
    { type: 'session', id: sessionId },
    { recordingId: row!.id },
  );
}

export async function recordingOfSession(db: Db | Tx, sessionId: string): Promise<RecordingRow | undefined> {
  const [row] = await db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
  return row;
}

export function recordingView(row: RecordingRow): RecordingView {
  return {
    id: row.id,
    sessionId: row.sessionId,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    durationSeconds: row.durationMs === null ? null : row.durationMs / 1000,
    bytes: row.bytes,
    sha256: row.sha256,
    error: row.error,
  };
}
