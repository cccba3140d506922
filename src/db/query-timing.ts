// Times every query Loupe sends, for the metrics (src/metrics:
// loupe_db_query_duration_seconds, loupe_db_queries_in_flight). It imports
// nothing of Loupe: the observer is handed in (openDatabase's
// `queryObserver`). The hook sits at the driver's one entry point
// that drizzle uses, under drizzle, so every query of every verb is counted
// without touching them:
// - PGlite: query() and a transaction's query() (drizzle-orm/pglite calls
//   nothing else). The time includes the wait for PGlite's lock: PGlite runs
//   one statement at a time, and that wait is what a request feels.
// - postgres-js: unsafe() (drizzle-orm/postgres-js sends every query through
//   it), on the pool and on the connection begin()/savepoint() lend a
//   transaction. The time includes the wait for a free connection of the pool.
//   postgres-js runs a query once it is first awaited (its `then`), a
//   microtask after; listening to it here, before drizzle's synchronous
//   `.values()`, changes nothing of how it runs (src/metrics/query-metrics.test.ts runs
//   on PostgreSQL too).
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Sql } from 'postgres';

export interface QueryObserver {
  /** A query goes to the driver; answers the start time to hand back to queryEnded. */
  queryStarted(): number;
  queryEnded(started: number, failed: boolean): void;
  /** How many connections the driver may open (the pool's size; PGlite has one). */
  poolSize(connections: number): void;
}

const timed =
  <A extends unknown[], R>(observer: QueryObserver, run: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    const started = observer.queryStarted();
    try {
      const result = await run(...args);
      observer.queryEnded(started, false);
      return result;
    } catch (err) {
      observer.queryEnded(started, true);
      throw err;
    }
  };

/** The same PGlite, whose query() (also inside transaction()) is timed. */
export function timedPglite(pg: PGlite, observer: QueryObserver): PGlite {
  observer.poolSize(1);
  const query = timed(observer, pg.query.bind(pg));
  const inside = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'query') return timed(observer, target.query.bind(target));
        return Reflect.get(target, prop, receiver);
      },
    });
  const transaction = <T>(fn: (tx: Transaction) => Promise<T>) => pg.transaction((tx) => fn(inside(tx)));
  // As withPreparedStatements (src/db/pglite-prepared.ts): PGlite's own methods bound to it, for its private fields.
  return new Proxy(pg, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'transaction') return transaction;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The same postgres-js pool, whose unsafe() (also on a transaction's connection) is timed. */
export function timedPostgres(sql: Sql, observer: QueryObserver): Sql {
  observer.poolSize(sql.options.max);
  const wrap = (target: Sql): Sql =>
    new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'unsafe')
          return (...args: Parameters<Sql['unsafe']>) => {
            const query = t.unsafe(...args);
            const started = observer.queryStarted();
            query.then(
              () => observer.queryEnded(started, false),
              () => observer.queryEnded(started, true),
            );
            return query;
          };
        // begin([options], fn) and savepoint([name], fn): the callback gets a connection of its own.
        if (prop === 'begin' || prop === 'savepoint')
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: Sql) => unknown;
            const lend = Reflect.get(t, prop) as (...a: unknown[]) => unknown;
            return lend.apply(t, [...args, (tx: Sql) => fn(wrap(tx))]);
          };
        return Reflect.get(t, prop, receiver);
      },
    });
  return wrap(sql);
}
