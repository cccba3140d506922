// Tables that let several Loupe processes share one PostgreSQL
// (docs/architecture.md, "Several nodes"). PGlite has them too: a single node
// is a cluster of one, and runs the same code.
import { bigserial, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The Loupe processes running now: each writes `seen_at` every few seconds
 * (src/cluster/nodes.ts). A node not seen for a while is gone: the leader
 * marks its customers away, and the outboxes settle the rows it was sending.
 */
export const loupeNodes = pgTable('loupe_nodes', {
  /** Made at each start (host, pid and a random part): a restarted process is a new node. */
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A cross-node event too large for a NOTIFY payload (PostgreSQL's limit is
 * 8000 bytes): the NOTIFY carries this row's id, and the nodes read the row.
 * Rows older than a minute are deleted by the leader.
 */
export const clusterMessages = pgTable('cluster_messages', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  payload: jsonb('payload').$type<unknown>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
