// Runs the bundled Janus as a child process: renders its configuration, starts
// it, waits until its API answers, restarts it with back-off when it dies and
// stops it on shutdown. With JANUS_URL set it spawns nothing and only checks
// that the external Janus answers.
// Its parts: janus-config.ts renders the configuration, janus-process.ts
// spawns and stops the process, janus-output.ts relays what it prints and
// janus-api.ts asks it whether it answers.
import { ConfigError, type MediaSettings } from '../config.ts';
import { Fault, type Level, type Logger } from '../log.ts';
import { checkJanus, type JanusMessage } from './janus-api.ts';
import { renderJanusConfig } from './janus-config.ts';
import { JanusOutput } from './janus-output.ts';
import { freeLoopbackPort, type JanusProcess, spawnJanus, stopJanus, within } from './janus-process.ts';
import { loadOrCreateJanusSecrets, type JanusSecrets } from './secrets.ts';

export type JanusState = 'starting' | 'running' | 'restarting' | 'stopped' | 'external' | 'failed';

/** For /healthz. */
export type JanusStatus = {
  state: JanusState;
  /** Restart attempts since start(). */
  restarts: number;
  /** Of the last Janus process that ended; 128 + n when killed by signal n. */
  lastExitCode?: number;
  url: string;
  /** When the state last changed (ISO 8601). */
  since: string;
  pid?: number;
};

export type SupervisorOptions = {
  media: MediaSettings;
  dataDir: string;
  log: Logger;
  /** Port of Janus's WebSocket API on 127.0.0.1; a free one is picked when absent. */
  wsPort?: number;
  /** Loupe's log level: Janus is made as verbose as Loupe logs. */
  logLevel?: Level;
  /** The API secret of an external Janus (JANUS_URL); the bundled one uses its generated secret. */
  externalApiSecret?: string;
  readyTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
};

type Handler = () => void | Promise<void>;

const READY_TIMEOUT_MS = 15_000;
const BACKOFF = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

export class JanusSupervisor {
  private state: JanusState = 'stopped';
  private since = new Date();
  private restarts = 0;
  private lastExitCode: number | undefined;
  private proc: JanusProcess | undefined;
  private runningSince = 0;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopping = false;
  private started: Promise<void> | undefined;
  private secrets: JanusSecrets | undefined;
  private readonly wsPort: number;
  private readonly adminWsPort: number;
  private readonly wsUrl: string;
  private readonly backoff: NonNullable<SupervisorOptions['backoff']>;
  /** What Janus printed; its last lines are quoted when it fails to start. */
  private readonly output: JanusOutput;
  /** Settles when the current process's output has been read to the end. */
  private relayed: Promise<void> = Promise.resolve();
  private readonly readyHandlers = new Set<Handler>();
  private readonly restartHandlers = new Set<Handler>();
  // Bun leaves children running when it exits: kill ours on a normal exit too.
  private readonly killOnExit = () => {
    this.proc?.kill('SIGKILL');
  };

  constructor(private readonly opts: SupervisorOptions) {
    this.output = new JanusOutput(opts.log);
    this.backoff = opts.backoff ?? BACKOFF;
    this.delay = this.backoff.initialMs;
    this.wsPort = opts.media.janusUrl ? 0 : (opts.wsPort ?? freeLoopbackPort());
    this.adminWsPort = opts.media.janusUrl ? 0 : freeLoopbackPort();
    this.wsUrl = opts.media.janusUrl ?? `ws://127.0.0.1:${this.wsPort}`;
  }

  /** Janus's WebSocket API (`janus-protocol` subprotocol). */
  get url(): string {
    return this.wsUrl;
  }

  /** The `apisecret` every request must carry; known once start() has run. */
  get apiSecret(): string | undefined {
    return this.secrets?.apiSecret ?? this.opts.externalApiSecret;
  }

  /** The VideoRoom admin_key of the bundled Janus; an external one is used without. */
  get roomAdminKey(): string | undefined {
    return this.secrets?.roomAdminKey;
  }

  status(): JanusStatus {
    return {
      state: this.state,
      restarts: this.restarts,
      url: this.wsUrl,
      since: this.since.toISOString(),
      ...(this.lastExitCode !== undefined && { lastExitCode: this.lastExitCode }),
      ...(this.proc && { pid: this.proc.pid }),
    };
  }

  /** Called each time Janus becomes ready, the first start included. Returns an unsubscribe. */
  onReady(handler: Handler): () => void {
    this.readyHandlers.add(handler);
    return () => this.readyHandlers.delete(handler);
  }

  /** Called when a restarted Janus is ready: its rooms are gone and must be re-created. */
  onRestart(handler: Handler): () => void {
    this.restartHandlers.add(handler);
    return () => this.restartHandlers.delete(handler);
  }

  /** Resolves once Janus answers; rejects with the reason when it cannot start. */
  start(): Promise<void> {
    this.started ??= this.opts.media.janusUrl ? this.checkExternal() : this.startBundled();
    return this.started;
  }

  /** Stops Janus (SIGTERM, then SIGKILL after 5 s) and never restarts it. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.proc) await stopJanus(this.proc, this.opts.log);
    process.off('exit', this.killOnExit);
    this.setState('stopped');
  }

  private async checkExternal() {
    this.setState('external');
    try {
      const info = await checkJanus(this.wsUrl, this.apiSecret, 5_000);
      this.opts.log.info('external Janus answers', { url: this.wsUrl, version: info.version_string });
    } catch (err) {
      // It may come up later; each request to it will say so if not.
      this.opts.log.warn('external Janus does not answer', { url: this.wsUrl, error: (err as Error).message });
    }
  }

  private async startBundled() {
    this.setState('starting');
    try {
      this.secrets = loadOrCreateJanusSecrets(this.opts.dataDir);
      process.on('exit', this.killOnExit);
      await this.launch();
    } catch (err) {
      if (!this.stopping) this.setState('failed');
      process.off('exit', this.killOnExit);
      this.started = undefined; // the caller may fix the cause and try again
      throw err;
    }
    this.fire(this.readyHandlers);
  }

  private async launch() {
    const { media, dataDir, logLevel } = this.opts;
    const rendered = renderJanusConfig({
      media,
      dataDir,
      wsPort: this.wsPort,
      adminWsPort: this.adminWsPort,
      logLevel,
      secrets: this.secrets!,
    });
    if (this.stopping) throw new Fault('Janus supervisor stopped');
    const proc = this.spawn([this.janusBin(), '-F', rendered.configsFolder, '-C', rendered.coreConfigFile]);
    const startedAt = Date.now();
    this.opts.log.info('Janus starting', { pid: proc.pid, url: this.wsUrl });
    let info: JanusMessage;
    try {
      info = await this.waitReady(proc);
    } catch (err) {
      await stopJanus(proc, this.opts.log);
      throw err;
    }
    this.runningSince = Date.now();
    this.setState('running');
    this.opts.log.info('Janus ready', {
      pid: proc.pid,
      url: this.wsUrl,
      version: info.version_string,
      ms: this.runningSince - startedAt,
    });
  }

  private janusBin(): string {
    const bin = Bun.which(this.opts.media.janusBin);
    if (!bin)
      throw new ConfigError(
        'JANUS_BIN',
        `"${this.opts.media.janusBin}" is not an executable on this machine: install Debian's janus package or set JANUS_BIN to the janus binary`,
      );
    return bin;
  }

  private spawn(cmd: string[]): JanusProcess {
    const proc = spawnJanus(cmd);
    this.proc = proc;
    this.relayed = this.output.follow(proc);
    void proc.exited.then((code) => this.exited(proc, code));
    return proc;
  }

  private exited(proc: JanusProcess, code: number) {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.lastExitCode = code;
    // A start or restart in progress handles its own failure; stop() wanted it.
    if (this.stopping || this.state !== 'running') return;
    this.opts.log.error('Janus exited unexpectedly', { code, signal: proc.signalCode, lastLines: this.output.last(5) });
    this.scheduleRestart();
  }

  private scheduleRestart() {
    if (this.stopping) return;
    // A Janus that ran a while died of something new: start the back-off over.
    if (this.runningSince && Date.now() - this.runningSince >= this.backoff.resetAfterMs)
      this.delay = this.backoff.initialMs;
    this.runningSince = 0;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.backoff.maxMs);
    this.setState('restarting');
    this.opts.log.warn('restarting Janus', { inMs: wait });
    this.timer = setTimeout(() => void this.relaunch(), wait);
  }

  private async relaunch() {
    if (this.stopping) return;
    this.restarts++;
    try {
      await this.launch();
    } catch (err) {
      if (!this.stopping) this.opts.log.error('Janus restart failed', { err });
      this.scheduleRestart();
      return;
    }
    this.fire(this.readyHandlers);
    this.fire(this.restartHandlers);
  }

  private async waitReady(proc: JanusProcess): Promise<JanusMessage> {
    const timeoutMs = this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.stopping) throw new Fault('Janus supervisor stopped while Janus was starting');
      if (proc.exitCode !== null || proc.signalCode !== null) {
        // Its last words may still be in the pipe.
        await within(this.relayed, 1_000);
        throw new Fault(
          `Janus (${this.opts.media.janusBin}) exited with ${proc.signalCode ?? `code ${proc.exitCode}`} before it answered${this.output.lastLines()}`,
        );
      }
      try {
        return await checkJanus(this.wsUrl, this.apiSecret, Math.max(100, Math.min(2_000, deadline - Date.now())));
      } catch (err) {
        last = (err as Error).message;
      }
      await Bun.sleep(100);
    }
    throw new Fault(
      `Janus did not answer on ${this.wsUrl} within ${timeoutMs / 1000} s (${last})${this.output.lastLines()}`,
    );
  }

  private fire(handlers: Set<Handler>) {
    for (const handler of handlers) {
      Promise.resolve()
        .then(handler)
        .catch((err: unknown) => this.opts.log.error('Janus ready/restart handler failed', { err }));
    }
  }

  private setState(state: JanusState) {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date();
  }
}
