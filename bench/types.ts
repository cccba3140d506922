// The shape every benchmark under bench/ reports in, so bench/run.ts can print
// one table and write bench/results/latest.json for all of them.

/** One measured figure, printed beside the reference measured in the same run. */
export interface Figure {
  /** Stable id, e.g. "ttff.p50" — the README table and latest.json are keyed by it. */
  id: string;
  /** What it is, for the table: "Time to first frame, p50". */
  label: string;
  value: number;
  unit: string;
  /** The same quantity measured in the same run without Loupe (or the raw limit). */
  reference?: { label: string; value: number };
  /** The target in words ("≤ 200 ms") and whether this run met it. */
  target?: string;
  met?: boolean;
  /** Why a target was missed, sample counts, anything a reader needs to trust the figure. */
  note?: string;
}

export interface BenchOptions {
  /** Brief runs (CI): every benchmark still runs end to end, on fewer samples. */
  quick: boolean;
  /** Log progress lines (stderr). */
  log: (line: string) => void;
}

export interface Benchmark {
  /** Short name: "sms", "api", "sockets", "lens-pwa", "media-ttff", … */
  name: string;
  /** Whether it needs scripts/netns.sh (live media: Janus gathers no ICE candidates on lo). */
  netns?: boolean;
  /** Runs only when named (`--only fuzz`, `--fuzz`), never in a plain or `--quick` run. */
  optIn?: boolean;
  /** Its own hard limit instead of bench/run.ts's (150 s quick, 600 s full). */
  hardTimeoutMs?: number;
  /** Runs within its own time bound and stops everything it started. */
  run(options: BenchOptions): Promise<Figure[]>;
}
