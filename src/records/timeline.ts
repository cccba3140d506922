// A session's timeline, built when asked from the rows that already exist
// (docs/records.md, "The report"): its audit rows, its chat messages, and
// its stored photos that no `snapshot.taken` row tells of (photos taken before
// that row was written). Oldest first; rows of one instant keep their order.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { TimelineEntry } from '../contract/records.ts';
import type { ChatMessageView, SnapshotView } from '../contract/tools.ts';
import type { Db } from '../db/client.ts';
import { auditLog, technicians } from '../db/schema.ts';

/** Audit actions whose timeline kind has another name (docs/records.md's table). */
const KIND_OF: Record<string, string> = { 'session.held': 'session.on_hold' };

type Actor = TimelineEntry['actor'];
type Session = { id: string; technicianId: string };

/** The technicians' names by id, for the actors and the notes' editor. */
export async function technicianNames(db: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (!wanted.length) return new Map();
  const rows = await db
    .select({ id: technicians.id, name: technicians.name })
    .from(technicians)
    .where(inArray(technicians.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function buildTimeline(
  db: Db,
  session: Session,
  messages: ChatMessageView[],
  photos: SnapshotView[],
): Promise<TimelineEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, 'session'), eq(auditLog.subjectId, session.id)))
    .orderBy(asc(auditLog.id));
  const names = await technicianNames(db, [
    session.technicianId,
    ...rows.flatMap((r) => (r.actorType === 'technician' && r.actorId ? [r.actorId] : [])),
  ]);
  const actor = (type: string, id: string | null): Actor => {
    if (type === 'technician') return { type, id, name: (id && names.get(id)) ?? null };
    return { type: type === 'customer' ? 'customer' : 'system', id, name: null };
  };
  const owner = actor('technician', session.technicianId);
  const entries: (TimelineEntry & { order: number })[] = rows.map((r) => ({
    at: r.at.toISOString(),
    kind: KIND_OF[r.action] ?? r.action,
    actor: actor(r.actorType, r.actorId),
    // A row whose details retention or erasure removed still says what happened and when.
    details: r.details ?? {},
    order: 0,
  }));
  const told = new Set(rows.flatMap((r) => (r.action === 'snapshot.taken' ? [String(r.details?.snapshotId)] : [])));
  for (const photo of photos) {
    if (told.has(photo.id)) continue;
    const details: Record<string, unknown> = { snapshotId: photo.id, frozen: photo.frozen };
    if (photo.sourceId) details.sourceId = photo.sourceId;
    entries.push({ at: photo.takenAt, kind: 'snapshot.taken', actor: owner, details, order: 1 });
  }
  for (const m of messages) {
    const by = m.from === 'technician' ? owner : actor('customer', session.id);
    entries.push({
      at: m.sentAt,
      kind: 'chat.message',
      actor: by,
      details: { from: m.from, messageId: m.id },
      order: 2,
    });
  }
  // Stable: rows of one instant stay audit (by id) first, then photos, then chat.
  entries.sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order);
  return entries.map(({ order: _, ...entry }) => entry);
}
