// The fuzz tests (src/testing/fuzz/) at length: every HTTP route and every
// socket message type with LOUPE_FUZZ_RUNS cases each (1,000 by default, 50
// with --quick), from a new seed every run, printed so a failure can be
// replayed with `LOUPE_FUZZ_SEED=<seed> LOUPE_FUZZ_RUNS=<n> bun test src/testing/fuzz`.
// Not part of the usual runs: `bun bench/run.ts --fuzz` (or `--only fuzz`).
// A failed property is a failed benchmark (exit 1), with the shrunk case.
import type { Benchmark, Figure } from './types.ts';
import { ROOT } from './lib/proc.ts';

const DEFAULT_RUNS = { quick: 50, full: 1_000 };

/** "fuzz stats: <route>: <outcome>×<n> …" lines, summed per outcome class. */
function tally(output: string): { cases: number; byClass: Map<string, number> } {
  const byClass = new Map<string, number>();
  let cases = 0;
  for (const line of output.split('\n')) {
    const m = line.match(/^fuzz stats: .+?: (.*)$/);
    if (!m) continue;
    for (const part of m[1]!.matchAll(/(\S+)(?: \S+)?×(\d+)/g)) {
      const n = Number(part[2]);
      const cls = /^\d{3}$/.test(part[1]!) ? `${part[1]![0]}xx` : 'socket events';
      byClass.set(cls, (byClass.get(cls) ?? 0) + n);
      cases += n;
    }
  }
  return { cases, byClass };
}

const fuzz: Benchmark = {
  name: 'fuzz',
  optIn: true,
  hardTimeoutMs: 2 * 3_600_000,
  async run({ quick, log }) {
    const runs = Number(process.env.LOUPE_FUZZ_RUNS || (quick ? DEFAULT_RUNS.quick : DEFAULT_RUNS.full));
    const seed = Number(process.env.LOUPE_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));
    log(`fuzz: ${runs} cases per route and message type, seed ${seed}`);
    const started = performance.now();
    const proc = Bun.spawn([process.execPath, 'test', '--timeout', String(3 * 3_600_000), 'src/testing/fuzz'], {
      cwd: ROOT,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        ...process.env,
        LOUPE_FUZZ_RUNS: String(runs),
        LOUPE_FUZZ_SEED: String(seed),
        LOUPE_FUZZ_STATS: '1',
        // Each property runs to its count; only a failure's shrinking is bounded.
        LOUPE_FUZZ_TIME_LIMIT_MS: String(2 * 3_600_000),
      },
    });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    const seconds = (performance.now() - started) / 1000;
    const output = `${out}\n${err}`;
    const passed = Number(output.match(/^\s*(\d+) pass$/m)?.[1] ?? 0);
    const failed = Number(output.match(/^\s*(\d+) fail$/m)?.[1] ?? 0);
    const { cases, byClass } = tally(output);
    if (failed > 0 || passed === 0) {
      const reports = output.match(/fuzz: .+ failed after[\s\S]*?\n(?:why: .*)/g) ?? [output.slice(-4_000)];
      throw new Error(`fuzz (seed ${seed}, ${runs} runs): ${failed} failed\n${reports.join('\n\n')}`);
    }
    const note = `seed ${seed}; answers: ${[...byClass].map(([c, n]) => `${c} ${n}`).join(', ')}`;
    const figures: Figure[] = [
      { id: 'fuzz.answers', label: 'Fuzz answers checked (HTTP and socket)', value: cases, unit: 'answers', note },
      {
        id: 'fuzz.properties',
        label: 'Fuzz properties passed',
        value: passed,
        unit: 'tests',
        target: '0 failed',
        met: true,
      },
      { id: 'fuzz.rate', label: 'Fuzz answers per second', value: Math.round(cases / seconds), unit: 'answers/s' },
    ];
    return figures;
  },
};

export default fuzz;
