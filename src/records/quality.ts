// The connection's quality over a session: the console's `stats.sample`
// messages, kept in quality_samples, and read back for the report's chart
// (docs/records.md, "Quality"). Only the owner's console, only while the
// session is active or on hold, and at most one sample per
// QUALITY_SAMPLE_MIN_MS per session (a second tab, or a page that sends too
// often, adds nothing); the rest is dropped without an answer, as the console
// has nothing to do about it.
import { asc, eq } from 'drizzle-orm';
import type { QualitySample, QualitySampleInput } from '../contract/records.ts';
import type { Db } from '../db/client.ts';
import { qualitySamples } from '../db/schema.ts';
import type { Clock } from '../deps.ts';
import type { ToolSessions } from '../tools/tool-sessions.ts';

/** The fewest milliseconds between two kept samples of one session (the console sends every QUALITY_SAMPLE_MS, 5 s). */
export const QUALITY_SAMPLE_MIN_MS = 2_000;
/** The report's chart draws at most this many points: a long session's samples are averaged in buckets. */
export const QUALITY_POINTS_MAX = 240;
/** Sessions whose last sample time is remembered at most (oldest forgotten first). */
const SESSIONS_MAX = 10_000;

export type StatsSample = { sessionId: string; sample: QualitySampleInput };

export class QualityIntake {
  /** When each session last had a sample kept (ms): the per-session rate. */
  private readonly lastKept = new Map<string, number>();
  /** When each socket last sent one: a flood from one socket is dropped at arrival, before any work. */
  private readonly lastArrived = new WeakMap<object, number>();

  constructor(
    private readonly deps: { db: Db; clock: Clock },
    private readonly sessions: ToolSessions,
  ) {}

  /** A sample from a console; `queue` runs the check and the write in the socket's order. */
  take(socket: { queue(work: () => Promise<void>): void }, technicianId: string, message: StatsSample): void {
    const now = this.deps.clock.now().getTime();
    if (now - (this.lastArrived.get(socket) ?? Number.NEGATIVE_INFINITY) < QUALITY_SAMPLE_MIN_MS / 2) return;
    this.lastArrived.set(socket, now);
    socket.queue(async () => {
      const session = await this.sessions.get(message.sessionId);
      if (session?.technicianId !== technicianId) return;
      if (session.state !== 'active' && session.state !== 'on_hold') return;
      const at = new Date(now); // when it came: the queue may run it later
      if (at.getTime() - (this.lastKept.get(message.sessionId) ?? Number.NEGATIVE_INFINITY) < QUALITY_SAMPLE_MIN_MS)
        return;
      this.lastKept.delete(message.sessionId);
      this.lastKept.set(message.sessionId, at.getTime());
      if (this.lastKept.size > SESSIONS_MAX) this.lastKept.delete(this.lastKept.keys().next().value!);
      await this.deps.db.insert(qualitySamples).values({ sessionId: message.sessionId, at, ...message.sample });
    });
  }
}

type Row = typeof qualitySamples.$inferSelect;
const FIELDS = ['bitrateKbps', 'fps', 'width', 'height', 'rttMs', 'lossPercent', 'jitterMs'] as const;

const viewOf = (row: Omit<Row, 'id' | 'sessionId'>): QualitySample => ({
  at: row.at.toISOString(),
  bitrateKbps: row.bitrateKbps,
  fps: row.fps,
  width: row.width,
  height: row.height,
  rttMs: row.rttMs,
  lossPercent: row.lossPercent,
  jitterMs: row.jitterMs,
});

/**
 * At most `max` points: consecutive samples averaged in equal buckets (each
 * field over the samples that had it; sizes rounded), at the bucket's first time.
 */
export function downsample(samples: QualitySample[], max = QUALITY_POINTS_MAX): QualitySample[] {
  if (samples.length <= max) return samples;
  const out: QualitySample[] = [];
  for (let b = 0; b < max; b++) {
    const bucket = samples.slice(Math.floor((b * samples.length) / max), Math.floor(((b + 1) * samples.length) / max));
    const point: QualitySample = { ...bucket[0]! };
    for (const field of FIELDS) {
      const values = bucket.map((s) => s[field]).filter((v): v is number => v !== null);
      const mean = values.length ? values.reduce((a, v) => a + v, 0) / values.length : null;
      point[field] = mean === null ? null : field === 'width' || field === 'height' ? Math.round(mean) : mean;
    }
    out.push(point);
  }
  return out;
}

/** The session's samples, oldest first, downsampled for the chart. */
export async function qualityOf(db: Db, sessionId: string): Promise<QualitySample[]> {
  const rows = await db
    .select()
    .from(qualitySamples)
    .where(eq(qualitySamples.sessionId, sessionId))
    .orderBy(asc(qualitySamples.at), asc(qualitySamples.id));
  return downsample(rows.map(viewOf));
}
