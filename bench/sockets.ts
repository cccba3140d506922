// 8. Memory per idle socket: the server's RSS growth per idle console WebSocket
// (technician cookie) and per idle Lens WebSocket (customer cookie), N of each,
// beside a bare Bun.serve WebSocket server measured the same way. The clients live
// in a separate process, so only the server's memory is counted. Before each
// reading both servers run a full garbage collection (SIGUSR2, bench/lib/memory.ts):
// each Loupe upgrade runs database queries (cookie lookup, snapshot or state,
// presence) whose garbage JSC collects lazily, and the bare server does no work
// per upgrade, so without it the comparison counts garbage, not what a socket holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import type { Benchmark, Figure } from './types.ts';
import { startBare } from './lib/bare-server.ts';
import { cleanUp } from './lib/cleanup.ts';
import { collectGarbage, typeGrowth, type MemoryReport } from './lib/memory.ts';
import { prepareLoupe, startLoupe, type BenchLoupe } from './lib/loupe.ts';
import { ROOT, rssBytes, sleep, stopProcess, withTimeout } from './lib/proc.ts';
import { median, round } from './lib/stats.ts';
import type { ClientCommand, ClientReply } from './lib/ws-clients.ts';

const TARGET_BYTES = 16 * 1024;
const WARM = 20;
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
/**
 * What the remaining per-socket memory is, as profiled: JSC heap statistics before
 * and after each batch (live bytes, heap block bytes, object counts by type) and
 * /proc/<pid>/smaps (the growth is all in anonymous heap mappings).
 */
const CAUSE =
  'What remains is JS heap fragmentation, not live data: after the GC an idle Loupe socket keeps a few small objects ' +
  "(Bun's ServerWebSocket, Loupe's socket object and its id bytes; about 1 KiB live, see \"live objects\" above), and JSC's collector does not move objects: " +
  "one allocated amid the garbage of the upgrade's own work (request, cookie lookup, snapshot or state query rows) keeps a partly empty heap block resident " +
  '("heap blocks" above ≈ the RSS per socket). The bare server does no work per upgrade, so its survivors pack densely. The blocks are freed when the sockets close (RSS falls back). ' +
  'What was done about it, measured the same way (1,000 of each, full GC), console / Lens KiB per socket: 80.5 / 60.1 at first, when each socket also held 60–80 more objects ' +
  "(its own interval timer, event listener, queue and peer closures, hono's WSContext, the session row); 42.9 / 16.5 once a socket was one object with one shared sign-in timer and one change listener; " +
  "~30 / ~21 once Bun's socket events went straight to that object (src/realtime/bun-socket.ts; hono/bun's helper kept a URL and a data object per socket) and PGlite queries stopped copying its parser table; " +
  '~26 / ~13.5 once socket objects were made 64 at a time (Batch in src/realtime/socket.ts), so they share heap blocks instead of each pinning one; ' +
  "~13.5 / ~11.7 now that a socket keeps no string made during its upgrade (src/realtime/socket-ids.ts): the technician or session id and the sign-in cookie's hash are bytes " +
  "in an array made with the socket, and the open-socket indexes are keyed by numbers. The cookie string alone had cost ~8 KiB (a slice that kept the request's headers alive), " +
  'each other string ~4 KiB.';

type Clients = { send(c: ClientCommand): Promise<ClientReply>; proc: Subprocess };

async function startClients(): Promise<Clients> {
  let waiting: ((r: ClientReply) => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    waiting = () => resolve();
  });
  const proc = Bun.spawn([process.execPath, 'bench/lib/ws-clients.ts'], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'inherit',
    stderr: 'inherit',
    ipc(message: ClientReply) {
      const w = waiting;
      waiting = undefined;
      w?.(message);
    },
  });
  await withTimeout(ready, 15_000, 'WebSocket client process');
  return {
    proc,
    send: (c) =>
      new Promise<ClientReply>((resolve) => {
        waiting = resolve;
        proc.send(c);
      }),
  };
}

type Server = { pid: number; logFile: string };
type Reading = { rss: number; rssNoGc: number; heap: MemoryReport };

const medianRss = async (pid: number) => {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rssBytes(pid));
    await sleep(200);
  }
  return median(readings);
};

/**
 * After a pause: RSS as it is (median of 5 readings 200 ms apart), then a full GC
 * in the server and RSS again the same way, with the server's heap statistics.
 */
async function settled(server: Server, pauseMs: number): Promise<Reading> {
  await sleep(pauseMs);
  const rssNoGc = await medianRss(server.pid);
  const heap = await collectGarbage(server.pid, server.logFile);
  await sleep(500); // the allocator gives freed pages back in the background
  return { rss: await medianRss(server.pid), rssNoGc, heap };
}

type PerSocket = { rss: number; rssNoGc: number; heap: number; capacity: number; objects: number; types: string };
type Measured = { console: PerSocket; lens: PerSocket; detail: string; grew: number; keptAfterClose: number };

const perSocket = (from: Reading, to: Reading, n: number): PerSocket => ({
  rss: (to.rss - from.rss) / n,
  rssNoGc: (to.rssNoGc - from.rssNoGc) / n,
  heap: (to.heap.heapSize - from.heap.heapSize) / n,
  capacity: (to.heap.heapCapacity - from.heap.heapCapacity) / n,
  objects: (to.heap.objectCount - from.heap.objectCount) / n,
  types: typeGrowth(from.heap, to.heap, n),
});

async function measure(
  what: string,
  server: Server,
  base: string,
  origin: string,
  cookies: { console: string[]; lens: string[] },
  n: number,
  pauseMs: number,
  log: (l: string) => void,
): Promise<Measured> {
  const clients = await startClients();
  try {
    const wsBase = base.replace(/^http/, 'ws');
    const open = async (path: string, list: string[]) => {
      const r = await clients.send({
        cmd: 'open',
        url: `${wsBase}${path}`,
        origin,
        cookies: list,
        concurrency: 10,
        timeoutMs: 20_000,
      });
      if (r.cmd !== 'opened' || r.failed > 0) throw new Error(`${what}: ${path}: ${JSON.stringify(r)}`);
      return r;
    };
    // Warm-up sockets stay open: JIT and first-use allocations are not per socket.
    await open('/ws/console', cookies.console.slice(0, WARM));
    await open('/ws/lens', cookies.lens.slice(0, WARM));
    const r0 = await settled(server, pauseMs);
    const c = await open('/ws/console', cookies.console.slice(WARM, WARM + n));
    const r1 = await settled(server, pauseMs);
    const l = await open('/ws/lens', cookies.lens.slice(WARM, WARM + n));
    const r2 = await settled(server, pauseMs);
    const status = await clients.send({ cmd: 'status' });
    const still = status.cmd === 'status' ? status.open : -1;
    if (still !== 2 * (n + WARM))
      throw new Error(`${what}: only ${still} of ${2 * (n + WARM)} sockets still open at the end`);
    // Does the server give the memory back when the sockets go? (Tells held memory from high-water marks.)
    await clients.send({ cmd: 'close' });
    const r3 = await settled(server, pauseMs);
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const cons = perSocket(r0, r1, n),
      lens = perSocket(r1, r2, n);
    const detail =
      `RSS after GC ${mib(r0.rss)} → ${mib(r1.rss)} (+console) → ${mib(r2.rss)} MiB (+lens), ${mib(r3.rss)} MiB after closing them all ` +
      `(without the GC: ${mib(r0.rssNoGc)} → ${mib(r1.rssNoGc)} → ${mib(r2.rssNoGc)} → ${mib(r3.rssNoGc)} MiB); ` +
      `JS heap per socket after GC: live objects ${kib(cons.heap)} KiB, heap blocks ${kib(cons.capacity)} KiB (console); ${kib(lens.heap)} KiB, ${kib(lens.capacity)} KiB (lens); ` +
      `objects per socket ${cons.objects.toFixed(0)} (console: ${cons.types}), ${lens.objects.toFixed(0)} (lens: ${lens.types}); ` +
      `first message ${'firstBytes' in c ? c.firstBytes : 0} B (console), ${'firstBytes' in l ? l.firstBytes : 0} B (lens)`;
    log(`sockets: ${what}: ${detail}`);
    return { console: cons, lens, detail, grew: r2.rss - r0.rss, keptAfterClose: r3.rss - r0.rss };
  } finally {
    await clients.send({ cmd: 'close' }).catch(() => undefined);
    await stopProcess(clients.proc, 2_000);
  }
}

const bench: Benchmark = {
  name: 'sockets',
  async run({ quick, log }) {
    const n = quick ? 200 : 1_000;
    const pauseMs = quick ? 1_500 : 5_000;
    log(`sockets: seeding ${n + WARM} technicians, each signed in once with one redeemed invitation`);
    const prepared = await prepareLoupe(
      [{ name: 'bench-sockets', technicians: n + WARM, maxLive: 1, invitations: 1, redeem: 1, signIns: 1 }],
      quick ? 90_000 : 240_000,
    );
    log(`sockets: seeded in ${(prepared.seedMs / 1000).toFixed(1)} s`);
    const work = mkdtempSync(join(tmpdir(), 'loupe-bench-sockets-'));
    let loupe: BenchLoupe | undefined;
    let bare: Awaited<ReturnType<typeof startBare>> | undefined;
    try {
      const seeded = prepared.seeded['bench-sockets']!;
      const cookies = {
        console: seeded.technicianCookies.map((t) => `loupe_session=${t}`),
        lens: seeded.customerCookies.map((t) => `loupe_lens=${t}`),
      };
      loupe = await startLoupe(prepared);
      await sleep(quick ? 1_000 : 3_000); // start-up work (Janus, migrations check) settles
      const lm = await measure('Loupe', loupe, loupe.url, loupe.origin, cookies, n, pauseMs, log);
      await loupe.stop();
      loupe = undefined;

      bare = await startBare(
        { routes: {}, wsHello: '{"type":"hello"}', wsIdleTimeout: 120, wsMaxPayload: 16 * 1024 },
        work,
      );
      const bm = await measure('bare Bun.serve', bare, bare.url, new URL(bare.url).origin, cookies, n, pauseMs, log);

      const how =
        `${n} idle sockets of each kind (after ${WARM} warm-up sockets of each, left open), each counted once its first message arrived; ` +
        `clients in a separate process; server RSS (VmRSS) after a ${pauseMs / 1000} s pause and a full garbage collection in the server (SIGUSR2: Bun.gc(true), ` +
        `the same handler in the bare server), median of 5 readings. ` +
        `Console sockets: ${n} technicians signed in once each (seeded through Loupe's verbs); Lens sockets: ${n} redeemed invitations, one per technician. ` +
        `Without the GC (what the first version of this benchmark reported): console ${kib(lm.console.rssNoGc)}, Lens ${kib(lm.lens.rssNoGc)} KiB/socket (bare ${kib(bm.console.rssNoGc)} / ${kib(bm.lens.rssNoGc)}). ` +
        `Loupe: ${lm.detail}. Bare: ${bm.detail}.`;
      const kept = lm.grew > 0 ? lm.keptAfterClose / lm.grew : 0;
      const cause = ` Remaining miss: after every socket closed and a GC, Loupe kept ${Math.round(kept * 100)} % of the growth. ${CAUSE}`;
      const figure = (kind: 'console' | 'lens', label: string): Figure => {
        const value = lm[kind].rss;
        return {
          id: `sockets.${kind}`,
          label,
          value: round(value / 1024, 1),
          unit: 'KiB/socket',
          reference: { label: 'bare Bun.serve WebSocket', value: round(bm[kind].rss / 1024, 1) },
          target: '≤ 16 KB',
          met: value <= TARGET_BYTES,
          note: value <= TARGET_BYTES ? `${how} ${CAUSE}` : how + cause,
        };
      };
      return [figure('console', 'RSS per idle console WebSocket'), figure('lens', 'RSS per idle Lens WebSocket')];
    } finally {
      await cleanUp({ loupe, bare, prepared, work });
    }
  },
};
export default bench;
