// Open-loop load generator, run as its own process:
//   bun bench/lib/load.ts <spec.json> <result.json>
// Sends requests on a fixed schedule (rate per second) whatever the server does,
// and measures each latency from the request's *scheduled* time, so a slow server
// cannot slow the load down and hide its own queueing (coordinated omission).
import { readFileSync, writeFileSync } from 'node:fs';

export type LoadSpec = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** One body per request (warm-up first), e.g. a distinct PIN each; or `body` for all. */
  bodies?: string[];
  body?: string;
  /** Give request i the X-Forwarded-For address 10.a.b.c made from i (only for a server told to trust it). */
  distinctForwardedFor?: boolean;
  rate: number;
  warmupS: number;
  durationS: number;
  /** Per request; a request still open then counts as an error. */
  timeoutMs: number;
};

export type LoadResult = {
  /** Latencies (ms, from the scheduled send time to the last body byte) of measured requests, in schedule order. */
  latenciesMs: number[];
  /** Status codes of measured requests ("200": n); transport errors under "error: <name>". */
  statuses: Record<string, number>;
  sent: number;
  measured: number;
  /** Latest a request left after its scheduled time (ms): the generator's own lag. */
  maxSendLagMs: number;
  /** Measured requests divided by the measured schedule's length. */
  achievedRate: number;
  wallS: number;
};

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const interval = 1000 / spec.rate;
  const warmup = Math.round(spec.warmupS * spec.rate);
  const total = warmup + Math.round(spec.durationS * spec.rate);
  if (spec.bodies && spec.bodies.length < total)
    throw new Error(`${total} requests need ${total} bodies, got ${spec.bodies.length}`);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let maxLag = 0;
  const inflight = new Set<Promise<void>>();

  const fire = (i: number, scheduled: number) => {
    maxLag = Math.max(maxLag, performance.now() - scheduled);
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.distinctForwardedFor) headers['x-forwarded-for'] = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const measuredOne = i >= warmup;
    const p = (async () => {
      let key: string;
      try {
        const res = await fetch(spec.url, {
          method: spec.method,
          headers,
          body: spec.bodies?.[i] ?? spec.body,
          signal: AbortSignal.timeout(spec.timeoutMs),
        });
        await res.arrayBuffer();
        key = String(res.status);
      } catch (error) {
        key = `error: ${error instanceof Error ? error.name : 'unknown'}`;
      }
      if (measuredOne) {
        latencies[i - warmup] = performance.now() - scheduled;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    })();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  const start = performance.now() + 20;
  const wallStart = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      fire(i, start + i * interval);
      i++;
    }
    if (i < total) await Bun.sleep(Math.max(1, start + i * interval - performance.now()));
  }
  await Promise.all([...inflight]);
  const measured = total - warmup;
  return {
    latenciesMs: latencies.filter((x) => x !== undefined),
    statuses,
    sent: total,
    measured,
    maxSendLagMs: maxLag,
    achievedRate: measured / spec.durationS,
    wallS: (performance.now() - wallStart) / 1000,
  };
}

if (import.meta.main) {
  const [specFile, outFile] = process.argv.slice(2);
  if (!specFile || !outFile) throw new Error('usage: bun bench/lib/load.ts <spec.json> <result.json>');
  const result = await runLoad(JSON.parse(readFileSync(specFile, 'utf8')) as LoadSpec);
  writeFileSync(outFile, JSON.stringify(result));
  process.exit(0);
}
