// The test suite's own impairment relay. This kernel has no netem (see
// /work/shared/NOTES.md "Impaired networks in tests"), so one-way delay and
// loss are done here, in userspace, on the UDP media path: a client (the
// phone) sends to the relay's address, the relay forwards to the target (a
// Janus media port) from one upstream socket per client, and answers come
// back the same way. Each direction has its own delay queue (FIFO, so order
// is kept) and its own seeded random stream (so a seed gives the same drops
// every run). Only UDP through the relay is impaired — TCP signalling (Loupe's
// WebSocket, Janus's API) does not pass here. The rate limit is the kernel's
// (tbf, see shape.ts). The relay stops itself after maxMs or on close().
import type { udp } from 'bun';

export type Endpoint = { host: string; port: number };

export const errorOf = (args: unknown[]): string => {
  const error = args.find((a) => a instanceof Error);
  return error instanceof Error ? error.message : String(args[0]);
};

export type ImpairOptions = {
  /** Where the phone sends; port 0 picks a free one. */
  listen: Endpoint;
  /** Where datagrams are forwarded (a Janus RTP port). */
  target: Endpoint;
  /** One-way delay added in each direction (RTT grows by twice this). */
  delayMs: number;
  /** Probability in [0, 1) that a datagram is dropped, each direction. */
  loss: number;
  seed: number;
  /** The relay closes itself after this long, whatever the test does. */
  maxMs: number;
  /** Distinct clients accepted; more are ignored (bounds the socket count). */
  maxClients?: number;
};

export type DirectionStats = { received: number; forwarded: number; dropped: number };

/** What the relay does to each datagram now; changeable mid-run (impair()). */
export type Impairment = { delayMs: number; loss: number };

export type ImpairRelay = {
  readonly address: Endpoint;
  /** Socket errors seen (e.g. ICMP refusals while Janus is not yet listening): counted, not fatal. */
  readonly errors: string[];
  readonly upstream: DirectionStats;
  readonly downstream: DirectionStats;
  /** Resolves once the relay has closed (by close() or by maxMs). */
  readonly closed: Promise<void>;
  /**
   * New delay and loss from now on, both directions (a clean link turning bad
   * mid-session). Datagrams already queued keep their time, and order is kept:
   * with a shorter delay, new ones wait behind them.
   */
  impair(next: Impairment): void;
  close(): void;
};

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pending = { due: number; data: Uint8Array; send: (data: Uint8Array) => void };

/**
 * One direction of the link: drops by the seeded stream, then holds each
 * datagram for delayMs. A single timer drains the FIFO, so datagrams leave
 * in the order they came (setTimeout per packet would not promise that).
 */
function direction(now: Impairment, random: () => number, isOpen: () => boolean, onError: (e: unknown) => void) {
  const stats: DirectionStats = { received: 0, forwarded: 0, dropped: 0 };
  const queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    for (let next = queue[0]; next !== undefined && next.due <= now; next = queue[0]) {
      queue.shift();
      if (!isOpen()) return;
      // A refusal (the target's port closed: a Janus handle detached) is noted, not thrown out of the timer.
      try {
        next.send(next.data);
        stats.forwarded++;
      } catch (error) {
        onError(error);
      }
    }
    const head = queue[0];
    if (head !== undefined) timer = setTimeout(drain, Math.max(0, head.due - now));
  };
  return {
    stats,
    push(data: Uint8Array, send: (data: Uint8Array) => void) {
      stats.received++;
      if (random() < now.loss) {
        stats.dropped++;
        return;
      }
      // Copy: the socket may reuse its receive buffer.
      queue.push({ due: performance.now() + now.delayMs, data: new Uint8Array(data), send });
      if (timer === undefined) timer = setTimeout(drain, now.delayMs);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      queue.length = 0;
    },
  };
}

function checked(i: Impairment): Impairment {
  if (!(i.loss >= 0 && i.loss < 1)) throw new Error(`loss must be in [0, 1): ${i.loss}`);
  if (!(i.delayMs >= 0)) throw new Error(`delayMs must be ≥ 0: ${i.delayMs}`);
  return { delayMs: i.delayMs, loss: i.loss };
}

export async function startImpairRelay(opts: ImpairOptions): Promise<ImpairRelay> {
  // One object both directions read on each datagram: impair() changes it in place.
  const now = checked(opts);
  let open = true;
  const isOpen = () => open;
  // Two streams from one seed: each direction's drops do not depend on the other's traffic.
  const up = direction(now, seededRandom(opts.seed), isOpen, (e) => noteError(e));
  const down = direction(now, seededRandom(opts.seed ^ 0x9e3779b9), isOpen, (e) => noteError(e));
  const clients = new Map<string, Promise<udp.Socket<'uint8array'>>>();
  const maxClients = opts.maxClients ?? 8;
  let resolveClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const errors: string[] = [];
  // Bun 1.4.5 calls error(err) with the socket as `this`, not (socket, err) as
  // its types say: take whichever argument is the Error.
  const noteError = (...args: unknown[]) => {
    const error = args.find((a) => a instanceof Error);
    if (errors.length < 100) errors.push(error instanceof Error ? error.message : String(args[0]));
  };
  const front = await Bun.udpSocket({
    binaryType: 'uint8array',
    hostname: opts.listen.host,
    port: opts.listen.port,
    socket: {
      error: noteError,
      data(_socket, data, port, host) {
        if (!open) return;
        const key = `${host}:${port}`;
        let back = clients.get(key);
        if (!back) {
          if (clients.size >= maxClients) return;
          back = upstreamFor(host, port);
          clients.set(key, back);
        }
        back.then((socket) => up.push(data, (d) => socket.send(d, opts.target.port, opts.target.host)));
      },
    },
  });

  // Each client gets its own upstream socket, so the target sees one source per
  // client and its answers can be told apart.
  function upstreamFor(clientHost: string, clientPort: number) {
    return Bun.udpSocket({
      binaryType: 'uint8array',
      hostname: opts.listen.host,
      socket: {
        error: noteError,
        data(_socket, data) {
          if (!open) return;
          down.push(data, (d) => front.send(d, clientPort, clientHost));
        },
      },
    });
  }

  const close = () => {
    if (!open) return;
    open = false;
    clearTimeout(deadline);
    up.stop();
    down.stop();
    front.close();
    Promise.all([...clients.values()].map((c) => c.then((s) => s.close()))).finally(resolveClosed);
  };
  const deadline = setTimeout(close, opts.maxMs);

  return {
    address: { host: opts.listen.host, port: front.port },
    errors,
    upstream: up.stats,
    downstream: down.stats,
    closed,
    impair(next) {
      Object.assign(now, checked(next));
    },
    close,
  };
}
