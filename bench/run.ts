// The benchmark suite: `bun bench/run.ts [--quick] [--only name,name] [--fuzz]`.
//
// Every benchmark runs in its own child process (its own process group, so a hard
// timeout takes down whatever it started), one after another. Those marked
// `netns: true` run inside scripts/netns.sh (a private network namespace). Each
// figure is printed beside the reference measured in the same run; results go to
// bench/results/latest.{json,md}, or quick.{json,md} with --quick so a CI run never
// overwrites the committed full results. Exit code 1 only when a benchmark could
// not run; a missed target is a result, not a failure. `--fuzz` runs only the
// fuzz tests at length (bench/fuzz.ts, opt-in: no other run includes it), and
// writes bench/results/fuzz.{json,md}.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from './types.ts';
import { machineInfo, ROOT, sleep } from './lib/proc.ts';
import { firstLine, markdown, mergeWithLatest, textTable, type Outcome } from './lib/report.ts';

const BENCH = join(ROOT, 'bench');
/** This helper's benchmarks, in run order; bench/media/*.ts are found on disk. */
const FIXED = [
  'sms.ts',
  'api.ts',
  'cluster.ts',
  'sockets.ts',
  'lens-pwa.ts',
  'tracking.ts',
  'tools.ts',
  'recording.ts',
  'janus-failover.ts',
  'impaired-ttff.ts',
  'network-switch.ts',
  'nodes.ts',
  'fuzz.ts',
];
/** Hard limits per benchmark (the backstop: each bounds its own run time). */
const HARD_TIMEOUT_MS = { quick: 150_000, full: 600_000 };

type Args = { quick: boolean; only?: string[]; child?: string; fuzz?: boolean };

type ChildReport = { figures: Figure[] } | { error: string };

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--fuzz') {
      args.fuzz = true;
      args.only = ['fuzz'];
    } else if (a === '--only')
      args.only = (argv[++i] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a.startsWith('--only='))
      args.only = a
        .slice(7)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--child') args.child = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: bun bench/run.ts [--quick] [--only name,name] [--fuzz]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (usage: bun bench/run.ts [--quick] [--only name,name] [--fuzz])`);
  }
  return args;
}

type Loaded = { file: string; bench?: Benchmark; error?: string };

/** Every benchmark module: the fixed ones, then bench/media/*.ts in name order. */
async function loadBenchmarks(): Promise<Loaded[]> {
  const files = FIXED.map((f) => join(BENCH, f));
  const media = join(BENCH, 'media');
  if (existsSync(media)) {
    for (const f of readdirSync(media).sort())
      if (f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')) files.push(join(media, f));
  }
  const loaded: Loaded[] = [];
  for (const file of files) {
    try {
      const mod = (await import(file)) as { default?: Benchmark };
      const bench = mod.default;
      if (!bench || typeof bench.run !== 'function' || typeof bench.name !== 'string')
        throw new Error('does not default-export a Benchmark');
      loaded.push({ file, bench });
    } catch (error) {
      loaded.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return loaded;
}

const nameOf = (l: Loaded) => l.bench?.name ?? l.file.slice(BENCH.length + 1).replace(/\.ts$/, '');

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

/** Child mode: run one benchmark here and write its figures (or error) to a file. */
async function runChild(name: string, quick: boolean, out: string): Promise<never> {
  const loaded = (await loadBenchmarks()).find((l) => nameOf(l) === name);
  let report: ChildReport;
  if (!loaded) report = { error: `no benchmark named ${name}` };
  else if (!loaded.bench) report = { error: `cannot load ${loaded.file}: ${loaded.error}` };
  else {
    try {
      report = { figures: await loaded.bench.run({ quick, log }) };
    } catch (error) {
      report = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  }
  writeFileSync(out, JSON.stringify(report));
  process.exit('error' in report ? 1 : 0);
}

/** Runs one benchmark as a child process group, bounded by `timeoutMs`. */
async function runIsolated(bench: Benchmark, quick: boolean, timeoutMs: number, work: string): Promise<Outcome> {
  const out = join(work, `${bench.name}.json`);
  const cmd = [process.execPath, 'bench/run.ts', '--only', bench.name, '--child', out, ...(quick ? ['--quick'] : [])];
  const started = performance.now();
  const proc = Bun.spawn(['setsid', ...(bench.netns ? ['bash', 'scripts/netns.sh'] : []), ...cmd], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'inherit',
    stderr: 'inherit',
    env: process.env,
  });
  let timedOut = false;
  const killGroup = (signal: 'SIGTERM' | 'SIGKILL') => {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      /* gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 5_000);
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  // Whatever the benchmark left behind in its group (it should have stopped everything).
  killGroup('SIGKILL');
  const seconds = (performance.now() - started) / 1000;
  let report: ChildReport | undefined;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as ChildReport;
  } catch {
    /* no report */
  }
  if (timedOut)
    return {
      name: bench.name,
      ok: false,
      seconds,
      figures: [],
      error: `stopped after the hard limit of ${Math.round(timeoutMs / 1000)} s`,
    };
  if (!report) return { name: bench.name, ok: false, seconds, figures: [], error: `exited ${code} without a report` };
  if ('error' in report) return { name: bench.name, ok: false, seconds, figures: [], error: report.error };
  return { name: bench.name, ok: true, seconds, figures: report.figures };
}

// ---- main -------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    if (args.only?.length !== 1) throw new Error('--child needs exactly one --only name');
    await runChild(args.only[0]!, args.quick, args.child);
  }
  const loaded = await loadBenchmarks();
  const names = loaded.map(nameOf);
  const unknown = (args.only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`no benchmark named ${unknown.join(', ')} (there are: ${names.join(', ')})`);
  // An opt-in benchmark (the fuzz) runs only when named.
  const selected = loaded.filter((l) => (args.only ? args.only.includes(nameOf(l)) : !l.bench?.optIn));
  const work = mkdtempSync(join(tmpdir(), 'loupe-bench-run-'));
  const date = new Date().toISOString();
  const machine = machineInfo();
  log(
    `bench: ${selected.length} benchmark(s)${args.quick ? ' (quick)' : ''} on ${machine.cpu}, ${machine.cores} cores, Bun ${machine.bun}`,
  );

  const outcomes: Outcome[] = [];
  try {
    for (const l of selected) {
      const name = nameOf(l);
      if (!l.bench) {
        outcomes.push({ name, ok: false, seconds: 0, figures: [], error: `cannot load ${l.file}: ${l.error}` });
        continue;
      }
      log(`\n== ${name}${l.bench.netns ? ' (in a network namespace)' : ''}`);
      const limit = l.bench.hardTimeoutMs ?? (args.quick ? HARD_TIMEOUT_MS.quick : HARD_TIMEOUT_MS.full);
      const o = await runIsolated(l.bench, args.quick, limit, work);
      log(
        `== ${name}: ${o.ok ? `${o.figures.length} figure(s)` : `FAILED: ${firstLine(o.error ?? '')}`} in ${o.seconds.toFixed(1)} s`,
      );
      outcomes.push(o);
      await sleep(500); // let the machine settle between benchmarks
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  for (const o of outcomes) o.date = date;
  const figures = outcomes.flatMap((o) => o.figures.map((f) => ({ benchmark: o.name, ...f })));
  const missed = figures.filter((f) => f.met === false).length;
  const failed = outcomes.filter((o) => !o.ok).length;
  const results = join(BENCH, 'results');
  mkdirSync(results, { recursive: true });
  // A fuzz run's figures are not performance: they go to a file of their own.
  const fuzzOnly = selected.every((l) => l.bench?.optIn);
  const base = args.quick ? 'quick' : fuzzOnly ? 'fuzz' : 'latest';
  const meta = { date, quick: args.quick, machine };
  const file = join(results, `${base}.json`);
  const written = !args.quick && !fuzzOnly && args.only ? mergeWithLatest(outcomes, file) : outcomes;
  const writtenFigures = written.flatMap((o) => o.figures.map((f) => ({ benchmark: o.name, ...f })));
  writeFileSync(
    file,
    `${JSON.stringify({ ...meta, only: args.only ?? null, benchmarks: written, figures: writtenFigures }, null, 2)}\n`,
  );
  writeFileSync(join(results, `${base}.md`), markdown(written, meta));

  console.log(`\n${textTable(outcomes)}\n`);
  for (const o of outcomes) if (!o.ok) console.log(`${o.name} failed: ${o.error}`);
  for (const f of figures) if (f.met === false) console.log(`missed ${f.id}: ${f.note ?? ''}`);
  console.log(`results: bench/results/${base}.json, bench/results/${base}.md`);
  console.log(`bench: ${figures.length} figures, ${missed} missed targets, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
