// A Loupe node's place in its cluster (docs/architecture.md, "Several nodes"):
// its id and heartbeat, whether it leads (runs the once-per-cluster timers),
// and the event relay to the other nodes. On embedded PGlite a node is a
// cluster of one: it always leads and relays nothing; the heartbeat is still
// written, so that the same code settles what a previous process left.
import type { Database } from '../db/client.ts';
import type { Clock } from '../deps.ts';
import type { Logger } from '../log.ts';
import type { Events } from '../sessions/events.ts';
import { electLeader, type Leadership, soleLeader } from './leader.ts';
import { HEARTBEAT_MS, heartbeat, leave } from './nodes.ts';
import { type Mail, startMail } from './mail.ts';
import { type Relay, startRelay } from './relay.ts';

export type Cluster = {
  nodeId: string;
  leadership: Leadership;
  /** Messages to one other node (PostgreSQL only): the media signalling of sessions whose media another node holds. */
  mail?: Mail;
  /** Runs `work` only on the leader: for the timers that must fire once per cluster. */
  onLeader(work: () => unknown): () => void;
  stop(): Promise<void>;
};

export type ClusterDeps = { database: Database; events: Events; log: Logger; clock: Clock; nodeId: string };

export async function joinCluster(deps: ClusterDeps, heartbeatMs = HEARTBEAT_MS): Promise<Cluster> {
  const { database, events, log, clock, nodeId } = deps;
  const db = database.db;
  await heartbeat(db, nodeId, clock.now());
  const beat = setInterval(() => {
    heartbeat(db, nodeId, clock.now()).catch((err) => log.error('cluster: heartbeat not written', { err }));
  }, heartbeatMs);
  beat.unref();

  let relay: Relay | undefined;
  let mail: Mail | undefined;
  let leadership: Leadership;
  if (database.pg) {
    relay = await startRelay({ pg: database.pg, db, events, nodeId, log });
    mail = await startMail({ pg: database.pg, db, nodeId, log });
    leadership = await electLeader(database.openSingle!(), log);
  } else {
    leadership = soleLeader();
  }
  log.info('cluster: node joined', { nodeId, relay: !!relay, leader: leadership.isLeader() });

  return {
    nodeId,
    leadership,
    mail,
    onLeader: (work) => () => {
      if (leadership.isLeader()) work();
    },
    stop: async () => {
      clearInterval(beat);
      await relay?.stop();
      await mail?.stop();
      await leadership.stop();
      await leave(db, nodeId).catch((err) => log.warn('cluster: node row not removed', { err }));
    },
  };
}
