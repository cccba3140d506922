// The media follows the sessions' states: hold pauses it, resume restarts it,
// any end (technician, customer, timeout) destroys the room. Verbs only change
// the state; this listener does the rest after their transaction committed.
import { and, count, eq, inArray, isNotNull, isNull, notInArray, or } from 'drizzle-orm';
import { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ENDED_STATES } from '../sessions/states.ts';
import type { MediaService, RoomStore, SessionRef } from './service.ts';

const refColumns = {
  id: lensSessions.id,
  name: lensSessions.name,
  state: lensSessions.state,
  roomId: lensSessions.roomId,
  roomSecret: lensSessions.roomSecret,
  janusServer: lensSessions.janusServer,
};

export function roomStore(deps: Pick<Deps, 'db'>): RoomStore {
  return {
    async save(sessionId, room) {
      await deps.db
        .update(lensSessions)
        .set({
          roomId: room?.id ?? null,
          roomSecret: room?.secret ?? null,
          ...(room?.server && { janusServer: room.server }),
        })
        .where(eq(lensSessions.id, sessionId));
    },
    async liveCounts() {
      const rows = await deps.db
        .select({ server: lensSessions.janusServer, n: count() })
        .from(lensSessions)
        .where(and(isNotNull(lensSessions.janusServer), notInArray(lensSessions.state, [...ENDED_STATES])))
        .groupBy(lensSessions.janusServer);
      return new Map(rows.map((r) => [r.server!, r.n]));
    },
    async move(sessionId, from, to) {
      // Only from where this node saw it: a session another node moved already keeps that node's choice.
      const [moved] = await deps.db
        .update(lensSessions)
        .set({ janusServer: to })
        .where(
          and(
            eq(lensSessions.id, sessionId),
            from === null
              ? isNull(lensSessions.janusServer)
              : or(eq(lensSessions.janusServer, from), isNull(lensSessions.janusServer)),
          ),
        )
        .returning({ server: lensSessions.janusServer });
      if (moved) return to;
      const [row] = await deps.db
        .select({ server: lensSessions.janusServer })
        .from(lensSessions)
        .where(eq(lensSessions.id, sessionId));
      return row?.server ?? to;
    },
  };
}

/** The session as the media layer needs it, or undefined. */
export async function sessionRef(
  deps: Pick<Deps, 'db'>,
  id: string,
): Promise<(SessionRef & { state: string }) | undefined> {
  const [row] = await deps.db.select(refColumns).from(lensSessions).where(eq(lensSessions.id, id));
  return row;
}

/** The record of a room goes only once Janus confirmed it gone; otherwise the next connection retries. */
async function closeRoom(deps: Deps, media: MediaService, ref: SessionRef): Promise<void> {
  if (await media.close(ref)) await roomStore(deps).save(ref.id, null);
}

/** The states whose media followSessions acts on: ended (room closed), active and on hold. */
const MEDIA_STATES = new Set<string>([...ENDED_STATES, 'active', 'on_hold']);

/**
 * `acts`: whether this node acts on the session (one node of a cluster does).
 * `ended(sessionId)` is called once the room of an ended session is destroyed
 * (Janus has closed its recording files) or could not be: the recording's conversion starts then.
 */
export function followSessions(
  deps: Deps,
  media: MediaService,
  ended?: (sessionId: string) => void,
  acts: ((sessionId: string) => Promise<boolean>) | undefined = undefined,
): () => void {
  return deps.events.onSessionChanged(({ sessionId, state }) => {
    // A state that asks nothing of the media (invited, connecting, waiting) needs no re-read: a redeem is hot.
    if (state !== undefined && !MEDIA_STATES.has(state)) return;
    void (async () => {
      // With several nodes, the one holding the session's media (src/cluster/media-home.ts).
      if (acts && !(await acts(sessionId))) return;
      const ref = await sessionRef(deps, sessionId);
      if (!ref) return;
      if (ENDED_STATES.includes(ref.state as never)) {
        if (ref.roomId || media.has(sessionId)) await closeRoom(deps, media, ref).finally(() => ended?.(sessionId));
      } else if (ref.state === 'on_hold' || ref.state === 'active') {
        await media.hold(sessionId, ref.state === 'on_hold');
      }
    })().catch((err) => deps.log.error('media did not follow the session', { sessionId, err }));
  });
}

/**
 * Rooms of sessions that ended while Loupe or its link to Janus was down (an
 * external Janus keeps them): destroyed each time the link is (re)established.
 */
export function destroyLeftoverRoomsOnConnect(deps: Deps, media: MediaService): () => void {
  return media.onConnected(() => {
    void destroyLeftoverRooms(deps, media).catch((err) => deps.log.warn('leftover rooms not destroyed', { err }));
  });
}

async function destroyLeftoverRooms(deps: Deps, media: MediaService): Promise<void> {
  const rows = await deps.db
    .select(refColumns)
    .from(lensSessions)
    .where(and(inArray(lensSessions.state, [...ENDED_STATES]), isNotNull(lensSessions.roomId)));
  for (const ref of rows) await closeRoom(deps, media, ref);
}
