// Messages from one Loupe node to one other, over PostgreSQL NOTIFY on a
// channel each node LISTENs on alone: the media signalling of a session whose
// media another node holds (src/realtime/media-router.ts). The event relay
// (relay.ts) is for what every node must hear; this is for what one must.
//
// Order is kept from one node to another: a node sends one NOTIFY at a time,
// in the order send() was called (what is sent in one tick goes together as
// one batch per destination), and PostgreSQL delivers committed
// notifications in commit order. Nothing is kept for a node that is gone: a
// message to it is lost, as its sockets are.
import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { type Batch, batchOf, notifyBatch, parseEnvelope } from './notify.ts';

export type MailHandler = (payload: unknown, from: string) => void;

export type Mail = {
  /** Queued now, sent (in order) once this tick's other messages joined it. */
  send(to: string, kind: string, payload: unknown): void;
  /** One handler per kind; a kind with none is ignored (a newer node's message). */
  on(kind: string, handler: MailHandler): void;
  /** Resolves when everything sent so far reached PostgreSQL (tests). */
  flushed(): Promise<void>;
  stop(): Promise<void>;
};

export type MailDeps = { pg: Sql; db: Db; nodeId: string; log: Logger };

/** A node's own channel: node ids are longer than a channel name may be, and may hold any character. */
export function mailChannel(nodeId: string): string {
  return `loupe_node_${createHash('sha256').update(nodeId).digest('hex').slice(0, 32)}`;
}

export async function startMail(deps: MailDeps): Promise<Mail> {
  const { pg, db, nodeId, log } = deps;
  const handlers = new Map<string, MailHandler>();
  let queue = new Map<string, Batch>();
  let sending: Promise<void> = Promise.resolve();
  let hearing: Promise<void> = Promise.resolve();
  let stopped = false;

  const flush = () => {
    if (!queue.size) return;
    const batches = queue;
    queue = new Map();
    for (const [to, batch] of batches) {
      sending = sending
        .then(() => notifyBatch(pg, db, mailChannel(to), nodeId, batch))
        .catch((err) => log.error('cluster mail: messages not sent', { to, err, messages: batch.length }));
    }
  };

  const hear = async (text: string) => {
    const envelope = parseEnvelope(text);
    if (!envelope) return void log.warn('cluster mail: unreadable notification ignored');
    const batch = await batchOf(db, envelope);
    if (!batch) return void log.warn('cluster mail: a large message was gone before it was read');
    for (const [kind, payload] of batch) {
      try {
        handlers.get(kind)?.(payload, envelope.n);
      } catch (err) {
        log.error('cluster mail: message not handled', { kind, err });
      }
    }
  };

  const listening = await pg.listen(mailChannel(nodeId), (text) => {
    if (stopped) return;
    hearing = hearing.then(() => hear(text)).catch((err) => log.error('cluster mail: message not read', { err }));
  });

  return {
    send(to, kind, payload) {
      if (stopped) return;
      if (!queue.size) queueMicrotask(flush);
      const batch = queue.get(to) ?? [];
      if (!batch.length) queue.set(to, batch);
      batch.push([kind, payload ?? null]);
    },
    on(kind, handler) {
      handlers.set(kind, handler);
    },
    flushed: async () => {
      flush();
      await sending;
    },
    stop: async () => {
      flush();
      await sending;
      stopped = true;
      await listening.unlisten();
      await hearing;
    },
  };
}
