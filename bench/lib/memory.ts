// A fair memory reading of a server: a full garbage collection first. Loupe
// (src/main.ts) and the bare reference (bare-server.ts) both answer SIGUSR2 with
// `Bun.gc(true)` and then one JSON log line {"msg":"memory", rss, heapSize, …,
// objectTypes}; without it, RSS counts whatever garbage the last requests left
// that JSC has not collected yet, which a server doing no work per request never has.
import { heapStats } from 'bun:jsc';
import { readFileSync } from 'node:fs';
import { sleep } from './proc.ts';

export type MemoryReport = {
  rss: number;
  heapUsed: number;
  objectCount: number;
  /** Live JS objects' bytes, and the bytes of the heap blocks holding them (capacity − size: fragmentation). */
  heapSize: number;
  heapCapacity: number;
  /** The heap's object counts by type (the most numerous ones). */
  objectTypes: Record<string, number>;
};

const memoryLines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"memory"'));
  } catch {
    return [];
  }
};

/** Makes the server at `pid` collect its garbage (SIGUSR2) and returns the "memory" line it logs to `logFile`. */
export async function collectGarbage(pid: number, logFile: string, timeoutMs = 15_000): Promise<MemoryReport> {
  const before = memoryLines(logFile).length;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = memoryLines(logFile);
    if (lines.length > before) return JSON.parse(lines.at(-1)!) as MemoryReport;
    if (Date.now() > deadline)
      throw new Error(`no "memory" log line from ${pid} within ${timeoutMs / 1000} s after SIGUSR2`);
    await sleep(50);
  }
}

/** The bare reference's SIGUSR2 handler, the same as Loupe's: a full GC, then one "memory" line on stdout. */
export function answerMemorySignal(): void {
  process.on('SIGUSR2', () => {
    Bun.gc(true);
    const heap = heapStats();
    const objectTypes = Object.fromEntries(
      Object.entries(heap.objectTypeCounts)
        .sort(([, a], [, b]) => b - a)
        .slice(0, 40),
    );
    process.stdout.write(
      `${JSON.stringify({ msg: 'memory', ...process.memoryUsage(), heapSize: heap.heapSize, heapCapacity: heap.heapCapacity, objectCount: heap.objectCount, objectTypes })}\n`,
    );
  });
}

/** The object types that grew most between two reports, per unit (e.g. per socket): "Function +3.0, Object +2.1". */
export function typeGrowth(from: MemoryReport, to: MemoryReport, per: number, top = 8): string {
  const names = new Set([...Object.keys(from.objectTypes), ...Object.keys(to.objectTypes)]);
  return [...names]
    .map((name) => [name, ((to.objectTypes[name] ?? 0) - (from.objectTypes[name] ?? 0)) / per] as const)
    .filter(([, d]) => d >= 0.05)
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([name, d]) => `${name} +${d.toFixed(1)}`)
    .join(', ');
}
