// Carries the events of src/sessions/events.ts between Loupe nodes over
// PostgreSQL LISTEN/NOTIFY, so that a socket on one node hears a change made
// on another: a session changed, a technician signed out, a live-tool
// message, an SMS or e-mail queued. Each node LISTENs on one channel and
// NOTIFYs what its own Events emit; what it hears from the others it delivers
// to its own listeners only.
//
// Order is kept: a node sends its events one NOTIFY at a time, in emit order
// (events emitted while one is in flight go together in the next, as one
// array), and PostgreSQL delivers the notifications of committed transactions
// in commit order. A batch larger than a NOTIFY payload may be (8000 bytes)
// is written to cluster_messages and the NOTIFY carries its id; the listener
// reads it before anything it heard later.
import type { Sql } from 'postgres';
import { lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { clusterMessages } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { EVENT_KINDS, type EventKind, type Events } from '../sessions/events.ts';
import { type Batch, batchOf, notifyBatch, parseEnvelope } from './notify.ts';

export { NOTIFY_MAX_BYTES } from './notify.ts';
export const CHANNEL = 'loupe_events';

export type RelayDeps = { pg: Sql; db: Db; events: Events; nodeId: string; log: Logger };
export type Relay = {
  stop(): Promise<void> /** Resolves when everything emitted so far was sent (tests). */;
  flushed(): Promise<void>;
};

export async function startRelay(deps: RelayDeps): Promise<Relay> {
  const { pg, db, events, nodeId, log } = deps;
  let queue: Batch = [];
  let sending: Promise<void> = Promise.resolve();
  let hearing: Promise<void> = Promise.resolve();
  let stopped = false;

  const send = (batch: Batch) => notifyBatch(pg, db, CHANNEL, nodeId, batch);

  const flush = () => {
    if (!queue.length) return;
    const batch = queue;
    queue = [];
    sending = sending
      .then(() => send(batch))
      .catch((err) => log.error('cluster relay: events not sent to the other nodes', { err, events: batch.length }));
  };

  const hear = async (text: string) => {
    const envelope = parseEnvelope(text);
    if (!envelope) return void log.warn('cluster relay: unreadable notification ignored');
    if (envelope.n === nodeId) return;
    const batch = await batchOf(db, envelope);
    if (!batch) return void log.warn('cluster relay: a large event batch was gone before it was read');
    for (const [kind, payload] of batch) {
      if (EVENT_KINDS.includes(kind as EventKind)) events.deliver(kind as EventKind, payload);
    }
  };

  const listening = await pg.listen(CHANNEL, (text) => {
    if (stopped) return;
    hearing = hearing.then(() => hear(text)).catch((err) => log.error('cluster relay: event not delivered', { err }));
  });

  events.relayTo((kind, payload) => {
    if (stopped) return;
    // Queued now, sent once this tick's other events have joined it.
    if (!queue.length) queueMicrotask(flush);
    queue.push([kind, payload ?? null]);
  });

  return {
    flushed: async () => {
      flush();
      await sending;
    },
    stop: async () => {
      events.relayTo(undefined);
      flush();
      await sending;
      stopped = true;
      await listening.unlisten();
      await hearing;
    },
  };
}

/** Large batches are read within milliseconds; a minute is plenty for a node that was busy. */
export async function deleteOldClusterMessages(db: Db, now: Date): Promise<void> {
  await db.delete(clusterMessages).where(lt(clusterMessages.createdAt, new Date(now.getTime() - 60_000)));
}
