// Which node holds a session's media (`lens_sessions.media_node`): the node
// whose MediaService talks to Janus for it. The first node to handle the
// session's media claims it; it keeps it for as long as it runs, whichever
// nodes the pages' sockets move to (a load balancer need not be sticky), and
// the others send it their pages' signalling (src/realtime/media-router.ts).
// When that node is gone, the leader takes the media over and tells every
// node (Events.mediaMoved): the pages publish and join again through it.
//
// A node killed outright is seen at once, not only when its heartbeat runs
// out: its connections to PostgreSQL close with it, and each node names its
// connections after itself (application_name), so "no connection of that
// name" means gone within the leader's next check.
import { createHash } from 'node:crypto';
import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { lensSessions } from '../db/schema.ts';
import type { Clock } from '../deps.ts';
import { heldByGoneNode } from './nodes.ts';

/** The states a session has media in (while waiting the phone connects ahead of Start). */
const MEDIA_HOME_STATES = ['waiting', 'active', 'on_hold'] as const;
const APP_PREFIX = 'loupe ';
const HASH_CHARS = 24;

/** The application_name of a node's connections: PostgreSQL keeps 63 bytes of it, a node id may be longer. */
export function nodeApplicationName(nodeId: string): string {
  return APP_PREFIX + createHash('md5').update(nodeId).digest('hex').slice(0, HASH_CHARS);
}

/**
 * SQL true when the node in `column` is gone: its heartbeat ran out, or it
 * has no connection open to PostgreSQL. The second only counts when the
 * asking node (`self`) sees its own connections by name: behind a pooler
 * that renames them, nodes fall back to the heartbeat alone.
 */
export function nodeDown(column: unknown, now: Date, self: string) {
  const named = sql`(select application_name from pg_stat_activity where application_name like ${`${APP_PREFIX}%`})`;
  const closed = sql`${APP_PREFIX} || left(md5(${column}), ${HASH_CHARS}) not in ${named}`;
  return sql`(${heldByGoneNode(column, now)} or (${nodeApplicationName(self)} in ${named} and ${closed}))`;
}

type HomeDeps = { db: Db; nodeId: string };

/**
 * The node holding the session's media, claimed for this one if none does.
 * A session without media (not found, not yet waiting, ended) is this
 * node's: handled here, it gets the same answers as on a single node.
 */
export async function claimMediaHome(deps: HomeDeps, sessionId: string): Promise<string> {
  const [claimed] = await deps.db
    .update(lensSessions)
    .set({ mediaNode: deps.nodeId })
    .where(
      and(
        eq(lensSessions.id, sessionId),
        isNull(lensSessions.mediaNode),
        inArray(lensSessions.state, [...MEDIA_HOME_STATES]),
      ),
    )
    .returning({ node: lensSessions.mediaNode });
  if (claimed) return deps.nodeId;
  const [row] = await deps.db
    .select({ node: lensSessions.mediaNode, state: lensSessions.state })
    .from(lensSessions)
    .where(eq(lensSessions.id, sessionId));
  if (!row?.node || !(MEDIA_HOME_STATES as readonly string[]).includes(row.state)) return deps.nodeId;
  return row.node;
}

/**
 * The media of sessions whose node is gone becomes this node's (the leader
 * calls it every second): the moves, for Events.mediaMoved.
 */
export async function takeOverMediaOfGoneNodes(
  deps: HomeDeps & { clock: Clock },
): Promise<{ sessionId: string; technicianId: string }[]> {
  return deps.db
    .update(lensSessions)
    .set({ mediaNode: deps.nodeId })
    .where(
      and(
        inArray(lensSessions.state, [...MEDIA_HOME_STATES]),
        isNotNull(lensSessions.mediaNode),
        ne(lensSessions.mediaNode, deps.nodeId),
        nodeDown(lensSessions.mediaNode, deps.clock.now(), deps.nodeId),
      ),
    )
    .returning({ sessionId: lensSessions.id, technicianId: lensSessions.technicianId });
}

/**
 * Whether this node acts on the session's media when its state changes (hold,
 * resume, the end's room and recording): its home does, or the leader when it
 * has none or a gone one. Once per cluster: a recording is converted once.
 */
export async function actsOnMedia(
  deps: HomeDeps & { clock: Clock },
  sessionId: string,
  isLeader: () => boolean,
): Promise<boolean> {
  const [row] = await deps.db
    .select({
      node: lensSessions.mediaNode,
      down: nodeDown(lensSessions.mediaNode, deps.clock.now(), deps.nodeId).mapWith(Boolean),
    })
    .from(lensSessions)
    .where(eq(lensSessions.id, sessionId));
  if (row?.node === deps.nodeId) return true;
  return (!row || row.down) && isLeader();
}
