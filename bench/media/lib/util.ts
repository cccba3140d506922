// Small shared helpers of the media benchmarks: percentiles, a deadline, and
// CPU and memory of a process from /proc.
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Rejects when `ms` pass first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The one process whose command line contains `needle` (e.g. Loupe's Janus: its config folder). */
export function findPid(needle: string): number {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(needle) && !cmd.includes('pgrep')) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  if (found.length !== 1) throw new Error(`expected one process matching ${needle}, found ${found.length}`);
  return found[0]!;
}

/** CPU use of a process over an interval, in % of one core. */
export class CpuMeter {
  private t0 = performance.now();
  private c0: number;
  constructor(private readonly pid: number) {
    this.c0 = cpuSeconds(pid);
  }
  percent(): number {
    const c = cpuSeconds(this.pid),
      t = performance.now();
    return (100 * (c - this.c0)) / ((t - this.t0) / 1000);
  }
}

/**
 * Datagrams the kernel dropped at full socket receive buffers, in this network
 * namespace (/proc/net/udp "drops"), split by whether the socket's local port is
 * in [min, max] (Janus's RTP ports) or not (the simulator's).
 */
export function udpDrops(min: number, max: number): { inRange: number; outside: number } {
  const out = { inRange: 0, outside: 0 };
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const port = parseInt(f[1]!.split(':')[1]!, 16);
      const drops = Number(f[12]);
      if (port >= min && port <= max) out.inRange += drops;
      else out.outside += drops;
    }
  }
  return out;
}
