// The conversion job: once a recorded session has ended and its room is gone
// (Janus has closed the files), its recording is converted outside any
// request, one at a time, so a conversion never takes the CPU from live
// sessions (docs/records.md, "Recording"). A failure keeps the raw files and
// says why; a restart converts what a stopped Loupe left in `recording` or
// `converting`.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { and, eq, inArray, or } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { heldByGoneNode } from '../cluster/nodes.ts';
import { lensSessions, recordings } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { ENDED_STATES } from '../sessions/states.ts';
import { convertRecording, type Converted } from './recording-convert.ts';
import { playableFile, recordingFolder, type RecordingRow } from './recording-rows.ts';
import { tail } from './recording-tools.ts';

/** Each tool's time limit: a 1-hour recording converts in well under a minute (bench/recording.ts). */
export const TOOL_TIMEOUT_MS = 15 * 60_000;

export type ConvertFn = typeof convertRecording;

export class RecordingJobs {
  private chain: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: Deps,
    private readonly convert: ConvertFn = convertRecording,
    private readonly timeoutMs = TOOL_TIMEOUT_MS,
  ) {}

  /** A session's room is gone: its recording, if it has one waiting, is converted after those queued before. */
  enqueue(sessionId: string): Promise<void> {
    if (this.queued.has(sessionId) || this.stopping.signal.aborted) return this.chain;
    this.queued.add(sessionId);
    this.chain = this.chain
      .then(() => this.run(sessionId))
      .catch((err) => this.deps.log.error('recording conversion crashed', { sessionId, err }))
      .finally(() => this.queued.delete(sessionId));
    return this.chain;
  }

  /** At start-up: recordings of ended sessions left unconverted by a stopped Loupe. */
  async resume(): Promise<void> {
    const rows = await this.deps.db
      .select({ sessionId: recordings.sessionId })
      .from(recordings)
      .innerJoin(lensSessions, eq(lensSessions.id, recordings.sessionId))
      .where(
        and(inArray(recordings.status, ['recording', 'converting']), inArray(lensSessions.state, [...ENDED_STATES])),
      );
    for (const { sessionId } of rows) void this.enqueue(sessionId);
  }

  /** Everything queued so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Loupe is stopping: the running tool is killed, its row stays `converting` for the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.chain;
  }

  private async run(sessionId: string): Promise<void> {
    const row = await this.claim(sessionId);
    if (!row) return;
    const { dataDir } = this.deps.config;
    const out = playableFile(sessionId);
    let converted: Converted;
    try {
      converted = await this.convert(
        join(dataDir, row.rawDir),
        join(dataDir, recordingFolder(sessionId), 'work'),
        join(dataDir, out),
        {
          timeoutMs: this.timeoutMs,
          signal: this.stopping.signal,
        },
      );
    } catch (err) {
      if (this.stopping.signal.aborted) return; // converted again at the next start
      await this.failed(row, err);
      return;
    }
    await transaction(this.deps.db, async (tx) => {
      await tx
        .update(recordings)
        .set({
          status: 'ready',
          file: out,
          durationMs: converted.durationMs,
          bytes: converted.bytes,
          sha256: converted.sha256,
          error: null,
          convertedAt: this.deps.clock.now(),
        })
        .where(eq(recordings.id, row.id));
      await audit(
        tx,
        { type: 'system' },
        'recording.ready',
        { type: 'session', id: sessionId },
        {
          recordingId: row.id,
          durationMs: converted.durationMs,
          bytes: converted.bytes,
          sha256: converted.sha256,
        },
      );
    });
    // The WebM is the record now (hashed, in the bundle): the raw files would double the disk it takes.
    await rm(join(dataDir, row.rawDir), { recursive: true, force: true }).catch((err) =>
      this.deps.log.warn('raw recording files not removed', { sessionId, err }),
    );
    this.deps.log.info('recording ready', { sessionId, durationMs: converted.durationMs, bytes: converted.bytes });
  }

  /** The row, moved to `converting`, if the session has ended and its recording is not converted yet. */
  private async claim(sessionId: string): Promise<RecordingRow | undefined> {
    return transaction(this.deps.db, async (tx) => {
      const [found] = await tx
        .select({ rec: recordings, state: lensSessions.state, endedAt: lensSessions.endedAt })
        .from(recordings)
        .innerJoin(lensSessions, eq(lensSessions.id, recordings.sessionId))
        .where(eq(recordings.sessionId, sessionId))
        .for('update', { of: recordings });
      if (!found || !ENDED_STATES.includes(found.state as never)) return undefined;
      if (found.rec.status !== 'recording' && found.rec.status !== 'converting') return undefined;
      const endedAt = found.rec.endedAt ?? found.endedAt ?? this.deps.clock.now();
      // One node converts it: a `converting` row is taken over only from a node that is gone
      // (a stopped Loupe's, at the next start), never from another node converting it now.
      const [row] = await tx
        .update(recordings)
        .set({ status: 'converting', endedAt, convertingNode: this.deps.nodeId })
        .where(
          and(
            eq(recordings.id, found.rec.id),
            or(eq(recordings.status, 'recording'), heldByGoneNode(recordings.convertingNode, this.deps.clock.now())),
          ),
        )
        .returning();
      return row;
    });
  }

  private async failed(row: RecordingRow, err: unknown): Promise<void> {
    const error = describe(err);
    this.deps.log.error('recording conversion failed; raw files kept', {
      sessionId: row.sessionId,
      rawDir: row.rawDir,
      error,
    });
    await transaction(this.deps.db, async (tx) => {
      await tx
        .update(recordings)
        .set({ status: 'failed', error, convertedAt: this.deps.clock.now() })
        .where(eq(recordings.id, row.id));
      await audit(
        tx,
        { type: 'system' },
        'recording.failed',
        { type: 'session', id: row.sessionId },
        {
          recordingId: row.id,
          error,
        },
      );
    });
  }
}

/** What the console and the log say of a failure: the tool's own words, or the system's (ENOSPC: disk full). */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = e?.message ?? String(err);
  if (e?.code === 'ENOSPC') return `The disk is full: ${tail(text, 500)}`;
  return tail(e?.code ? `${e.code}: ${text}` : text);
}
