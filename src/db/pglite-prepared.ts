// Embedded PGlite answers every query() with a fresh unnamed Parse: Postgres
// parses, analyses and plans the statement again each time, on Loupe's one
// thread. Loupe's SQL comes from a fixed set of call sites (drizzle renders the
// same text with $n parameters), so here each text is prepared once under a
// name and afterwards only bound and executed, in a single protocol round
// trip. On this machine a two-table lookup by key went from ~0.24 ms to
// ~0.04 ms. Results, parsers, serializers, errors, transactions and the
// write-back to the data folder behave as PGlite's own query() does.
// PGlite's locks, the protocol and the reading of its output are in
// pglite-adapter.ts, the one file that touches PGlite's internals.
import { parse, type PGlite, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';
import { pgliteAdapter } from './pglite-adapter.ts';

type Prepared = { name: string; paramTypes: number[] };

/** How many statements stay prepared; the least recently used one is closed beyond that. */
export const MAX_PREPARED = 256;

/**
 * The same PGlite, whose query() (also inside transaction()) runs prepared
 * statements. Everything else is the instance's own, bound to it (PGlite keeps
 * private fields, which a Proxy as `this` could not reach).
 */
export function withPreparedStatements(pg: PGlite, max = MAX_PREPARED): PGlite {
  const adapter = pgliteAdapter(pg);
  const prepared = new Map<string, Prepared>(); // in order of last use
  let counter = 0;

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Prepared> {
    const known = prepared.get(text);
    if (known) {
      prepared.delete(text);
      prepared.set(text, known);
      return known;
    }
    let close: string | undefined;
    if (prepared.size >= max) {
      const [oldest, statement] = prepared.entries().next().value as [string, Prepared];
      prepared.delete(oldest);
      close = statement.name;
    }
    const name = `loupe_${++counter}`;
    const statement = { name, paramTypes: await adapter.prepare(name, text, options?.paramTypes ?? [], close) };
    prepared.set(text, statement);
    return statement;
  }

  const parsersFor = parserLayers(pg);

  async function run<T>(
    text: string,
    params: unknown[] | undefined,
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ): Promise<Results<T>> {
    return adapter.exclusive(async () => {
      try {
        const statement = await prepare(text, options);
        const values = (params ?? []).map((value, i) => {
          if (value === null || value === undefined) return null;
          const type = statement.paramTypes[i]!;
          const serializer = options?.serializers?.[type] ?? pg.serializers[type];
          return serializer ? serializer(value) : String(value);
        });
        const messages = await adapter.execute(statement.name, values);
        // As PGlite's query(): written to the data folder after each statement outside a transaction, at COMMIT inside one.
        if (!inTransaction) await pg.syncToFs();
        return parse.parseResults(messages, ...parsersFor(options))[0] as Results<T>;
      } catch (error) {
        if (error && typeof error === 'object') Object.assign(error, { query: text, params, queryOptions: options });
        throw error;
      }
    });
  }

  const query = async <T>(text: string, params?: unknown[], options?: QueryOptions) => {
    await adapter.checkReady();
    return adapter.outsideTransactions(() => run<T>(text, params, options, false));
  };
  const transaction = <T>(fn: (tx: Transaction) => Promise<T>) => pg.transaction((tx) => fn(preparedInside(tx, run)));

  return new Proxy(pg, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'transaction') return transaction;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

type ParserMap = Parameters<typeof parse.parseResults>[1];

/**
 * PGlite merges a query's own parsers into a copy of all its parsers, on
 * every query (drizzle passes a few with each one): that copy was an eighth
 * of Loupe's CPU time under load. A layer over the shared parsers reads the
 * same; it is kept per parsers object, which a drizzle prepared query passes
 * with every call.
 */
function parserLayers(pg: PGlite): (options: QueryOptions | undefined) => [ParserMap, QueryOptions | undefined] {
  const layers = new WeakMap<object, ParserMap>();
  return (options) => {
    if (!options?.parsers) return [pg.parsers as ParserMap, options];
    const { parsers, ...rest } = options;
    let layer = layers.get(parsers);
    if (!layer) {
      layer = Object.assign(Object.create(pg.parsers) as ParserMap, parsers);
      layers.set(parsers, layer);
    }
    return [layer, rest];
  };
}

type Run = <T>(
  text: string,
  params: unknown[] | undefined,
  options: QueryOptions | undefined,
  inTransaction: boolean,
) => Promise<Results<T>>;

/** The transaction, whose query() runs prepared statements too. */
function preparedInside(tx: Transaction, run: Run): Transaction {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return async <R>(text: string, params?: unknown[], options?: QueryOptions) => {
          if (target.closed) throw new Error('Transaction is closed');
          return run<R>(text, params, options, true);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}
