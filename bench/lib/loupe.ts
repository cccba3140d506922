// Loupe for the benchmarks: a data folder seeded through Loupe's verbs, then the
// real server (`bun src/main.ts`) as a child on a loopback port. Its JSON logs go
// to a file in the data folder, not through a pipe into the benchmark's process.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { freePort, ROOT, runBun, stopProcess, waitForHttp } from './proc.ts';
import type { SeedGroup, SeedOutput, SeedResult } from './seed.ts';

export type BenchLoupe = {
  url: string;
  origin: string;
  pid: number;
  proc: Subprocess;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
  /** SIGKILL, for a server whose data folder is thrown away (e.g. one still working through a backlog). */
  kill(): Promise<void>;
};

export type Prepared = {
  dataDir: string;
  url: string;
  port: number;
  seeded: SeedResult;
  seedMs: number;
  cleanup(): void;
};

/**
 * A temp data folder, seeded (in a child process) for a server that will listen on
 * `port`; with `databaseUrl` the seed goes to that PostgreSQL database instead
 * (start the server with DATABASE_URL then).
 */
export async function prepareLoupe(groups: SeedGroup[], timeoutMs: number, databaseUrl?: string): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-'));
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const specFile = join(dataDir, 'seed-spec.json');
  const outFile = join(dataDir, 'seed-out.json');
  writeFileSync(specFile, JSON.stringify({ dataDir, publicUrl: url, groups, databaseUrl }));
  try {
    await runBun('bench/lib/seed.ts', [specFile, outFile], { timeoutMs });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const out = JSON.parse(readFileSync(outFile, 'utf8')) as SeedOutput;
  return {
    dataDir,
    url,
    port,
    seeded: out.result,
    seedMs: out.ms,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Starts Loupe on a prepared data folder; resolves once /healthz answers. */
export async function startLoupe(
  prepared: Pick<Prepared, 'dataDir' | 'url' | 'port'>,
  env: Record<string, string> = {},
): Promise<BenchLoupe> {
  const logFile = join(prepared.dataDir, 'loupe.log');
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOUPE_HOST: '127.0.0.1',
      PORT: String(prepared.port),
      LOUPE_DATA_DIR: prepared.dataDir,
      LOUPE_PUBLIC_URL: prepared.url,
      // Customers seeded as redeemed must not time out while a benchmark runs.
      LOUPE_CUSTOMER_TIMEOUT_S: '3600',
      ...env,
    },
    stdin: 'ignore',
    stdout: Bun.file(logFile),
    stderr: Bun.file(`${logFile}.err`),
  });
  const stop = async () => {
    await stopProcess(proc, 10_000);
  };
  try {
    await waitForHttp(`${prepared.url}/healthz`, 60_000, proc);
  } catch (error) {
    await stop();
    throw new Error(`Loupe did not start: ${error instanceof Error ? error.message : String(error)}\n${tail(logFile)}`);
  }
  const kill = async () => {
    proc.kill('SIGKILL');
    await proc.exited;
  };
  return {
    url: prepared.url,
    origin: new URL(prepared.url).origin,
    pid: proc.pid,
    proc,
    dataDir: prepared.dataDir,
    logFile,
    stop,
    kill,
  };
}

/** A copy of a prepared (closed) data folder, for a server on a port of its own. */
export function copyPrepared(
  prepared: Pick<Prepared, 'dataDir'>,
): Pick<Prepared, 'dataDir' | 'url' | 'port'> & { cleanup(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-copy-'));
  cpSync(join(prepared.dataDir, 'pglite'), join(dataDir, 'pglite'), { recursive: true });
  const port = freePort();
  return {
    dataDir,
    port,
    url: `http://127.0.0.1:${port}`,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 10): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
