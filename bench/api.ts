// 7. API latency at a fixed 500 requests/s: PIN redeem and the technician's session
// list, from a separate open-loop load process on loopback, beside a bare Bun.serve
// answering with the same bytes at the same rate from the same load process.
// Loupe runs on embedded PGlite (the default), then, where PostgreSQL is installed
// (scripts/postgres-tmp.sh, as the tests use it), once more on a throwaway
// PostgreSQL server through DATABASE_URL: the production option for load.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from './types.ts';
import { startPostgres } from './lib/postgres.ts';
import { startBare, type Canned } from './lib/bare-server.ts';
import { cleanUp } from './lib/cleanup.ts';
import { capture } from './lib/http.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { copyPrepared, prepareLoupe, startLoupe, type BenchLoupe } from './lib/loupe.ts';
import { runBun } from './lib/proc.ts';
import { REDEEM_ALL_ADDRESSES } from '../src/sessions/customer.ts';
import { round, summarize } from './lib/stats.ts';

const RATE = 500;
const TARGET_P99_MS = 20;
const REQUEST_TIMEOUT_MS = 10_000;
const PER_TECHNICIAN = 100; // the console's highest live-session limit for a group

type Endpoint = { id: 'redeem' | 'list'; label: string; method: 'GET' | 'POST'; path: string };
const REDEEM: Endpoint = {
  id: 'redeem',
  label: 'PIN redeem (POST /api/lens/redeem)',
  method: 'POST',
  path: '/api/lens/redeem',
};
const LIST: Endpoint = { id: 'list', label: 'Session list (GET /api/sessions)', method: 'GET', path: '/api/sessions' };

type Id = Endpoint['id'];

// What each request costs, as profiled in-process (every PGlite query counted and
// timed; EXPLAIN ANALYZE for planning against execution).
const QUERIES: Record<Id, string> = {
  list: 'A session list runs 2 queries: the cookie lookup (auth session ⋈ technician ⋈ group) and the sessions with their latest SMS (one lateral join). It ran 4 before: the auth middleware ran twice (Hono matches /api/sessions with both /api/sessions and /api/sessions/*) and the latest SMS was a query of its own.',
  redeem:
    "A redeem is one statement (src/sessions/customer.ts): it locks the attempt counters of its keys (per address, all addresses), refuses if one is at its limit, claims the invitation (returning the technician's name and the EULA), writes the audit row, and counts the attempt only if it failed. It ran 5 statements plus BEGIN/COMMIT in the previous version (count both keys, claim, audit, release both keys; one request at a time 2.0 ms on PGlite, p99 at 500/s 182 ms) and 10 before that.",
};
const CAUSE_PGLITE =
  "On embedded PGlite every statement runs on Loupe's one thread. Three things keep that short. Each SQL text is prepared in PGlite once (src/db/pglite-prepared.ts; PGlite's own query() parses and plans every time, ~0.24 ms against ~0.04 ms for a two-table lookup). Drizzle builds the SQL of the cookie lookup, the list and the redeem once, with placeholders (src/db/prepared.ts); building it anew was ~40 % of a list request. Results are read straight from PGlite's raw output (src/db/pglite-wire.ts): PGlite's own reader made ~50 ArrayBuffers for a ten-row list, and freeing them paused Loupe 20–30 ms every few hundred requests (list p99 24 ms at 1.3 ms per request before this reader).";
const CAUSE_POSTGRES =
  "On PostgreSQL (DATABASE_URL, a pool of 10; postgres-js prepares statements, so plans are cached) the queries run in other processes, off Loupe's event loop, but on the same 2 cores as Loupe and the load generator. Drizzle builds the SQL of the hot queries once (src/db/prepared.ts): one request at a time took 2.7–3.2 ms before on this machine.";
type Ctx = {
  quick: boolean;
  log: (l: string) => void;
  work: string;
  durationS: number;
  warmupS: number;
  perRun: number;
  probeN: number;
  technicians: number;
};
/** One way to run Loupe: on embedded PGlite (the default) or on PostgreSQL (DATABASE_URL). */
type Backend = { id: 'pglite' | 'postgres'; databaseUrl?: string };
type LoupeRun = {
  serviceMs: Record<Id, number>;
  results: Record<Id, LoadResult>;
  canned: Record<string, Canned>;
  cookie: string;
  redeemBodies: string[];
};

const headersFor = (e: Endpoint, origin: string, cookie: string): Record<string, string> =>
  e.method === 'POST' ? { 'content-type': 'application/json', origin } : { cookie };

/** Runs the load process against `base` and returns its result. */
async function load(
  ctx: Ctx,
  base: string,
  origin: string,
  e: Endpoint,
  cookie: string,
  redeemBodies: string[],
  tag: string,
): Promise<LoadResult> {
  const spec: LoadSpec = {
    url: `${base}${e.path}`,
    method: e.method,
    headers: headersFor(e, origin, cookie),
    ...(e.id === 'redeem' ? { bodies: redeemBodies, distinctForwardedFor: true } : {}),
    rate: RATE,
    warmupS: ctx.warmupS,
    durationS: ctx.durationS,
    timeoutMs: REQUEST_TIMEOUT_MS,
  };
  const specFile = join(ctx.work, `${tag}-${e.id}.json`);
  const outFile = join(ctx.work, `${tag}-${e.id}-out.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  await runBun('bench/lib/load.ts', [specFile, outFile], {
    timeoutMs: (ctx.warmupS + ctx.durationS) * 1000 + REQUEST_TIMEOUT_MS + 30_000,
  });
  const result = JSON.parse(readFileSync(outFile, 'utf8')) as LoadResult;
  const s = summarize(result.latenciesMs);
  ctx.log(
    `api: ${tag} ${e.id}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, statuses ${JSON.stringify(result.statuses)}`,
  );
  return result;
}

/** Seeds, then measures both endpoints one request at a time and at RATE, each on a fresh server. */
async function measureLoupe(ctx: Ctx, backend: Backend): Promise<LoupeRun> {
  const { log, probeN, perRun } = ctx;
  log(`api: ${backend.id}: seeding ${ctx.technicians * PER_TECHNICIAN} invitations through Loupe's verbs`);
  const prepared = await prepareLoupe(
    [
      {
        name: 'bench-pins',
        technicians: ctx.technicians,
        maxLive: PER_TECHNICIAN,
        invitations: PER_TECHNICIAN,
        redeem: 0,
        signIns: 0,
      },
      // A technician's list as the console sees it: a few invitations, some opened.
      { name: 'bench-list', technicians: 1, maxLive: 10, invitations: 10, redeem: 3, signIns: 1 },
    ],
    ctx.quick ? 90_000 : 240_000,
    backend.databaseUrl,
  );
  log(`api: ${backend.id}: seeded in ${(prepared.seedMs / 1000).toFixed(1)} s`);
  let loupe: BenchLoupe | undefined;
  try {
    const pins = prepared.seeded['bench-pins']!.pins;
    const cookie = `loupe_session=${prepared.seeded['bench-list']!.technicianCookies[0]}`;
    const sample = pins.pop()!;
    // Twice: the first half warms the fresh server (its first requests run code not yet compiled), the second is measured.
    const probePins = pins.splice(pins.length - 2 * probeN, 2 * probeN);
    const redeemBodies = pins.slice(0, perRun).map((pin) => JSON.stringify({ pin }));
    // Behind a reverse proxy each customer has their own address; the per-address
    // limit (10 failures / 15 min, released on success) would otherwise count every
    // in-flight redeem from 127.0.0.1 against one key.
    const env: Record<string, string> = {
      LOUPE_TRUST_PROXY: 'true',
      ...(backend.databaseUrl ? { DATABASE_URL: backend.databaseUrl } : {}),
    };
    // A fresh server for each phase, killed afterwards: a server still working through
    // one backlog must not slow the next. On PGlite each gets its own copy of the
    // seeded data folder; on PostgreSQL they share the database (the phases use
    // disjoint PINs and the list only reads).
    const fresh = async (): Promise<{ server: BenchLoupe; done(): Promise<void> }> => {
      const copy = backend.databaseUrl ? undefined : copyPrepared(prepared);
      const server = await startLoupe(copy ?? prepared, env);
      loupe = server;
      return {
        server,
        done: async () => {
          await server.kill();
          loupe = undefined;
          copy?.cleanup();
        },
      };
    };

    // One of each, to check they work and to give the reference server the same bytes;
    // then each one at a time (no queueing): the median is Loupe's service time.
    const canned: Record<string, Canned> = {};
    const serviceMs = {} as Record<Id, number>;
    {
      const { server, done } = await fresh();
      const r = await fetch(`${server.url}${REDEEM.path}`, {
        method: 'POST',
        headers: { ...headersFor(REDEEM, server.origin, cookie), 'x-forwarded-for': '10.255.255.255' },
        body: JSON.stringify({ pin: sample }),
      });
      canned[`POST ${REDEEM.path}`] = await capture(r);
      if (r.status !== 200)
        throw new Error(`sample redeem answered ${r.status}: ${canned[`POST ${REDEEM.path}`]!.body}`);
      const l = await fetch(`${server.url}${LIST.path}`, { headers: headersFor(LIST, server.origin, cookie) });
      canned[`GET ${LIST.path}`] = await capture(l);
      if (l.status !== 200) throw new Error(`sample session list answered ${l.status}`);
      for (const e of [REDEEM, LIST]) {
        const times: number[] = [];
        for (let i = 0; i < 2 * probeN; i++) {
          const started = performance.now();
          const res = await fetch(
            `${server.url}${e.path}`,
            e.id === 'redeem'
              ? {
                  method: 'POST',
                  headers: {
                    ...headersFor(e, server.origin, cookie),
                    'x-forwarded-for': `10.254.${i >> 8}.${i & 255}`,
                  },
                  body: JSON.stringify({ pin: probePins[i] }),
                }
              : { headers: headersFor(e, server.origin, cookie) },
          );
          await res.arrayBuffer();
          if (i >= probeN) times.push(performance.now() - started);
          if (res.status !== 200) throw new Error(`${e.id} probe answered ${res.status}`);
        }
        serviceMs[e.id] = summarize(times).p50;
        log(
          `api: ${backend.id}: ${e.id} one at a time: median ${serviceMs[e.id].toFixed(2)} ms, at most ~${Math.round(1000 / serviceMs[e.id])}/s`,
        );
      }
      await done();
    }

    const results = {} as Record<Id, LoadResult>;
    for (const e of [REDEEM, LIST]) {
      const { server, done } = await fresh();
      await Bun.sleep(1_000);
      results[e.id] = await load(ctx, server.url, server.origin, e, cookie, redeemBodies, `loupe-${backend.id}`);
      await done();
    }
    return { serviceMs, results, canned, cookie, redeemBodies };
  } finally {
    await cleanUp({ loupe, prepared });
  }
}

const bench: Benchmark = {
  name: 'api',
  async run({ quick, log }) {
    const durationS = quick ? 2 : 15;
    const warmupS = quick ? 0.5 : 2;
    const perRun = Math.round((warmupS + durationS) * RATE);
    const probeN = quick ? 50 : 200;
    const technicians = Math.ceil((perRun + 2 * probeN + 1) / PER_TECHNICIAN);
    const work = mkdtempSync(join(tmpdir(), 'loupe-bench-api-'));
    const ctx: Ctx = { quick, log, work, durationS, warmupS, perRun, probeN, technicians };
    let bare: Awaited<ReturnType<typeof startBare>> | undefined;
    let postgres: Awaited<ReturnType<typeof startPostgres>>;
    try {
      const runs: [Backend['id'], LoupeRun][] = [['pglite', await measureLoupe(ctx, { id: 'pglite' })]];
      postgres = await startPostgres(mkdtempSync(join(tmpdir(), 'loupe-bench-pg-')), log);
      if (postgres) runs.push(['postgres', await measureLoupe(ctx, { id: 'postgres', databaseUrl: postgres.url })]);
      await postgres?.stop();
      postgres = undefined;

      // The reference answers with the bytes Loupe on PGlite gave.
      const canned = runs[0]![1].canned;
      bare = await startBare({ routes: canned }, work);
      const bareResults = {} as Record<Id, LoadResult>;
      const first = runs[0]![1];
      for (const e of [REDEEM, LIST])
        bareResults[e.id] = await load(
          ctx,
          bare.url,
          new URL(bare.url).origin,
          e,
          first.cookie,
          first.redeemBodies,
          'bare',
        );
      await bare.stop();
      bare = undefined;

      const figures: Figure[] = [];
      for (const [backend, run] of runs)
        for (const e of [REDEEM, LIST]) {
          const { serviceMs } = run;
          const lr = run.results[e.id],
            br = bareResults[e.id];
          const ls = summarize(lr.latenciesMs),
            bs = summarize(br.latenciesMs);
          const ok = lr.statuses['200'] ?? 0;
          const bad = lr.measured - ok;
          const statusText = Object.entries(lr.statuses)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ');
          const common =
            `${lr.measured} requests at ${RATE}/s over ${durationS} s after ${warmupS} s warm-up (open loop, latency from the scheduled send time); Loupe statuses ${statusText}` +
            `${bad ? ` — ${bad} not 200` : ''}; load generator's worst send lag ${lr.maxSendLagMs.toFixed(1)} ms.`;
          const how =
            e.id === 'redeem'
              ? ` Each request redeems its own invitation (${technicians * PER_TECHNICIAN} seeded through Loupe's verbs, 100 per technician) from its own X-Forwarded-For address, with LOUPE_TRUST_PROXY=true as behind a reverse proxy, so the per-address limit sees many customers, as in production.`
              : ` One technician's cookie; list of 10 sessions (${run.canned[`GET ${LIST.path}`]!.body.length} bytes).`;
          const capacity = 1000 / serviceMs[e.id];
          const timedOut = Object.entries(lr.statuses)
            .filter(([k]) => k.startsWith('error'))
            .reduce((n, [, v]) => n + v, 0);
          const cause =
            ` Cause: one request at a time takes ${serviceMs[e.id].toFixed(1)} ms (median of ${probeN} sequential requests after ${probeN} to warm up), so this Loupe serves at most ~${Math.round(capacity)}/s${capacity < RATE ? `, below the offered ${RATE}/s: the queue grows for the whole run and latency is queueing` : ''}.` +
            ` ${backend === 'pglite' ? CAUSE_PGLITE : CAUSE_POSTGRES} ${QUERIES[e.id]}` +
            `${lr.statuses['429'] ? ` The ${lr.statuses['429']} 429s are the all-addresses PIN limit (${REDEEM_ALL_ADDRESSES.max} per ${REDEEM_ALL_ADDRESSES.windowMs / 60_000} min): only failed attempts are counted, and past ${REDEEM_ALL_ADDRESSES.max} of them typed PINs are locked for everyone until the window ends — by design against guessing.` : ''}` +
            `${timedOut ? ` ${timedOut} requests were still unanswered after ${REQUEST_TIMEOUT_MS / 1000} s and were abandoned: their latency is counted as the time until then, so these percentiles are lower bounds.` : ''}`;
          for (const p of ['p50', 'p99'] as const) {
            const met = p === 'p99' ? ls.p99 <= TARGET_P99_MS && bad === 0 : undefined;
            figures.push({
              id: backend === 'pglite' ? `api.${e.id}.${p}` : `api.${backend}.${e.id}.${p}`,
              label: `${e.label}, ${p} at ${RATE}/s${backend === 'pglite' ? '' : ', on PostgreSQL'}`,
              value: round(ls[p], 2),
              unit: 'ms',
              reference: { label: 'bare Bun.serve, same bytes', value: round(bs[p], 2) },
              ...(p === 'p99' ? { target: `≤ ${TARGET_P99_MS} ms`, met } : {}),
              note:
                p === 'p99'
                  ? common +
                    how +
                    (ls.p99 > TARGET_P99_MS || bad
                      ? cause
                      : ` One request at a time: ${serviceMs[e.id].toFixed(1)} ms (median). ${QUERIES[e.id]}`)
                  : `max ${ls.max.toFixed(1)} ms (bare ${bs.max.toFixed(1)} ms).`,
            });
          }
        }
      return figures;
    } finally {
      await postgres?.stop();
      await cleanUp({ bare, work });
    }
  },
};
export default bench;
