// The history list (docs/records.md, "History"): ended sessions the caller may
// see, newest first by (ended_at, id), with a keyset cursor so a page never
// repeats or skips a row while new sessions end. One query per page: the
// technician's name by a join, the recording by a left join, the photo count
// by a subquery that the snapshots' session index answers.
import { and, desc, eq, ilike, isNotNull, or, type SQL, sql } from 'drizzle-orm';
import { PAGE_DEFAULT } from '../contract/limits.ts';
import type { HistoryItem, HistoryQuery, RecordingStatus } from '../contract/records.ts';
import type { Db } from '../db/client.ts';
import { lensSessions, recordings, snapshots, technicians } from '../db/schema.ts';
import { Invalid } from '../http/errors.ts';
import { type Viewer, visibleTo } from './visibility.ts';

export type HistoryPage = { sessions: HistoryItem[]; nextCursor: string | null };

/** A position in the list: the last row's end, to the microsecond as the database keeps it, and its id. */
type Position = { endedAt: string; id: string };

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// What the database's to_char below writes: a UTC time with microseconds.
const MICRO_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.endedAt}|${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const [endedAt = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length || !MICRO_ISO.test(endedAt) || !UUID.test(id))
    throw new Invalid('cursor: This is not a cursor from a previous page.', [
      { path: 'cursor', message: 'This is not a cursor from a previous page.' },
    ]);
  return { endedAt, id };
}

/** `from`: that instant, or a date's first moment (UTC); `to`: that instant, or the day after a date (the whole day counts). */
export function bounds(q: Pick<HistoryQuery, 'from' | 'to'>): { from?: Date; before?: Date } {
  const from = q.from === undefined ? undefined : new Date(q.from);
  const before =
    q.to === undefined ? undefined : new Date(new Date(q.to).getTime() + (DATE_ONLY.test(q.to) ? DAY_MS : 0));
  if (from && before && from >= before)
    throw new Invalid('to: The end of the range is before its start.', [
      { path: 'to', message: 'The end of the range is before its start.' },
    ]);
  return { from, before };
}

/** `%`, `_` and the escape itself stand for themselves in a search, not for ILIKE's wildcards. */
export const likeWords = (q: string): string[] =>
  q
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `%${word.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);

function conditions(viewer: Viewer, q: HistoryQuery): SQL[] {
  const s = lensSessions;
  const where: SQL[] = [isNotNull(s.endedAt), visibleTo(viewer)];
  // Every word somewhere: in the name, the phone number or the reference.
  for (const like of likeWords(q.q ?? ''))
    where.push(or(ilike(s.name, like), ilike(s.phone, like), ilike(s.reference, like))!);
  if (q.technicianId) where.push(eq(s.technicianId, q.technicianId));
  if (q.endState) where.push(eq(s.state, q.endState));
  const { from, before } = bounds(q);
  if (from) where.push(sql`${s.endedAt} >= ${from.toISOString()}::timestamptz`);
  if (before) where.push(sql`${s.endedAt} < ${before.toISOString()}::timestamptz`);
  if (q.cursor) {
    const after = decodeCursor(q.cursor);
    where.push(sql`(${s.endedAt}, ${s.id}) < (${after.endedAt}::timestamptz, ${after.id}::uuid)`);
  }
  return where;
}

/** GET /api/history: one page of ended sessions `viewer` may see. */
export async function historyPage(deps: { db: Db }, viewer: Viewer, q: HistoryQuery): Promise<HistoryPage> {
  const limit = q.limit ?? PAGE_DEFAULT;
  const s = lensSessions;
  const rows = await deps.db
    .select({
      session: s,
      technicianName: technicians.name,
      recording: recordings.status,
      position: sql<string>`to_char(${s.endedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      // Every stored photo, annotated copies included: the gallery and the evidence bundle show them all.
      snapshotCount: sql<number>`(select count(*)::int from ${snapshots} where ${snapshots.sessionId} = ${s.id} and ${snapshots.status} = 'stored')`,
    })
    .from(s)
    .innerJoin(technicians, eq(technicians.id, s.technicianId))
    .leftJoin(recordings, eq(recordings.sessionId, s.id))
    .where(and(...conditions(viewer, q)))
    .orderBy(desc(s.endedAt), desc(s.id))
    // One more than asked: whether there is a next page, without a count.
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    sessions: page.map((r) => historyItem(r.session, r.technicianName, Number(r.snapshotCount), r.recording)),
    nextCursor: rows.length > limit && last ? encodeCursor({ endedAt: last.position, id: last.session.id }) : null,
  };
}

function historyItem(
  row: typeof lensSessions.$inferSelect,
  technicianName: string,
  snapshotCount: number,
  recording: RecordingStatus | null,
): HistoryItem {
  const endedAt = row.endedAt!;
  const started = row.startedAt;
  return {
    id: row.id,
    name: row.name,
    reference: row.reference,
    phone: row.phone,
    phoneRemoved: row.phoneRemovedAt !== null,
    state: row.state,
    endReason: row.endReason,
    technician: { id: row.technicianId, name: technicianName },
    createdAt: row.createdAt.toISOString(),
    startedAt: started?.toISOString() ?? null,
    endedAt: endedAt.toISOString(),
    // On hold counts as live: the customer was still there, waiting.
    liveSeconds: started ? Math.max(0, Math.floor((endedAt.getTime() - started.getTime()) / 1000)) : null,
    snapshotCount,
    recording,
  };
}
