// The reference server: a bare Bun.serve, as its own process, answering with
// canned responses (the same bytes Loupe answered) and accepting WebSockets that
// send one canned message on open and then stay idle, as Loupe's do.
//   bun bench/lib/bare-server.ts <spec.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerMemorySignal } from './memory.ts';
import { freePort, ROOT, stopProcess, waitForHttp } from './proc.ts';

export type Canned = { status: number; headers: Record<string, string>; body: string };
export type BareSpec = {
  port: number;
  /** "POST /api/lens/redeem" → the response to give. */
  routes: Record<string, Canned>;
  /** Sent once to each WebSocket when it opens (paths starting /ws/). */
  wsHello?: string;
  /** Loupe's settings: Bun.serve's idleTimeout (s) and maxPayloadLength. */
  wsIdleTimeout?: number;
  wsMaxPayload?: number;
};

if (import.meta.main) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BareSpec;
  const routes = new Map(Object.entries(spec.routes).map(([k, v]) => [k, v]));
  answerMemorySignal();
  Bun.serve({
    hostname: '127.0.0.1',
    port: spec.port,
    async fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname.startsWith('/ws/')) {
        if (server.upgrade(req, { data: undefined })) return undefined;
        return new Response('upgrade required', { status: 426 });
      }
      if (req.body) await req.arrayBuffer(); // read the request as a real handler would
      const canned = routes.get(`${req.method} ${url.pathname}`);
      if (!canned) return new Response('ok', { status: url.pathname === '/healthz' ? 200 : 404 });
      return new Response(canned.body, { status: canned.status, headers: canned.headers });
    },
    websocket: {
      open(ws) {
        if (spec.wsHello) ws.send(spec.wsHello);
      },
      message() {},
      idleTimeout: spec.wsIdleTimeout ?? 120,
      maxPayloadLength: spec.wsMaxPayload ?? 16 * 1024 * 1024,
    },
  });
}

/** `logFile` holds its stdout: the "memory" lines its SIGUSR2 handler writes (memory.ts). */
export type BareServer = { url: string; pid: number; logFile: string; stop(): Promise<void> };

/** Starts the reference server as a child process; `dir` holds its spec file. */
export async function startBare(spec: Omit<BareSpec, 'port'>, dir: string): Promise<BareServer> {
  const port = freePort();
  const specFile = join(dir, `bare-${port}.json`);
  writeFileSync(specFile, JSON.stringify({ ...spec, port }));
  const logFile = join(dir, `bare-${port}.log`);
  const proc = Bun.spawn([process.execPath, 'bench/lib/bare-server.ts', specFile], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: Bun.file(logFile),
    stderr: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopProcess(proc, 3_000);
  try {
    await waitForHttp(`${url}/healthz`, 15_000, proc);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: proc.pid, logFile, stop };
}
