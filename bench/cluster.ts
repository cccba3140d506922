// Cross-node events: what src/cluster/relay.ts adds to an event that must
// reach a socket on another node. Two "nodes" (two database clients, each
// with its own Events and relay, in this one process) on a throwaway
// PostgreSQL server: a stream of stroke-sized tool messages at 60/s (a
// technician drawing), emitted on A, timed until B's listener has it; beside
// the same payloads NOTIFYed by hand from one client and LISTENed on another
// (the floor: PostgreSQL's own round trip). Then a burst, to count how many
// NOTIFYs the relay's batching needs per event (PostgreSQL's load per event).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from './types.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { silentLogger } from '../src/log.ts';
import { CHANNEL, startRelay } from '../src/cluster/relay.ts';
import { Events, type ToolEvent } from '../src/sessions/events.ts';
import { startPostgres } from './lib/postgres.ts';
import { round, summarize } from './lib/stats.ts';

const RATE = 60;
/** A stroke message as the console streams them: a few points. */
const POINTS = Array.from({ length: 4 }, (_, i) => ({ x: 0.1 * i, y: 0.2 * i }));

const stroke = (n: number): ToolEvent => ({
  sessionId: '00000000-0000-4000-8000-000000000001',
  technicianId: '00000000-0000-4000-8000-000000000002',
  to: 'customer',
  message: {
    type: 'tool.stroke',
    sessionId: '00000000-0000-4000-8000-000000000001',
    id: 7,
    n,
    t: performance.now(),
    points: POINTS,
  },
});

async function paced(n: number, send: (i: number) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    send(i);
  }
}

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await Bun.sleep(5);
}

/** Emit on A, heard on B, through the relay. */
async function relayed(a: Database, b: Database, n: number) {
  const ea = new Events();
  const eb = new Events();
  const ra = await startRelay({ pg: a.pg!, db: a.db, events: ea, nodeId: 'bench-a', log: silentLogger });
  const rb = await startRelay({ pg: b.pg!, db: b.db, events: eb, nodeId: 'bench-b', log: silentLogger });
  const latencies: number[] = [];
  const off = eb.onTool((e) => latencies.push(performance.now() - (e.message.t as number)));
  try {
    await paced(n, (i) => ea.tool(stroke(i)));
    await waitFor(() => latencies.length >= n, 5_000);
    // The burst: how many NOTIFYs carry 2,000 events emitted as fast as a busy node can.
    let notifications = 0;
    const counter = await b.pg!.listen(CHANNEL, () => notifications++);
    const before = latencies.length;
    const burst = 2_000;
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) {
      ea.tool(stroke(i));
      if (i % 50 === 49) await Bun.sleep(0);
    }
    await waitFor(() => latencies.length >= before + burst, 10_000);
    const burstMs = performance.now() - t0;
    await counter.unlisten();
    return { stream: latencies.slice(0, n), heard: latencies.length - before, burst, burstMs, notifications };
  } finally {
    off();
    await ra.stop();
    await rb.stop();
  }
}

/** The same payloads NOTIFYed by hand, one per message: the floor. */
async function bare(a: Database, b: Database, n: number) {
  const latencies: number[] = [];
  const listening = await b.pg!.listen('bench_bare', (text) => {
    latencies.push(performance.now() - (JSON.parse(text).message.t as number));
  });
  try {
    await paced(n, (i) => void a.pg!.notify('bench_bare', JSON.stringify(stroke(i))));
    await waitFor(() => latencies.length >= n, 5_000);
    return latencies;
  } finally {
    await listening.unlisten();
  }
}

const bench: Benchmark = {
  name: 'cluster',
  async run({ quick, log }) {
    const pg = await startPostgres(mkdtempSync(join(tmpdir(), 'loupe-bench-cluster-pg-')), log);
    if (!pg) return [];
    const a = await openDatabase({ url: pg.url });
    const b = await openDatabase({ url: pg.url });
    try {
      await a.migrate();
      const n = quick ? 180 : 1_800;
      const floor = summarize(await bare(a, b, n));
      const run = await relayed(a, b, n);
      const s = summarize(run.stream);
      const perNotify = run.notifications ? run.burst / run.notifications : 0;
      const note = `${run.stream.length} of ${n} stroke-sized tool messages (${JSON.stringify(stroke(0)).length} B) at ${RATE}/s, from Events.tool on node A to node B's listener; both nodes are database clients in one process on a throwaway PostgreSQL server on the same 2 cores. Reference: the same payloads NOTIFYed by hand from one client and LISTENed on another. Burst: ${run.burst} events emitted as fast as one node can: ${run.heard} heard on B in ${round(run.burstMs, 0)} ms (${round((run.heard / run.burstMs) * 1000, 0)} events/s) in ${run.notifications} NOTIFYs (${round(perNotify, 1)} events per NOTIFY: what a tick emits goes as one).`;
      const figures: Figure[] = [
        {
          id: 'cluster.event.p50',
          label: 'Cross-node event, p50',
          value: round(s.p50),
          unit: 'ms',
          reference: { label: 'bare NOTIFY → LISTEN', value: round(floor.p50) },
          note,
        },
        {
          id: 'cluster.event.p99',
          label: 'Cross-node event, p99',
          value: round(s.p99),
          unit: 'ms',
          reference: { label: 'bare NOTIFY → LISTEN', value: round(floor.p99) },
        },
        {
          id: 'cluster.burst.events-per-notify',
          label: 'Events per NOTIFY in a burst',
          value: round(perNotify, 1),
          unit: 'events',
        },
      ];
      return figures;
    } finally {
      await a.close();
      await b.close();
      await pg.stop();
    }
  },
};

export default bench;
