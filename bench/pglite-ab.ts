// A/B of Loupe's PGlite client: the one Loupe uses (statements prepared once,
// results read from PGlite's raw output: src/db/pglite-adapter.ts) against
// PGlite's public query(), both over the SAME embedded PGlite in the same
// process, in alternating rounds, so a machine shared with other work slows
// both alike. Each round, for each client: the session list and the PIN redeem
// one request at a time, then each at 500 requests/s from the open-loop load
// process of bench/api.ts. Not part of bench/run.ts:
//   bun bench/pglite-ab.ts [rounds=3] [seconds per load phase=3]
import { newNodeId } from '../src/cluster/nodes.ts';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Db } from '../src/db/client.ts';
import { withPreparedStatements } from '../src/db/pglite-prepared.ts';
import * as schema from '../src/db/schema.ts';
import { systemClock } from '../src/deps.ts';
import { silentLogger } from '../src/log.ts';
import { Events } from '../src/sessions/events.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { prepareLoupe } from './lib/loupe.ts';
import { runBun } from './lib/proc.ts';
import { summarize } from './lib/stats.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const DURATION_S = Number(process.argv[3] ?? 3);
const WARMUP_S = 0.5;
const RATE = 500;
const PROBE_N = 150; // one at a time, after as many to warm up
const VARIANTS = ['internals', 'public'] as const;
type Variant = (typeof VARIANTS)[number];
type Phase = 'list 1-at-a-time' | 'redeem 1-at-a-time' | 'list 500/s' | 'redeem 500/s';

const perRound = 2 * PROBE_N + (WARMUP_S + DURATION_S) * RATE;
const technicians = Math.ceil((ROUNDS * VARIANTS.length * perRound + 10) / 100);
console.log(`seeding ${technicians * 100} invitations (${ROUNDS} rounds, ${DURATION_S} s per load phase)`);
const prepared = await prepareLoupe(
  [
    { name: 'ab-pins', technicians, maxLive: 100, invitations: 100, redeem: 0, signIns: 0 },
    { name: 'ab-list', technicians: 1, maxLive: 10, invitations: 10, redeem: 3, signIns: 1 },
  ],
  900_000,
);
const pins = prepared.seeded['ab-pins']!.pins;
const cookie = `loupe_session=${prepared.seeded['ab-list']!.technicianCookies[0]}`;
const origin = new URL(prepared.url).origin;
console.log(`seeded in ${(prepared.seedMs / 1000).toFixed(0)} s`);

const raw = new PGlite(join(prepared.dataDir, 'pglite'));
await raw.waitReady;
const config = loadConfig({
  LOUPE_PUBLIC_URL: prepared.url,
  LOUPE_DATA_DIR: prepared.dataDir,
  LOUPE_TRUST_PROXY: 'true',
  LOUPE_CUSTOMER_TIMEOUT_S: '3600',
});
const servers = Object.fromEntries(
  VARIANTS.map((variant) => {
    const client = variant === 'internals' ? withPreparedStatements(raw) : raw;
    const db = drizzle({ client, schema }) as unknown as Db;
    const app = createApp({
      db,
      clock: systemClock,
      log: silentLogger,
      config,
      events: new Events(),
      nodeId: newNodeId(),
      database: { kind: 'pglite', ping: async () => {} },
    });
    return [variant, Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => app.fetch(req) })];
  }),
) as Record<Variant, ReturnType<typeof Bun.serve>>;

let xff = 0;
const redeemInit = (): RequestInit => {
  const n = ++xff;
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin,
      'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    },
    body: JSON.stringify({ pin: pins.pop() }),
  };
};

/** Wall times, and the CPU time per request of this process (server and client), which other work on the machine disturbs less. */
async function oneAtATime(base: string, what: 'list' | 'redeem'): Promise<{ times: number[]; cpuMs: number }> {
  const times: number[] = [];
  let cpu = process.cpuUsage();
  for (let i = 0; i < 2 * PROBE_N; i++) {
    if (i === PROBE_N) cpu = process.cpuUsage();
    const started = performance.now();
    const res =
      what === 'list'
        ? await fetch(`${base}/api/sessions`, { headers: { cookie } })
        : await fetch(`${base}/api/lens/redeem`, redeemInit());
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${what} answered ${res.status}`);
    if (i >= PROBE_N) times.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  return { times, cpuMs: (used.user + used.system) / 1000 / PROBE_N };
}

async function atRate(base: string, what: 'list' | 'redeem', tag: string): Promise<number[]> {
  const n = (WARMUP_S + DURATION_S) * RATE;
  const spec: LoadSpec = {
    url: `${base}${what === 'list' ? '/api/sessions' : '/api/lens/redeem'}`,
    method: what === 'list' ? 'GET' : 'POST',
    headers: what === 'list' ? { cookie } : { 'content-type': 'application/json', origin },
    ...(what === 'redeem'
      ? { bodies: pins.splice(pins.length - n, n).map((pin) => JSON.stringify({ pin })), distinctForwardedFor: true }
      : {}),
    rate: RATE,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    timeoutMs: 10_000,
  };
  const specFile = join(prepared.dataDir, `${tag}.json`);
  const outFile = join(prepared.dataDir, `${tag}-out.json`);
  await Bun.write(specFile, JSON.stringify(spec));
  await runBun('bench/lib/load.ts', [specFile, outFile], { timeoutMs: 120_000 });
  const result = (await Bun.file(outFile).json()) as LoadResult;
  const failed = result.measured - (result.statuses['200'] ?? 0);
  // A timed-out request is in the latencies with the time it was given up after.
  if (failed) console.log(`  ${tag}: ${failed} of ${result.measured} failed: ${JSON.stringify(result.statuses)}`);
  return result.latenciesMs;
}

type Seen = { p50: number; p99: number; cpuMs?: number };
const seen = Object.fromEntries(VARIANTS.map((v) => [v, {}])) as Record<Variant, Record<Phase, Seen[]>>;
const record = (variant: Variant, phase: Phase, measured: number[] | { times: number[]; cpuMs: number }) => {
  const { times, cpuMs } = Array.isArray(measured) ? { times: measured, cpuMs: undefined } : measured;
  const s = summarize(times);
  const rounds = seen[variant][phase] ?? [];
  seen[variant][phase] = rounds;
  rounds.push({ p50: s.p50, p99: s.p99, cpuMs });
  const cpu = cpuMs === undefined ? '' : `  CPU ${cpuMs.toFixed(2)} ms/request`;
  console.log(
    `  ${variant.padEnd(9)} ${phase.padEnd(18)} p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms${cpu}`,
  );
};

try {
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`round ${round + 1}`);
    // Alternate which client goes first, so neither always runs on a warmer (or busier) machine.
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const base = `http://127.0.0.1:${servers[variant].port}`;
      Bun.gc(true);
      record(variant, 'list 1-at-a-time', await oneAtATime(base, 'list'));
      record(variant, 'redeem 1-at-a-time', await oneAtATime(base, 'redeem'));
      Bun.gc(true);
      record(variant, 'list 500/s', await atRate(base, 'list', `${variant}-${round}-list`));
      Bun.gc(true);
      record(variant, 'redeem 500/s', await atRate(base, 'redeem', `${variant}-${round}-redeem`));
    }
  }
  console.log('\nmedian over rounds (p50 / p99 [/ CPU per request], ms)');
  const med = (xs: number[]) => summarize(xs).p50;
  for (const phase of Object.keys(seen.internals) as Phase[]) {
    const cells = VARIANTS.map((v) => {
      const rounds = seen[v][phase];
      const cpu = rounds[0]!.cpuMs === undefined ? '' : ` / ${med(rounds.map((r) => r.cpuMs!)).toFixed(2)}`;
      return `${v} ${med(rounds.map((r) => r.p50)).toFixed(2)} / ${med(rounds.map((r) => r.p99)).toFixed(2)}${cpu}`;
    });
    console.log(`  ${phase.padEnd(18)} ${cells.join('   ')}`);
  }
} finally {
  for (const server of Object.values(servers)) server.stop(true);
  await raw.close();
  prepared.cleanup();
}
