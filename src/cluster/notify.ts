// What one node NOTIFYs to others, for the event relay (relay.ts) and the
// node-to-node mail (mail.ts) alike: the sender's id and a batch of
// [kind, payload] pairs, inline when it fits a NOTIFY payload (8000 bytes at
// most), else written to cluster_messages with only its id in the NOTIFY.
// Whoever hears it reads such a row before anything it heard later.
import type { Sql } from 'postgres';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { clusterMessages } from '../db/schema.ts';

/** Below PostgreSQL's 8000-byte payload limit, with room for the envelope. */
export const NOTIFY_MAX_BYTES = 7_800;

export type Batch = [string, unknown][];
/** On the wire: the sending node, and its batch inline or the id of the row that holds it. */
type Envelope = { n: string; e?: Batch; ref?: number };

/** Sends one batch on `channel`, through cluster_messages when it is too large for a NOTIFY. */
export async function notifyBatch(pg: Sql, db: Db, channel: string, from: string, batch: Batch): Promise<void> {
  const inline = JSON.stringify({ n: from, e: batch } satisfies Envelope);
  if (Buffer.byteLength(inline) <= NOTIFY_MAX_BYTES) return void (await pg.notify(channel, inline));
  const [row] = await db.insert(clusterMessages).values({ payload: batch }).returning({ id: clusterMessages.id });
  await pg.notify(channel, JSON.stringify({ n: from, ref: row!.id } satisfies Envelope));
}

/** A notification as notifyBatch sent it: who sent it, and where its batch is. */
export function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value = JSON.parse(text) as Envelope;
    if (typeof value?.n !== 'string') return undefined;
    if (value.e !== undefined && !Array.isArray(value.e)) return undefined;
    if (value.ref !== undefined && !Number.isSafeInteger(value.ref)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** The envelope's batch, read back from cluster_messages if it was stored there; undefined when that row is gone. */
export async function batchOf(db: Db, envelope: Envelope): Promise<Batch | undefined> {
  if (envelope.ref === undefined) return envelope.e ?? [];
  const [row] = await db.select().from(clusterMessages).where(eq(clusterMessages.id, envelope.ref));
  return row ? (row.payload as Batch) : undefined;
}
