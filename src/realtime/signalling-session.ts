// The one database read media signalling needs: the session a message names,
// with its owner (a technician may signal only for their own), its room, and
// where Janus records it when it is a recorded session since Start (a node
// that takes its media over, or a restarted Loupe, records there too).
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { SessionRef } from '../media/service.ts';
import { rawFolder } from '../records/recording-rows.ts';

export type SignallingSession = SessionRef & { technicianId: string | null };

export async function findSignallingSession(
  deps: Pick<Deps, 'db' | 'config'>,
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
      recorded: lensSessions.recorded,
    })
    .from(lensSessions)
    .where(eq(lensSessions.id, id));
  if (!row) return undefined;
  const { recorded, ...session } = row;
  const started = session.state === 'active' || session.state === 'on_hold';
  return recorded && started ? { ...session, recordTo: join(deps.config.dataDir, rawFolder(id)) } : session;
}
