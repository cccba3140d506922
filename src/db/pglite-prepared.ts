// Embedded PGlite answers every query() with a fresh unnamed Parse: Postgres
// parses, analyses and plans the statement again each time, on Loupe's one
// thread. Loupe's SQL comes from a fixed set of call sites (drizzle renders the
// same text with $n parameters), so here each text is prepared once under a
// name and afterwards only bound and executed, in a single protocol round
// trip. On this machine a two-table lookup by key went from ~0.24 ms to
// ~0.04 ms. Results, parsers, serializers, errors, transactions and the
// write-back to the data folder behave as PGlite's own query() does.
// It takes the same two locks as PGlite's query() (`_runExclusiveTransaction`,
// `_runExclusiveQuery`, PGlite 0.5's internals, pinned in package.json): if an
// upgrade changes them, pglite-prepared.test.ts fails.
import {
  messages as pgMessages,
  parse,
  protocol,
  type PGlite,
  type QueryOptions,
  type Results,
  type Transaction,
} from '@electric-sql/pglite';
import { RawOutput, readResultMessages } from './pglite-wire.ts';

const { serialize } = protocol;

/** PGlite's own locks (the same ones its query() and transaction() take). */
type Locks = {
  _checkReady(): Promise<void>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
};

type Prepared = { name: string; paramTypes: number[] };

/** How many statements stay prepared; the least recently used one is closed beyond that. */
export const MAX_PREPARED = 256;

type BackendMessages = Parameters<typeof parse.parseResults>[0];

/**
 * PGlite's own reading of a round trip's output (pglite-wire.ts steps aside
 * for anything but plain results): its first error is thrown as PGlite's
 * query() throws it; later messages are dropped, as PGlite drops them.
 * Notices and notifications are not passed on: Loupe asks for neither.
 */
function readByPglite(bytes: Uint8Array): BackendMessages {
  const read: BackendMessages = [];
  let error: InstanceType<typeof pgMessages.DatabaseError> | undefined;
  new protocol.Parser().parse(bytes.slice(), (message) => {
    if (error) return;
    if (message instanceof pgMessages.DatabaseError) error = message;
    else read.push(message);
  });
  if (error) throw error;
  return read;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The same PGlite, whose query() (also inside transaction()) runs prepared
 * statements. Everything else is the instance's own, bound to it (PGlite keeps
 * private fields, which a Proxy as `this` could not reach).
 */
export function withPreparedStatements(pg: PGlite, max = MAX_PREPARED): PGlite {
  const locks = pg as unknown as Locks;
  const prepared = new Map<string, Prepared>(); // in order of last use
  const output = new RawOutput(); // one round trip at a time: run() holds PGlite's query lock
  let counter = 0;

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Prepared> {
    const known = prepared.get(text);
    if (known) {
      prepared.delete(text);
      prepared.set(text, known);
      return known;
    }
    const messages: Uint8Array[] = [];
    if (prepared.size >= max) {
      const [oldest, statement] = prepared.entries().next().value as [string, Prepared];
      prepared.delete(oldest);
      messages.push(serialize.close({ type: 'S', name: statement.name }));
    }
    const name = `loupe_${++counter}`;
    messages.push(
      serialize.parse({ name, text, types: options?.paramTypes ?? [] }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    );
    const { messages: answer } = await pg.execProtocol(concat(messages), { syncToFs: false });
    const description = answer.find((m) => m.name === 'parameterDescription') as { dataTypeIDs?: number[] } | undefined;
    const statement = { name, paramTypes: description?.dataTypeIDs ?? [] };
    prepared.set(text, statement);
    return statement;
  }

  /**
   * PGlite merges a query's own parsers into a copy of all its parsers, on
   * every query (drizzle passes a few with each one): that copy was an eighth
   * of Loupe's CPU time under load. A layer over the shared parsers reads the
   * same; it is kept per parsers object, which a drizzle prepared query passes
   * with every call.
   */
  type ParserMap = Parameters<typeof parse.parseResults>[1];
  const layers = new WeakMap<object, ParserMap>();
  function parsersFor(options: QueryOptions | undefined): [ParserMap, QueryOptions | undefined] {
    if (!options?.parsers) return [pg.parsers as ParserMap, options];
    const { parsers, ...rest } = options;
    let layer = layers.get(parsers);
    if (!layer) {
      layer = Object.assign(Object.create(pg.parsers) as ParserMap, parsers);
      layers.set(parsers, layer);
    }
    return [layer, rest];
  }

  async function run<T>(
    text: string,
    params: unknown[] | undefined,
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ): Promise<Results<T>> {
    return locks._runExclusiveQuery(async () => {
      try {
        const statement = await prepare(text, options);
        const values = (params ?? []).map((value, i) => {
          if (value === null || value === undefined) return null;
          const type = statement.paramTypes[i]!;
          const serializer = options?.serializers?.[type] ?? pg.serializers[type];
          return serializer ? serializer(value) : String(value);
        });
        output.reset();
        await pg.execProtocolRawStream(
          concat([
            serialize.bind({ statement: statement.name, values }),
            serialize.describe({ type: 'P' }),
            serialize.execute({}),
            serialize.sync(),
          ]),
          { syncToFs: false, onRawData: (chunk) => output.append(chunk) },
        );
        // parseResults reads only the fields ResultMessage has.
        const messages =
          (readResultMessages(output.bytes()) as unknown as BackendMessages | undefined) ??
          readByPglite(output.bytes());
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
    await locks._checkReady();
    return locks._runExclusiveTransaction(() => run<T>(text, params, options, false));
  };
  const transaction = <T>(fn: (tx: Transaction) => Promise<T>) =>
    pg.transaction((tx) =>
      fn(
        new Proxy(tx, {
          get(target, prop, receiver) {
            if (prop === 'query') {
              return async <R>(text: string, params?: unknown[], options?: QueryOptions) => {
                if (target.closed) throw new Error('Transaction is closed');
                return run<R>(text, params, options, true);
              };
            }
            return Reflect.get(target, prop, receiver);
          },
        }),
      ),
    );

  return new Proxy(pg, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'transaction') return transaction;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
