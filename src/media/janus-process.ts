// The Janus child process itself: spawned so that it cannot outlive Loupe,
// stopped politely and then not, and the loopback port it is given.
import type { Subprocess } from 'bun';
import type { Logger } from '../log.ts';

export type JanusProcess = Subprocess<'ignore', 'pipe', 'pipe'>;

// Janus takes 1–4 s to exit after SIGTERM (it closes its sessions first).
const STOP_TIMEOUT_MS = 5_000;

export function spawnJanus(cmd: string[]): JanusProcess {
  // setpriv (util-linux, on every Debian) sets PR_SET_PDEATHSIG and then execs
  // Janus under the same PID: the kernel kills Janus if Loupe dies without
  // running stop(), even by SIGKILL. The signal follows the spawning thread:
  // Bun spawns on its JS thread, so do not run the supervisor in a Worker.
  const setpriv = process.platform === 'linux' ? Bun.which('setpriv') : null;
  return Bun.spawn(setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...cmd] : cmd, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** SIGTERM, and SIGKILL if it is still there after STOP_TIMEOUT_MS. Only ever our own child. */
export async function stopJanus(proc: JanusProcess, log: Logger): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  if (await within(proc.exited, STOP_TIMEOUT_MS)) return;
  log.warn('Janus did not exit after SIGTERM: killing it', { pid: proc.pid, waitedMs: STOP_TIMEOUT_MS });
  proc.kill('SIGKILL');
  await proc.exited;
}

export function freeLoopbackPort(): number {
  // Ask the kernel for a free port, then give it back for Janus to bind.
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** True when the promise resolved within ms, false when the time ran out first. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}
