// Which Janus of the pool a session's room is on: placed when the session
// first needs a room, moved when that Janus is dead. The session row names the
// server (lens_sessions.janus_server), so every node uses the one that the
// first to decide chose; RoomStore.move settles two nodes deciding at once.
import { type JanusPool, placeRoom } from './janus-pool.ts';
import type { SessionMedia } from './session-media.ts';
import type { RoomStore } from './signals.ts';

export type ServerChoice = {
  pool: JanusPool;
  rooms: RoomStore;
  /** This node's sessions (their count per server when the database cannot say). */
  sessions: Iterable<SessionMedia>;
};

/** The healthy server with the fewest live sessions, not `exclude`; undefined when none answers. */
export async function chooseServer(c: ServerChoice, exclude?: string): Promise<string | undefined> {
  const counted = (await c.rooms.liveCounts?.().catch(() => undefined)) ?? new Map<string, number>();
  const local = new Map<string, number>();
  for (const m of c.sessions) if (m.server && !m.closed) local.set(m.server, (local.get(m.server) ?? 0) + 1);
  // A session placed here but not yet stored counts too: the larger of the two counts.
  const servers = c.pool.ids.map((id) => ({
    id,
    healthy: c.pool.healthy(id),
    live: Math.max(counted.get(id) ?? 0, local.get(id) ?? 0),
  }));
  return placeRoom(servers, exclude);
}

/**
 * Gives the session a server: a first one, or another if its own is dead.
 * Another node may have chosen already (the row says so): that one is kept.
 * With no server answering, the session keeps its own (or gets the first),
 * and asking it then says the media server is not running.
 */
export async function placeSession(c: ServerChoice, media: SessionMedia): Promise<void> {
  // One Janus: nothing to choose, nothing to store (the row's null means the one).
  if (c.pool.ids.length === 1) {
    media.server = c.pool.first;
    return;
  }
  const from = media.server;
  const to = await chooseServer(c, from);
  if (!to) {
    media.server ??= c.pool.first;
    return;
  }
  const recorded = c.rooms.move ? await c.rooms.move(media.sessionId, from ?? null, to) : to;
  media.server = c.pool.has(recorded) && !c.pool.isDead(recorded) ? recorded : to;
}
