// Starts the real server (`bun src/main.ts`) as a child process for e2e tests,
// on a loopback port with its own data folder, and reads its JSON logs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

const ROOT = new URL('..', import.meta.url).pathname;

export type LoupeProcess = {
  url: string;
  dataDir: string;
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  logs: Record<string, unknown>[];
  output: () => string;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number>;
};

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export async function startLoupe(
  env: Record<string, string> = {},
  opts: { dataDir?: string; scheme?: string; host?: { address: string; exec: string[] } } = {},
): Promise<LoupeProcess> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'loupe-e2e-'));
  // On a host of e2e/media/hosts.ts: its address, and the command run there.
  const address = opts.host?.address ?? '127.0.0.1';
  const url = `${opts.scheme ?? 'http'}://${address}:${port}`;
  const proc = Bun.spawn([...(opts.host?.exec ?? []), process.execPath, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOUPE_HOST: address,
      PORT: String(port),
      LOUPE_DATA_DIR: dataDir,
      LOUPE_PUBLIC_URL: url,
      ...env,
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const waiters: (() => void)[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of stream) {
      const s = decoder.decode(chunk, { stream: true });
      text += s;
      buffered += s;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{'))
          try {
            logs.push(JSON.parse(line));
          } catch {
            /* not a log line */
          }
      }
      for (const w of waiters.splice(0)) w();
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);

  const waitForLog: LoupeProcess['waitForLog'] = async (match, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.find(match);
      if (found) return found;
      if (proc.exitCode !== null) throw new Error(`Loupe exited (${proc.exitCode}):\n${text}`);
      if (Date.now() > deadline) throw new Error(`log line not seen within ${timeoutMs} ms:\n${text}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };

  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    return proc.exited;
  };
  return { url, dataDir, proc, logs, output: () => text, waitForLog, stop };
}

export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
