// Where the cost of PGlite's public query() goes, on one in-memory PGlite, in
// alternating rounds (a companion of bench/pglite-ab.ts, not part of bench/run.ts):
//   internals  Loupe's client (pglite-prepared.ts over pglite-adapter.ts)
//   prepared   a statement prepared once, but results read by PGlite's own reader (public execProtocol())
//   public     PGlite's query(): parsed and planned anew each time, PGlite's reader
// The statement is shaped like the session list: ten rows of fourteen columns
// with a lateral join.   bun bench/pglite-ab-queries.ts [rounds=8] [queries per round=400]
import { parse, PGlite, protocol } from '@electric-sql/pglite';
import { pgliteAdapter } from '../src/db/pglite-adapter.ts';
import { withPreparedStatements } from '../src/db/pglite-prepared.ts';
import { summarize } from './lib/stats.ts';

const ROUNDS = Number(process.argv[2] ?? 8);
const N = Number(process.argv[3] ?? 400);

const raw = new PGlite();
await raw.waitReady;
await raw.exec(`
  create table s (id uuid primary key default gen_random_uuid(), owner int not null, name text not null,
    state text not null, pin text, phone text, language text, created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(), expires_at timestamptz, opened boolean not null default false, n int);
  create table m (id serial primary key, s uuid not null references s(id), status text not null, at timestamptz not null default now());
  insert into s (owner, name, state, pin, phone, language, expires_at, n)
    select 1, 'Router at Jansen ' || i, 'invited', lpad(i::text, 6, '0'), '+3161234567' || i, 'nl', now() + interval '20 minutes', i
    from generate_series(1, 10) i;
  insert into m (s, status) select id, 'sent' from s;
  insert into m (s, status) select id, 'delivered' from s;`);
const TEXT = `select s.id, s.owner, s.name, s.state, s.pin, s.phone, s.language, s.created_at, s.updated_at,
  s.expires_at, s.opened, s.n, last.status, last.at
  from s left join lateral (select status, at from m where m.s = s.id order by at desc, id desc limit 1) last on true
  where s.owner = $1 and s.state = any($2) order by s.created_at desc, s.id limit $3`;
const PARAMS = [1, ['invited', 'waiting', 'live'], 100];

const internals = withPreparedStatements(raw);
const adapter = pgliteAdapter(raw);
const { serialize } = protocol;
const types = await raw.runExclusive(() => adapter.prepare('ab_prepared', TEXT, []));
const values = PARAMS.map((v, i) => raw.serializers[types[i]!]!(v));
const bindExecute = new Uint8Array(
  [
    serialize.bind({ statement: 'ab_prepared', values }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ].flatMap((m) => [...m]),
);

const variants = {
  internals: () => internals.query(TEXT, PARAMS),
  prepared: () =>
    raw.runExclusive(async () => {
      const { messages } = await raw.execProtocol(bindExecute, { syncToFs: false });
      return parse.parseResults(messages, raw.parsers)[0]!;
    }),
  public: () => raw.query(TEXT, PARAMS),
};
type Variant = keyof typeof variants;
const names = Object.keys(variants) as Variant[];
const expected = JSON.stringify((await raw.query(TEXT, PARAMS)).rows);
for (const v of names) {
  const rows = JSON.stringify((await variants[v]()).rows);
  if (rows !== expected) throw new Error(`${v} answers otherwise`);
}

const seen = Object.fromEntries(names.map((v) => [v, [] as { p50: number; p99: number; max: number; cpu: number }[]]));
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]!);
  for (const v of order) {
    Bun.gc(true);
    for (let i = 0; i < 50; i++) await variants[v]();
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      await variants[v]();
      times.push(performance.now() - started);
    }
    const used = process.cpuUsage(cpu);
    const s = summarize(times);
    seen[v]!.push({ p50: s.p50, p99: s.p99, max: s.max, cpu: (used.user + used.system) / 1000 / N });
  }
}
const med = (xs: number[]) => summarize(xs).p50;
console.log(`${ROUNDS} rounds of ${N} queries each; median over rounds (ms per query)`);
for (const v of names) {
  const r = seen[v]!;
  console.log(
    `  ${v.padEnd(9)} p50 ${med(r.map((x) => x.p50)).toFixed(3)}  p99 ${med(r.map((x) => x.p99)).toFixed(3)}  max ${med(r.map((x) => x.max)).toFixed(2)}  CPU ${med(r.map((x) => x.cpu)).toFixed(3)}`,
  );
}
await raw.close();
