// Which Loupe processes are running: each node writes a heartbeat row, and a
// node whose row is older than NODE_GONE_MS is gone (killed, frozen, cut off).
// What a gone node held is settled by the others: its customers count as away
// (src/sessions/presence.ts), the SMS and e-mails it was sending get an
// unknown outcome (the outboxes), its webhook leases run out by themselves.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { loupeNodes } from '../db/schema.ts';

export const HEARTBEAT_MS = 5_000;
/** Three missed heartbeats: long enough that a busy node is not declared gone, short enough for a quick take-over. */
export const NODE_GONE_MS = 15_000;

/** A new node id: readable in logs and tables (host and pid), unique across restarts (random part). */
export function newNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Writes (or first inserts) the node's heartbeat. */
export async function heartbeat(db: Db, nodeId: string, now: Date): Promise<void> {
  await db
    .insert(loupeNodes)
    .values({ id: nodeId, host: hostname(), pid: process.pid, startedAt: now, seenAt: now })
    .onConflictDoUpdate({ target: loupeNodes.id, set: { seenAt: now } });
}

/**
 * SQL true when the node id in `column` is not a running node (or null): for
 * the outboxes' and presence's "held by a node that is gone".
 */
export function heldByGoneNode(column: unknown, now: Date) {
  const cutoff = new Date(now.getTime() - NODE_GONE_MS).toISOString();
  return sql`(${column} is null or ${column} not in (select ${loupeNodes.id} from ${loupeNodes} where ${loupeNodes.seenAt} > ${cutoff}::timestamptz))`;
}

/** Deletes the rows of nodes gone for a long time (an hour): the table stays the size of the cluster. */
export async function forgetGoneNodes(db: Db, now: Date): Promise<number> {
  const rows = await db
    .delete(loupeNodes)
    .where(lt(loupeNodes.seenAt, new Date(now.getTime() - 3_600_000)))
    .returning({ id: loupeNodes.id });
  return rows.length;
}

/** The node leaves cleanly (shutdown): the others need not wait for its heartbeat to run out. */
export async function leave(db: Db, nodeId: string): Promise<void> {
  await db.delete(loupeNodes).where(sql`${loupeNodes.id} = ${nodeId}`);
}
