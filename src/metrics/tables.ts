// The counts read from the database at scrape time: sessions by state and the
// three outboxes by status. One query (four grouped counts, UNION ALL), one
// round trip per scrape however many series it feeds; nothing per request.
// Each count scans its table: the tables are bounded by retention
// (docs/records.md), and at one scrape every 15-60 s that is a few ms even
// with a hundred thousand sessions. The outboxes are read from their tables,
// not their workers, so a worker's own code is no concern of the metrics.
import { sql } from 'drizzle-orm';
import { SESSION_STATES } from '../contract/states.ts';
import type { Db } from '../db/client.ts';
import { SMS_STATUSES } from '../db/schema.ts';
import { EMAIL_STATUSES, WEBHOOK_DELIVERY_STATUSES } from '../db/schema-org.ts';

export type Outbox = 'sms' | 'email' | 'webhook';

/** Every state and status the tables' checks allow: each series is written, 0 when there is none. */
export const KNOWN = {
  sessions: SESSION_STATES,
  sms: SMS_STATUSES,
  email: EMAIL_STATUSES,
  webhook: WEBHOOK_DELIVERY_STATUSES,
} as const;

export type TableCounts = Record<keyof typeof KNOWN, Map<string, number>>;

type Row = { t: keyof typeof KNOWN; k: string; n: number };

/** The rows of a raw `execute`: postgres-js answers an array, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

export async function readTableCounts(db: Db): Promise<TableCounts> {
  const result = await db.execute(sql`
    select 'sessions' as t, state as k, count(*)::int as n from lens_sessions group by state
    union all select 'sms', status, count(*)::int from sms_messages group by status
    union all select 'email', status, count(*)::int from email_messages group by status
    union all select 'webhook', status, count(*)::int from webhook_deliveries group by status`);
  const counts: TableCounts = { sessions: new Map(), sms: new Map(), email: new Map(), webhook: new Map() };
  for (const [table, known] of Object.entries(KNOWN) as [keyof typeof KNOWN, readonly string[]][])
    for (const k of known) counts[table].set(k, 0);
  for (const row of rowsOf<Row>(result)) counts[row.t]?.set(row.k, Number(row.n));
  return counts;
}

export type PoolConnections = { open: number; inUse: number };

/**
 * PostgreSQL only: this node's connections, those with the application_name
 * of the scrape's own connection (one per node, src/cluster/media-home.ts; the
 * cluster's LISTEN and leader connections share it). In use: not idle,
 * the scrape's own connection left out.
 */
export async function readPoolConnections(db: Db): Promise<PoolConnections> {
  const result = await db.execute(sql`
    select count(*)::int as open,
      (count(*) filter (where state <> 'idle' and pid <> pg_backend_pid()))::int as in_use
    from pg_stat_activity
    where application_name = current_setting('application_name') and datname = current_database()
      and backend_type = 'client backend'`);
  const [row] = rowsOf<{ open: number; in_use: number }>(result);
  return { open: Number(row?.open ?? 0), inUse: Number(row?.in_use ?? 0) };
}
