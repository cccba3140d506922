// Who may see a session's record: its owner, a member of the owner's group
// whose group has `view_group_sessions`, or an administrator (docs/records.md,
// "Who sees a record"). Anyone else is told the session does not exist. The
// owner's group is the one the owner is in now: moving a technician to
// another team moves their records with them.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Me } from '../contract/views.ts';
import type { Db } from '../db/client.ts';
import { lensSessions, technicians } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { NotFound } from '../http/errors.ts';

/** What the rule needs to know of the caller. */
export type Viewer = Pick<Me, 'id' | 'groupId' | 'rights'>;
export type SessionRow = typeof lensSessions.$inferSelect;

/** The SQL condition on `lens_sessions` that keeps the rows `viewer` may see (history, search). */
export function visibleTo(viewer: Viewer): SQL {
  if (viewer.rights.includes('administer')) return sql`true`;
  if (viewer.rights.includes('view_group_sessions')) {
    const sameGroup = sql`(select ${technicians.id} from ${technicians} where ${technicians.groupId} = ${viewer.groupId})`;
    return inArray(lensSessions.technicianId, sameGroup);
  }
  return eq(lensSessions.technicianId, viewer.id);
}

/** The session if `viewer` may see its record, else undefined (a missing one alike). */
export async function visibleSession(db: Db | Tx, viewer: Viewer, sessionId: string): Promise<SessionRow | undefined> {
  const [row] = await db
    .select()
    .from(lensSessions)
    .where(and(eq(lensSessions.id, sessionId), visibleTo(viewer)));
  return row;
}

/** As visibleSession, but a session the viewer may not see is a 404. */
export async function seenSession(db: Db | Tx, viewer: Viewer, sessionId: string): Promise<SessionRow> {
  const row = await visibleSession(db, viewer, sessionId);
  if (!row) throw new NotFound('No such session.');
  return row;
}
