// Runs the bundled coturn (LOUPE_TURN=bundled) as a child process, as
// supervisor.ts runs Janus but smaller: renders its configuration, starts
// `turnserver -c <file>`, restarts it with back-off when it dies, and stops
// only its own PID on shutdown. coturn has no API to wait for: pages get their
// credentials whether or not it is up, and /healthz can say which.
import type { BundledTurn, MediaSettings } from '../config.ts';
import type { Logger } from '../log.ts';
import { type JanusProcess, spawnJanus, within } from './janus-process.ts';
import { renderTurnConfig } from './turn-config.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

export type TurnState = 'stopped' | 'running' | 'restarting' | 'failed';

export type TurnSupervisorOptions = {
  media: MediaSettings;
  dataDir: string;
  /** coturn's realm: Loupe's public host. */
  realm: string;
  log: Logger;
  bin?: string;
  /** Tests: listen and relay on loopback only. */
  listeningIp?: string;
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
};

const BACKOFF = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };
const STOP_TIMEOUT_MS = 5_000;

export class TurnSupervisor {
  private proc: JanusProcess | undefined;
  private state: TurnState = 'stopped';
  private stopping = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private startedAt = 0;
  private restarts = 0;
  private readonly backoff: NonNullable<TurnSupervisorOptions['backoff']>;
  private delay: number;
  private secret = '';
  // Bun leaves children running when it exits: kill ours on a normal exit too.
  private readonly killOnExit = () => this.proc?.kill('SIGKILL');

  constructor(private readonly opts: TurnSupervisorOptions) {
    this.backoff = opts.backoff ?? BACKOFF;
    this.delay = this.backoff.initialMs;
  }

  status() {
    return { state: this.state, restarts: this.restarts, ...(this.proc && { pid: this.proc.pid }) };
  }

  /** Renders the configuration and starts coturn; logs why when it cannot (no binary, a damaged secret). */
  start(): void {
    const turn = this.opts.media.turn;
    if (!turn || !('bundled' in turn)) return;
    try {
      this.startBundled(turn.bundled);
    } catch (err) {
      this.state = 'failed';
      this.opts.log.error('coturn did not start', { err: err instanceof Error ? err.message : String(err) });
    }
  }

  private startBundled(bundled: BundledTurn) {
    const bin = Bun.which(this.opts.bin ?? 'turnserver');
    if (!bin)
      throw new Error("turnserver is not on this machine: install Debian's coturn package (LOUPE_TURN=bundled)");
    this.secret = loadOrCreateTurnSecret(this.opts.dataDir);
    const file = renderTurnConfig({
      turn: bundled,
      dataDir: this.opts.dataDir,
      secret: this.secret,
      realm: this.opts.realm,
      publicIp: this.opts.media.publicIp,
      listeningIp: this.opts.listeningIp,
    });
    process.on('exit', this.killOnExit);
    this.launch([bin, '-c', file]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      if (!(await within(proc.exited, STOP_TIMEOUT_MS))) proc.kill('SIGKILL');
      await proc.exited;
    }
    process.off('exit', this.killOnExit);
    this.state = 'stopped';
  }

  private launch(cmd: string[]) {
    const proc = spawnJanus(cmd);
    this.proc = proc;
    this.startedAt = Date.now();
    this.state = 'running';
    this.opts.log.info('coturn started', { pid: proc.pid });
    void this.relay(proc, proc.stdout);
    void this.relay(proc, proc.stderr);
    void proc.exited.then((code) => {
      if (proc !== this.proc || this.stopping) return;
      this.proc = undefined;
      this.opts.log.error('coturn exited unexpectedly', { code, signal: proc.signalCode });
      // One that ran a while died of something new: start the back-off over.
      if (Date.now() - this.startedAt >= this.backoff.resetAfterMs) this.delay = this.backoff.initialMs;
      const wait = this.delay;
      this.delay = Math.min(this.delay * 2, this.backoff.maxMs);
      this.state = 'restarting';
      this.timer = setTimeout(() => {
        if (this.stopping) return;
        this.restarts++;
        this.launch(cmd);
      }, wait);
    });
  }

  /** coturn's lines at debug (errors at warn), never with the secret in them. */
  private async relay(proc: JanusProcess, stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of stream) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const raw of lines) {
          const line = raw.trim().replaceAll(this.secret, '<secret>');
          if (!line) continue;
          if (/\b(ERROR|error)\b/.test(line)) this.opts.log.warn(`coturn: ${line}`, { pid: proc.pid });
          else this.opts.log.debug(`coturn: ${line}`, { pid: proc.pid });
        }
      }
    } catch {
      // The pipe broke because the process is gone; its exit is handled above.
    }
  }
}
