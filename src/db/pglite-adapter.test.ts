import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, PGlite, protocol } from '@electric-sql/pglite';
import { PGLITE_VERIFIED_VERSION, pgliteAdapter, RawOutput, readResultMessages } from './pglite-adapter.ts';

// Backend messages by hand: code, int32 length (itself included), body.
function message(code: string, body: number[]): number[] {
  const length = body.length + 4;
  return [code.charCodeAt(0), length >>> 24, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...body];
}
const int16 = (n: number) => [(n >>> 8) & 255, n & 255];
const int32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const cstring = (s: string) => [...new TextEncoder().encode(s), 0];
const value = (s: string | null) =>
  s === null ? int32(-1) : [...int32(new TextEncoder().encode(s).length), ...new TextEncoder().encode(s)];
const column = (name: string, type: number, format = 0) => [
  ...cstring(name),
  ...int32(0),
  ...int16(0),
  ...int32(type),
  ...int16(-1),
  ...int32(-1),
  ...int16(format),
];

describe("reading PGlite's raw output", () => {
  const result = [
    ...message('2', []),
    ...message('T', [...int16(2), ...column('id', 23), ...column('naam', 25)]),
    ...message('D', [...int16(2), ...value('1'), ...value('één')]),
    ...message('D', [...int16(2), ...value('2'), ...value(null)]),
    ...message('C', cstring('SELECT 2')),
    ...message('Z', ['I'.charCodeAt(0)]),
  ];

  test('rows, columns, nulls and the command tag', () => {
    expect(readResultMessages(new Uint8Array(result))).toEqual([
      { name: 'other' },
      {
        name: 'rowDescription',
        fields: [
          { name: 'id', dataTypeID: 23 },
          { name: 'naam', dataTypeID: 25 },
        ],
      },
      { name: 'dataRow', fields: ['1', 'één'] },
      { name: 'dataRow', fields: ['2', null] },
      { name: 'commandComplete', text: 'SELECT 2' },
      { name: 'other' },
    ]);
  });

  test('steps aside for errors, notices, binary columns and truncated output', () => {
    const error = message('E', [...'SERROR'.split('').map((c) => c.charCodeAt(0)), 0, 0]);
    expect(readResultMessages(new Uint8Array([...result, ...error]))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(message('N', [0])))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(message('T', [...int16(1), ...column('blob', 17, 1)])))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(result.slice(0, result.length - 3)))).toBeUndefined();
  });

  test('output gathered chunk by chunk, the buffer kept and grown', () => {
    const out = new RawOutput();
    const bytes = new Uint8Array(200_000).map((_, i) => i & 255);
    for (let at = 0; at < bytes.length; at += 7_000) out.append(bytes.subarray(at, at + 7_000));
    expect(out.bytes()).toEqual(bytes);
    out.reset();
    out.append(new Uint8Array([1, 2, 3]));
    expect(out.bytes()).toEqual(new Uint8Array([1, 2, 3]));
  });
});

// Upgrade guard: what pglite-adapter.ts relies on in PGlite, checked against the
// installed PGlite. Each failure names what changed and what to re-verify.
const installed = (
  JSON.parse(
    readFileSync(fileURLToPath(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))), 'utf8'),
  ) as { version: string }
).version;

function verified(ok: boolean, what: string): void {
  if (ok) return;
  throw new Error(
    `PGlite ${installed}: ${what}. src/db/pglite-adapter.ts was verified against PGlite ${PGLITE_VERIFIED_VERSION}. ` +
      "Re-verify in PGlite's dist: that _runExclusiveTransaction is still the lock query(), exec() and transaction() " +
      'take, runExclusive() still the query lock taken around each exchange (also by tx.query), _checkReady() still ' +
      'the readiness check, and that execProtocolRawStream() still hands the backend messages to onRawData; ' +
      'run bench/pglite-ab.ts; then set PGLITE_VERIFIED_VERSION.',
  );
}

const codes = (bytes: Uint8Array): string[] => {
  const out: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; at += 1 + view.getInt32(at + 1)) out.push(String.fromCharCode(bytes[at]!));
  return out;
};
const { serialize } = protocol;
const roundTrip = (statement: string, values: (string | null)[]) => {
  const parts = [
    serialize.bind({ statement, values }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ];
  return new Uint8Array(parts.flatMap((p) => [...p]));
};

describe('PGlite upgrade guard (what pglite-adapter.ts relies on)', () => {
  let pg: PGlite;
  let adapter: ReturnType<typeof pgliteAdapter>;
  beforeAll(async () => {
    pg = new PGlite();
    await pg.waitReady;
    adapter = pgliteAdapter(pg);
  }, 60_000);
  afterAll(async () => {
    if (!pg.closed) await pg.close();
  });

  test('the installed PGlite is the version the adapter was verified against', () => {
    verified(installed === PGLITE_VERIFIED_VERSION, 'another version is installed');
  });

  test('the methods it calls exist, with their arity', () => {
    const methods = pg as unknown as Record<string, unknown>;
    for (const [name, arity] of [
      ['_checkReady', 0],
      ['_runExclusiveTransaction', 1],
      ['runExclusive', 1],
      ['execProtocol', 2],
      ['execProtocolRawStream', 2],
    ] as const) {
      const method = methods[name];
      verified(typeof method === 'function', `${name} is not a method any more`);
      verified((method as (...a: unknown[]) => unknown).length <= arity, `${name} takes more arguments than before`);
    }
  });

  test("outsideTransactions() is the lock PGlite's query(), exec() and transaction() take, and transaction() holds it to COMMIT", async () => {
    const order: string[] = [];
    const gate = Promise.withResolvers<void>();
    const held = adapter.outsideTransactions(() => gate.promise);
    const others = [
      pg.query('select 1').then(() => order.push('query')),
      pg.exec('select 1').then(() => order.push('exec')),
      pg.transaction(async () => void order.push('transaction')),
    ];
    await Bun.sleep(30);
    order.push('released');
    gate.resolve();
    await Promise.all([held, ...others]);
    verified(order[0] === 'released', `PGlite ran ${order[0]} while the transaction lock was held`);

    const begun = Promise.withResolvers<void>();
    const inTx = Promise.withResolvers<void>();
    const seen: string[] = [];
    const tx = pg.transaction(async (t) => {
      await t.query('select 1');
      begun.resolve();
      await inTx.promise;
      seen.push('commit');
    });
    await begun.promise;
    const outside = adapter.outsideTransactions(async () => void seen.push('outside'));
    await Bun.sleep(30);
    inTx.resolve();
    await Promise.all([tx, outside]);
    verified(seen[0] === 'commit', 'a statement outside ran between the statements of a transaction');
  });

  test("exclusive() is the query lock: PGlite's query() and tx.query() wait for it, and it is free between a transaction's statements", async () => {
    const order: string[] = [];
    const gate = Promise.withResolvers<void>();
    const held = adapter.exclusive(() => gate.promise);
    const query = pg.query('select 1').then(() => order.push('query'));
    await Bun.sleep(30);
    order.push('released');
    gate.resolve();
    await Promise.all([held, query]);
    verified(order[0] === 'released', "PGlite's query() ran while the query lock was held");

    const inside: string[] = [];
    await pg.transaction(async (tx) => {
      const txGate = Promise.withResolvers<void>();
      const txHeld = adapter.exclusive(async () => {
        inside.push('exclusive');
        await txGate.promise;
      });
      const txQuery = tx.query('select 1').then(() => inside.push('tx.query'));
      await Bun.sleep(30);
      inside.push('released');
      txGate.resolve();
      await Promise.all([txHeld, txQuery]);
    });
    verified(
      inside.join() === 'exclusive,released,tx.query',
      `inside a transaction the query lock behaved otherwise: ${inside.join()}`,
    );
  });

  test("execProtocolRawStream() hands over a round trip's backend messages, read alike by the adapter and PGlite", async () => {
    const types = await adapter.exclusive(() => adapter.prepare('guard_1', 'select $1::int as n, $2::text as t', []));
    verified(types.join() === '23,25', `a prepared statement's parameter types came back as [${types}]`);
    const chunks: Uint8Array[] = [];
    await pg.runExclusive(() =>
      pg.execProtocolRawStream(roundTrip('guard_1', ['7', 'x']), {
        syncToFs: false,
        onRawData: (chunk) => chunks.push(chunk.slice()),
      }),
    );
    const bytes = new Uint8Array(chunks.flatMap((c) => [...c]));
    verified(codes(bytes).join('') === '2TDCZ', `the raw output holds the messages ${codes(bytes).join('')}`);
    const mine = readResultMessages(bytes);
    expect(mine).toEqual([
      { name: 'other' },
      {
        name: 'rowDescription',
        fields: [
          { name: 'n', dataTypeID: 23 },
          { name: 't', dataTypeID: 25 },
        ],
      },
      { name: 'dataRow', fields: ['7', 'x'] },
      { name: 'commandComplete', text: 'SELECT 1' },
      { name: 'other' },
    ]);
    const theirs: { name: string; fields?: unknown[]; text?: string }[] = [];
    new protocol.Parser().parse(bytes.slice(), (m) => theirs.push(m as never));
    expect(theirs.map((m) => m.name)).toEqual([
      'bindComplete',
      'rowDescription',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    const read = await adapter.exclusive(() => adapter.execute('guard_1', ['7', 'x']));
    expect(parse.parseResults(read, pg.parsers)[0]!.rows).toEqual([{ n: 7, t: 'x' }]);
  });

  test("an error comes out raw as ErrorResponse, and execute() throws it as PGlite's query() does", async () => {
    await adapter.exclusive(() => adapter.prepare('guard_2', 'select 1 / $1::int as q', []));
    const chunks: Uint8Array[] = [];
    await pg.runExclusive(() =>
      pg.execProtocolRawStream(roundTrip('guard_2', ['0']), {
        syncToFs: false,
        onRawData: (chunk) => chunks.push(chunk.slice()),
      }),
    );
    const bytes = new Uint8Array(chunks.flatMap((c) => [...c]));
    // Postgres folds the constant expression at Bind: the error comes before BindComplete.
    verified(codes(bytes).join('') === 'EZ', `a failing round trip's raw output holds ${codes(bytes).join('')}`);
    expect(readResultMessages(bytes)).toBeUndefined();
    const mine = await adapter.exclusive(() => adapter.execute('guard_2', ['0'])).catch((e: unknown) => e);
    const theirs = await pg.query('select 1 / $1::int as q', [0]).catch((e: unknown) => e);
    expect(mine).toBeInstanceOf((theirs as object).constructor as new () => unknown);
    expect((mine as { code?: string }).code).toBe('22012');
    expect((mine as Error).message).toBe((theirs as Error).message);
  });

  // Last: it closes the instance.
  test('checkReady() refuses once PGlite is closed', async () => {
    await adapter.checkReady();
    await pg.close();
    const refused = await adapter.checkReady().catch((e: unknown) => e);
    verified(String(refused).includes('closed'), `checkReady() on a closed PGlite answered ${String(refused)}`);
  });
});
