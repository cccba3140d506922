// What every fuzz test checks, and how it runs its properties: a bounded
// number of cases with a fixed seed in `npm test` (LOUPE_FUZZ_RUNS and
// LOUPE_FUZZ_SEED change them; `bun bench/run.ts --fuzz` runs many more with a
// new seed), and a failure report that names the seed and path to replay it.
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { Db } from '../../db/client.ts';
import { rows } from '../../db/testing.ts';

export const FUZZ = {
  runs: Number(process.env.LOUPE_FUZZ_RUNS || 25),
  seed: Number(process.env.LOUPE_FUZZ_SEED || 18),
  /** Per property; a run cut short by it passes with the cases it ran, unless one failed. */
  timeLimitMs: Number(process.env.LOUPE_FUZZ_TIME_LIMIT_MS || 10_000),
};

/** Answers seen, by route and status: printed with LOUPE_FUZZ_STATS=1, and read by bench/fuzz.ts. */
export const seen = new Map<string, Map<string, number>>();

export function count(route: string, outcome: string | number): void {
  const byOutcome = seen.get(route) ?? new Map<string, number>();
  byOutcome.set(String(outcome), (byOutcome.get(String(outcome)) ?? 0) + 1);
  seen.set(route, byOutcome);
}

export function printStats(): void {
  if (!process.env.LOUPE_FUZZ_STATS) return;
  for (const [route, byOutcome] of seen)
    console.log(`fuzz stats: ${route}: ${[...byOutcome].map(([o, n]) => `${o}×${n}`).join(' ')}`);
  seen.clear(); // the test files of one process share this module
}

const clip = (s: string, n = 1_500) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);

/** The seed of one property: FUZZ.seed mixed with its name, so each route gets cases of its own. */
export function seedFor(name: string): number {
  let seed = FUZZ.seed | 0;
  for (const ch of name) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
  return seed;
}

/** Runs the property; a failure throws with the shrunk case, its seed and path (clipped: a case may hold 1 MB). */
export async function runProperty<T>(name: string, property: fc.IAsyncProperty<T>): Promise<void> {
  // The time limit bounds shrinking too (a case that hashes a password costs ~200 ms a try): past it the report has the case shrunk so far.
  const plugins = [fc.interruptAfterTimeLimit(FUZZ.timeLimitMs)];
  const out = await fc.check(property, { numRuns: FUZZ.runs, seed: seedFor(name), plugins });
  if (!out.failed) return;
  const error = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  throw new Error(
    `fuzz: ${name} failed after ${out.numRuns} case(s) (${out.numShrinks} shrinks${out.interrupted ? ', cut short by the time limit' : ''}). ` +
      `Seed ${out.seed}, path ${out.counterexamplePath}: LOUPE_FUZZ_SEED=${FUZZ.seed} replays the run.\n` +
      `case: ${clip(fc.stringify(out.counterexample))}\nwhy: ${clip(error, 3_000)}`,
  );
}

/**
 * A digest of every table's rows, to tell whether a refused request wrote
 * anything. Columns the media layer and presence write after an earlier
 * success has answered (the room, when the customer left, last seen) are left out.
 */
export async function tableDigests(db: Db): Promise<Record<string, string>> {
  const tables = rows<{ tablename: string }>(
    await db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`),
  )
    .map((r) => r.tablename)
    .filter((t) => !t.startsWith('__'));
  const volatile = "'room_id' - 'room_secret' - 'customer_left_at' - 'last_seen_at'";
  const parts = tables.map(
    (t) =>
      `select '${t}' as t, count(*)::int as n, md5(coalesce(string_agg((to_jsonb(x) - ${volatile})::text, '|' order by (to_jsonb(x) - ${volatile})::text), '')) as d from "${t}" x`,
  );
  const result = rows<{ t: string; n: number; d: string }>(await db.execute(sql.raw(parts.join(' union all '))));
  return Object.fromEntries(result.map((r) => [r.t, `${r.n} rows ${r.d}`]));
}

/** The tables whose digest differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

// What would tell an attacker about the inside: a stack frame, an error class, the database or its driver.
const INTERNALS = [
  /\bat \S+ \(/,
  /\bat \S*\/\S+:\d+:\d+/,
  /\b\w*Error:/,
  /\bTypeError\b|\bRangeError\b|\bSyntaxError\b/,
  /\bSQL\b/,
  /drizzle/i,
  /postgres/i,
  /pglite/i,
  /node_modules/,
  /\/src\//,
  /\bselect .+ from\b/i,
  /\binsert into\b/i,
  /violates|constraint|relation "/i,
  /Failed query/i,
  /undefined is not|Cannot read propert|is not a function/,
  // The media server's own words: its name, its plugin's, a request name, its SDP parser's complaint.
  /\bjanus\b/i,
  /VideoRoom|joinandconfigure|mandatory lines/i,
];

/** Why `answer` reveals internals, or undefined; text the request itself sent does not count (an echoed field name). */
export function internalsIn(answer: string, request: string): string | undefined {
  for (const marker of INTERNALS) {
    const found = answer.match(marker)?.[0];
    if (found && !request.includes(found)) return `the answer shows ${JSON.stringify(found)}: ${clip(answer, 500)}`;
  }
  return undefined;
}

export { clip };
