// Processes: RSS from /proc, free ports, children that are always stopped, deadlines.
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import type { Subprocess } from 'bun';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Resident set size of a process in bytes (VmRSS in /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc: Subprocess, graceMs = 5_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const done = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    proc.kill('SIGKILL');
    await proc.exited;
  }
}

/**
 * Runs `bun <script> <args>` to completion within `timeoutMs` (killed past it) and
 * returns its stdout; throws with its stderr on a non-zero exit.
 */
export async function runBun(
  script: string,
  args: string[],
  opts: { timeoutMs: number; env?: Record<string, string> },
): Promise<string> {
  const proc = Bun.spawn([process.execPath, script, ...args], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...opts.env },
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (code !== 0) {
    const why = proc.signalCode === 'SIGKILL' ? `killed after ${Math.round(opts.timeoutMs / 1000)} s` : `exit ${code}`;
    throw new Error(`${script} ${why}: ${err.trim().split('\n').slice(-8).join('\n')}`);
  }
  return out;
}

/** Waits until `url` answers at all (any status), polling. */
export async function waitForHttp(url: string, timeoutMs: number, proc?: Subprocess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      /* not yet */
    }
    if (proc && proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}) before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** CPU model, cores, memory, Bun version: printed with every result. */
export function machineInfo(): { cpu: string; cores: number; memoryGiB: number; bun: string; os: string } {
  let cpu = 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    /* not Linux */
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    bun: Bun.version,
    os: `${type()} ${release()}`,
  };
}
