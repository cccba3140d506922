// Opens the database: embedded PGlite by default, a PostgreSQL server when
// DATABASE_URL is set. Both are returned as the same drizzle PgDatabase type,
// so verbs never know which one they run on.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type QueryObserver, timedPglite, timedPostgres } from './query-timing.ts';
import { withPreparedStatements } from './pglite-prepared.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** PostgreSQL only: the client itself, for LISTEN/NOTIFY and a connection of its own (src/cluster/). */
  pg?: postgres.Sql;
  /** PostgreSQL only: a new client of one connection to the same server (the cluster leader's lock lives on it). */
  openSingle?(): postgres.Sql;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: its whole data folder as a gzipped tarball, for `openDatabase({ loadDataDir })`. */
  dumpDataDir?(): Promise<Blob>;
};

/** 'LoupeM': an advisory lock key of its own (the leader's and the audit chain's are others). */
const MIGRATION_LOCK_KEY = 0x4c6f7570654d;

export const migrationsFolder = new URL('../../migrations', import.meta.url).pathname;

/**
 * `dataDir` undefined means an in-memory PGlite (tests), started from the
 * dump `loadDataDir` when given (much faster than PGlite's own initdb).
 * `queryObserver`: times every query (the metrics, query-timing.ts).
 */
export async function openDatabase(opts: {
  url?: string;
  dataDir?: string;
  loadDataDir?: Blob;
  queryObserver?: QueryObserver;
  /** PostgreSQL only: the connections' application_name (the other nodes see a node's connections go: src/cluster/media-home.ts). */
  applicationName?: string;
}): Promise<Database> {
  const observer = opts.queryObserver;
  if (opts.url) {
    const url = opts.url;
    const connection = opts.applicationName ? { application_name: opts.applicationName } : undefined;
    const client = postgres(url, { max: 10, onnotice: () => {}, connection });
    const db = drizzlePostgres({ client: observer ? timedPostgres(client, observer) : client, schema });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      pg: client,
      openSingle: () => postgres(url, { max: 1, onnotice: () => {}, connection }),
      // Nodes starting together migrate one after the other: the lock lives on a
      // connection of its own, and ending that connection releases it.
      migrate: async () => {
        const one = postgres(url, { max: 1, onnotice: () => {} });
        try {
          await one`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
          await migratePostgres(drizzlePostgres({ client: one, schema }), { migrationsFolder });
        } finally {
          await one.end({ timeout: 5 });
        }
      },
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  let dir: string | undefined;
  if (opts.dataDir) {
    dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
  }
  const client = withPreparedStatements(new PGlite(dir, { loadDataDir: opts.loadDataDir }));
  await client.waitReady;
  const db = drizzlePglite({ client: observer ? timedPglite(client, observer) : client, schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('gzip'),
  };
}
