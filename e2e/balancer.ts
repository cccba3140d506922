// A load balancer of the test's own, in front of several Loupe nodes on
// loopback, as HAProxy in docker-compose.scale.yml is: plain TCP, no sticky
// sessions, no knowledge of HTTP. Each new connection goes to the node the
// test points it at (`to`), or to the next that accepts when that one is
// down, as a balancer's health check would: a node killed mid-session has
// its pages' sockets reconnect through the node that is left.
import type { Socket, TCPSocketListener } from 'bun';

export type Balancer = {
  /** The one address pages use (every node's LOUPE_PUBLIC_URL). */
  url: string;
  port: number;
  /** The node new connections go to first (an index into the backends' ports). */
  to: number;
  /** The backends, in order: a node started anew on another port replaces its entry. */
  backends: Backend[];
  stop(): void;
};

/** One side of a proxied connection: its peer, what waits for the peer to connect, what waits for this side to drain. */
type Pair = { peer?: Socket<Pair>; pending: Uint8Array[]; unsent: Uint8Array[]; closed: boolean };
const fresh = (peer?: Socket<Pair>): Pair => ({ peer, pending: [], unsent: [], closed: false });

/** Writes all of `data` to `to`, keeping what its buffer did not take for its drain. */
function write(to: Socket<Pair>, data: Uint8Array): void {
  if (to.data.unsent.length) return void to.data.unsent.push(new Uint8Array(data));
  const n = to.write(data);
  if (n < data.length) to.data.unsent.push(data.slice(n));
}

function drain(s: Socket<Pair>): void {
  while (s.data.unsent.length) {
    const next = s.data.unsent[0]!;
    const n = s.write(next);
    if (n < next.length) {
      s.data.unsent[0] = next.slice(n);
      return;
    }
    s.data.unsent.shift();
  }
}

/** A node's port on loopback, or its address and port on a host of e2e/media/hosts.ts. */
export type Backend = number | { hostname: string; port: number };

/** `hostname`: where the balancer listens (and pages reach it). */
export function startBalancer(port: number, backends: Backend[], hostname = '127.0.0.1'): Balancer {
  const balancer = { to: 0 };
  const forward = (from: Socket<Pair>, data: Uint8Array) => {
    const peer = from.data.peer;
    if (peer) write(peer, data);
    else from.data.pending.push(new Uint8Array(data));
  };
  const close = (s: Socket<Pair>) => {
    s.data.closed = true;
    s.data.peer?.end();
  };

  /** Connects `client` to the first backend that accepts, starting at `balancer.to`. */
  const connect = async (client: Socket<Pair>) => {
    for (let i = 0; i < backends.length; i++) {
      const target = backends[(balancer.to + i) % backends.length]!;
      try {
        const upstream = await Bun.connect<Pair>({
          ...(typeof target === 'number' ? { hostname: '127.0.0.1', port: target } : target),
          data: fresh(client),
          socket: { data: forward, drain, close, error: close },
        });
        if (client.data.closed) return void upstream.end();
        client.data.peer = upstream;
        for (const chunk of client.data.pending.splice(0)) write(upstream, chunk);
        return;
      } catch {
        // That node is down: the next one.
      }
    }
    client.end();
  };

  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname,
    port,
    data: fresh(),
    socket: {
      open(client) {
        client.data = fresh();
        void connect(client);
      },
      data: forward,
      drain,
      close,
      error: close,
    },
  });
  return {
    url: `http://${hostname}:${listener.port}`,
    port: listener.port,
    get to() {
      return balancer.to;
    },
    set to(index: number) {
      balancer.to = index;
    },
    backends,
    stop: () => listener.stop(true),
  };
}
