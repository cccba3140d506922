// GET /api/sessions/:id/report: everything Loupe keeps of one session, as
// one JSON (reportSchema; docs/records.md, "The report"). The console's report
// page and the evidence bundle's report.html are drawn from it. The caller
// has checked that the viewer may see the session (visibility.ts).
import { and, asc, eq } from 'drizzle-orm';
import type { NotesView, Report } from '../contract/records.ts';
import type { ChatMessageView } from '../contract/tools.ts';
import { chatMessages, groups, lensSessions, recordings, snapshots, technicians } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { NotFound } from '../http/errors.ts';
import { snapshotView } from '../tools/snapshots.ts';
import { deviceSummary } from './device.ts';
import { qualityOf } from './quality.ts';
import { recordingView } from './recording-rows.ts';
import { buildTimeline, technicianNames } from './timeline.ts';

export type ReportDeps = Pick<Deps, 'db' | 'config' | 'clock'>;
type SessionRow = typeof lensSessions.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** From Start to the end (on hold counts as live); to now while live; null when never started. */
export function liveSeconds(session: Pick<SessionRow, 'startedAt' | 'endedAt'>, now: Date): number | null {
  if (!session.startedAt) return null;
  const until = session.endedAt ?? now;
  return Math.max(0, Math.round((until.getTime() - session.startedAt.getTime()) / 1000));
}

async function notesOf(deps: ReportDeps, session: SessionRow): Promise<NotesView> {
  const by = session.notesUpdatedBy;
  const name = by ? (await technicianNames(deps.db, [by])).get(by) : undefined;
  return {
    text: session.notes,
    updatedAt: iso(session.notesUpdatedAt),
    updatedBy: by && name !== undefined ? { id: by, name } : null,
  };
}

export { notesOf };

export async function buildReport(deps: ReportDeps, sessionId: string): Promise<Report> {
  const { db } = deps;
  const now = deps.clock.now();
  const [found] = await db
    .select({ session: lensSessions, technicianName: technicians.name, groupName: groups.name })
    .from(lensSessions)
    .innerJoin(technicians, eq(technicians.id, lensSessions.technicianId))
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(lensSessions.id, sessionId));
  if (!found) throw new NotFound('No such session.');
  const { session } = found;
  const photoRows = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.sessionId, sessionId), eq(snapshots.status, 'stored')))
    .orderBy(asc(snapshots.takenAt), asc(snapshots.id));
  const photos = photoRows.map(snapshotView);
  const chat = await db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.sessionId, sessionId))
    .orderBy(asc(chatMessages.sentAt), asc(chatMessages.id));
  const messages: ChatMessageView[] = chat.map((m) => ({
    id: m.id,
    from: m.from,
    text: m.text,
    sentAt: m.sentAt.toISOString(),
  }));
  const [recordingRow] = await db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
  return {
    session: {
      id: session.id,
      name: session.name,
      reference: session.reference,
      phone: session.phone,
      phoneRemoved: session.phoneRemovedAt !== null,
      state: session.state,
      endReason: session.endReason,
      technician: { id: session.technicianId, name: found.technicianName },
      createdAt: session.createdAt.toISOString(),
      startedAt: iso(session.startedAt),
      endedAt: iso(session.endedAt),
      liveSeconds: liveSeconds(session, now),
      snapshotCount: photos.length,
      recording: recordingRow?.status ?? null,
      method: session.method,
      language: session.language,
      groupName: found.groupName,
      openedAt: iso(session.openedAt),
      eulaAcceptedAt: iso(session.eulaAcceptedAt),
      recorded: session.recorded,
    },
    device: { summary: deviceSummary(session.customerUserAgent), userAgent: session.customerUserAgent },
    timeline: await buildTimeline(db, session, messages, photos),
    quality: await qualityOf(db, sessionId),
    snapshots: photos,
    messages,
    recording: recordingRow ? recordingView(recordingRow) : null,
    notes: await notesOf(deps, session),
    generatedAt: now.toISOString(),
  };
}
