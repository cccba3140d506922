// A throwaway PostgreSQL server for benchmarks (scripts/postgres-tmp.sh, as the tests use it).
import { join } from 'node:path';
import { ROOT } from './proc.ts';

/** Started in `dir`, or undefined (with a log line) where this machine has no PostgreSQL server. */
export async function startPostgres(
  dir: string,
  log: (l: string) => void,
): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const script = join(ROOT, 'scripts/postgres-tmp.sh');
  const started = Bun.spawnSync(['bash', script, 'start', dir], { stderr: 'pipe' });
  if (started.exitCode !== 0) {
    log(`no PostgreSQL figure: ${started.stderr.toString().trim().split('\n').at(-1)}`);
    return undefined;
  }
  return {
    url: started.stdout.toString().trim(),
    stop: async () => {
      Bun.spawnSync(['bash', script, 'stop', dir]);
    },
  };
}
