// STAND-IN for buildReport (src/records/report.ts, written by the report
// work of issue 20 in parallel): the report of a session from its rows, with
// no timeline, quality or device summary. It exists only so the export route
// answers before buildReport lands; src/app.ts passes it to evidenceRoutes,
// and merging replaces it there with buildReport. Delete this file then.
import { asc, eq } from 'drizzle-orm';
import { type Report, reportSchema } from '../contract/records.ts';
import { chatMessages, groups, lensSessions, recordings, snapshots, technicians } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { snapshotView } from '../tools/snapshots.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function interimReport(deps: Pick<Deps, 'db' | 'clock'>, sessionId: string): Promise<Report> {
  const [row] = await deps.db
    .select({ s: lensSessions, technician: { id: technicians.id, name: technicians.name }, groupName: groups.name })
    .from(lensSessions)
    .innerJoin(technicians, eq(technicians.id, lensSessions.technicianId))
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(lensSessions.id, sessionId));
  if (!row) throw new Error(`no session ${sessionId}`);
  const { s } = row;
  const shots = (await deps.db.select().from(snapshots).where(eq(snapshots.sessionId, sessionId)))
    .filter((r) => r.status === 'stored')
    .map(snapshotView);
  const messages = await deps.db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.sessionId, sessionId))
    .orderBy(asc(chatMessages.sentAt));
  const [rec] = await deps.db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
  const live = s.startedAt && s.endedAt ? Math.round((s.endedAt.getTime() - s.startedAt.getTime()) / 1000) : null;
  return reportSchema.parse({
    session: {
      id: s.id,
      name: s.name,
      reference: s.reference,
      phone: s.phone,
      phoneRemoved: s.phoneRemovedAt !== null,
      state: s.state,
      endReason: s.endReason,
      technician: row.technician,
      createdAt: s.createdAt.toISOString(),
      startedAt: iso(s.startedAt),
      endedAt: iso(s.endedAt),
      liveSeconds: live,
      snapshotCount: shots.length,
      recording: rec?.status ?? null,
      method: s.method,
      language: s.language,
      groupName: row.groupName,
      openedAt: iso(s.openedAt),
      eulaAcceptedAt: iso(s.eulaAcceptedAt),
      recorded: s.recorded,
    },
    device: { summary: null, userAgent: s.customerUserAgent },
    timeline: [],
    quality: [],
    snapshots: shots,
    messages: messages.map((m) => ({ id: m.id, from: m.from, text: m.text, sentAt: m.sentAt.toISOString() })),
    recording: rec
      ? {
          id: rec.id,
          sessionId,
          status: rec.status,
          startedAt: rec.startedAt.toISOString(),
          endedAt: iso(rec.endedAt),
          durationSeconds: rec.durationMs === null ? null : rec.durationMs / 1000,
          bytes: rec.bytes,
          sha256: rec.sha256,
          error: rec.error,
        }
      : null,
    notes: { text: s.notes, updatedAt: iso(s.notesUpdatedAt), updatedBy: null },
    generatedAt: deps.clock.now().toISOString(),
  });
}
