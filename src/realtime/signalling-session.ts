// The one database read media signalling needs: the session a message names,
// with its owner (a technician may signal only for their own) and its room.
import { eq } from 'drizzle-orm';
import { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { SessionRef } from '../media/service.ts';

export type SignallingSession = SessionRef & { technicianId: string | null };

export async function findSignallingSession(
  deps: Pick<Deps, 'db'>,
  id: string,
): Promise<SignallingSession | undefined> {
  const [row] = await deps.db
    .select({
      id: lensSessions.id,
      name: lensSessions.name,
      state: lensSessions.state,
      technicianId: lensSessions.technicianId,
      roomId: lensSessions.roomId,
      roomSecret: lensSessions.roomSecret,
      janusServer: lensSessions.janusServer,
    })
    .from(lensSessions)
    .where(eq(lensSessions.id, id));
  return row;
}
