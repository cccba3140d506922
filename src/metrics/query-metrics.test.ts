// The database hook: every query drizzle sends is timed, inside transactions
// too, failures are counted, and the HTTP middleware adds no query to a
// request. On PGlite, and on PostgreSQL with LOUPE_TEST_DATABASE_URL.
import { newNodeId } from '../cluster/nodes.ts';
import { nodeApplicationName } from '../cluster/media-home.ts';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createApp } from '../app.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Events } from '../sessions/events.ts';
import { technician } from '../sessions/testing.ts';
import { callerFor, fakeClock, type Harness, harness } from '../testing/harness.ts';
import { Metrics } from './metrics.ts';
import { parseScrape } from './testing.ts';

let database: Database;
let metrics: Metrics;
let base: Harness;

beforeAll(async () => {
  base = await harness();
  const url = process.env.LOUPE_TEST_DATABASE_URL || undefined;
  metrics = new Metrics();
  // Its own connection (PostgreSQL) or its own PGlite, from a dump of the migrated, emptied test database.
  const loadDataDir = url ? undefined : await (await freshTestDatabase()).dumpDataDir!();
  // A name of its own (as a node has): the pool's connections are told apart by it in pg_stat_activity.
  database = await openDatabase({
    url,
    loadDataDir,
    queryObserver: metrics,
    applicationName: nodeApplicationName(newNodeId()),
  });
  await database.migrate(); // as src/db/testing.ts does after loading a dump
}, 180_000); // a harness, a dump of its database and a second PGlite from it
afterAll(async () => {
  await database?.close();
});

const read = async () => {
  const m = parseScrape(await metrics.registry.metrics());
  return {
    queries: m.value('loupe_db_query_duration_seconds_count') ?? 0,
    errors: m.value('loupe_db_query_errors_total') ?? 0,
    inFlight: m.value('loupe_db_queries_in_flight'),
    pool: m.value('loupe_db_pool_connections', { state: 'max' }),
  };
};

describe('the query hook', () => {
  test('times each query, inside a transaction too, and knows the pool size', async () => {
    const before = await read();
    await database.db.execute(sql`select 1`);
    expect((await read()).queries - before.queries).toBe(1);
    const mid = await read();
    await transaction(database.db, async (tx) => {
      await tx.execute(sql`select 1`);
      await tx.execute(sql`select 2`);
    });
    expect((await read()).queries - mid.queries).toBe(2);
    const after = await read();
    expect(after.inFlight).toBe(0);
    expect(after.pool).toBe(database.kind === 'pglite' ? 1 : 10);
    const m = parseScrape(await metrics.registry.metrics());
    expect(m.value('loupe_db_query_duration_seconds_sum')).toBeGreaterThan(0);
  });

  test('a failed query is counted as an error, and the caller still gets its error', async () => {
    const before = await read();
    await expect(Promise.resolve(database.db.execute(sql`select * from no_such_table`))).rejects.toThrow();
    await expect(
      transaction(database.db, async (tx) => {
        await tx.execute(sql`select * from no_such_table`);
      }),
    ).rejects.toThrow();
    const after = await read();
    expect(after.errors - before.errors).toBe(2);
    expect(after.queries - before.queries).toBe(2);
    expect(after.inFlight).toBe(0);
  });

  test('the HTTP middleware adds no query to a request', async () => {
    const deps: Deps = {
      db: database.db,
      clock: fakeClock(),
      log: base.log,
      config: base.config,
      events: new Events(),
      nodeId: newNodeId(),
    };
    const plain = createApp({ ...deps, database });
    const counted = new Metrics();
    const observed = createApp({ ...deps, database, metrics: counted });
    const h = { ...deps, clock: fakeClock(), app: plain, database, call: callerFor(plain) } as Harness;
    const tess = await technician(h);
    const queriesOf = async (app: typeof plain) => {
      const call = callerFor(app);
      const before = (await read()).queries;
      expect((await call('GET', '/api/auth/me', { cookie: tess.cookie })).status).toBe(200);
      expect((await call('GET', '/api/auth/me')).status).toBe(401);
      expect((await call('GET', '/api/sessions', { cookie: tess.cookie })).status).toBe(200);
      expect((await call('GET', '/api/no-such-route')).status).toBe(404);
      return (await read()).queries - before;
    };
    const without = await queriesOf(plain);
    const withMetrics = await queriesOf(observed);
    expect(without).toBeGreaterThan(0);
    expect(withMetrics).toBe(without);
    // And the middleware did count them.
    const m = parseScrape(await counted.registry.metrics());
    expect(m.value('loupe_http_requests_total', { route: 'GET /api/sessions', status: '200' })).toBe(1);
  });

  test('the pool: its size, the connections open and those in use, read at scrape time', async () => {
    metrics.collectFrom({ db: database.db, dbKind: database.kind });
    const pool = (m: ReturnType<typeof parseScrape>) => ({
      max: m.value('loupe_db_pool_connections', { state: 'max' }),
      open: m.value('loupe_db_pool_connections', { state: 'open' }),
      inUse: m.value('loupe_db_pool_connections', { state: 'in_use' }),
    });
    if (database.kind === 'pglite') {
      expect(pool(parseScrape(await metrics.scrape()))).toEqual({ max: 1, open: 1, inUse: 0 });
      expect(parseScrape(await metrics.scrape()).value('loupe_db_up')).toBe(1);
      return;
    }
    // A transaction holds its connection between its queries: it is in use while the scrape reads.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let begun!: () => void;
    const inside = new Promise<void>((r) => {
      begun = r;
    });
    const tx = transaction(database.db, async (t) => {
      await t.execute(sql`select 1`);
      begun();
      await held;
    });
    await inside;
    const during = pool(parseScrape(await metrics.scrape()));
    release();
    await tx;
    expect(during.max).toBe(10);
    expect(during.inUse).toBe(1);
    // The transaction's connection and the scrape's own, at least.
    expect(during.open).toBeGreaterThanOrEqual(2);
    const after = pool(parseScrape(await metrics.scrape()));
    expect(after.inUse).toBe(0);
    expect(after.open).toBe(during.open);
  });
});
