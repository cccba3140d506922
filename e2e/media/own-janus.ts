// A Janus of the test's own, as an operator would run one of JANUS_URLS's
// servers: Loupe's own templates rendered (src/media/janus-config.ts) into a
// temp folder with secrets generated there, its WebSocket API and admin API on
// loopback ports of its own, its own RTP port range, ICE only on the test
// namespace's interface. Spawned the way the bundled one is
// (src/media/janus-process.ts: it dies with the test process), so the test
// knows its PID, can kill -9 it, start it again on the same ports, and stop it.
// On a host of e2e/media/hosts.ts, its WebSocket API listens on that host's
// address and ICE uses its interface; its admin API stays on that host's loopback.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.ts';
import { checkJanus } from '../../src/media/janus-api.ts';
import { renderJanusConfig } from '../../src/media/janus-config.ts';
import { freeLoopbackPort, type JanusProcess, spawnJanus, stopJanus } from '../../src/media/janus-process.ts';
import { loadOrCreateJanusSecrets } from '../../src/media/secrets.ts';
import { testMediaSettings } from '../../src/media/test-settings.ts';
import type { Host } from './hosts.ts';
import { JanusAdmin } from './janus-admin.ts';

export type OwnJanus = {
  /** `host:port`: what Loupe calls it (lens_sessions.janus_server, its logs). */
  id: string;
  url: string;
  apiSecret: string;
  /** Its admin API, to ask what it holds (not reachable from the test when on a host of its own). */
  admin: JanusAdmin;
  /** The running process's PID (setpriv execs Janus under its own PID). */
  readonly pid: number;
  /** Whether its process is running. */
  readonly alive: boolean;
  /** SIGKILL, as a crash or a pulled plug would; resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the process hangs with its sockets open (the kernel still accepts connections); kill() ends it. */
  hang(): void;
  /** A new process on the same folder and ports (after kill()). */
  restart(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), its folder removed. */
  stop(): Promise<void>;
};

/** The entry of JANUS_URLS for these servers: `ws://:secret@host:port,…`. */
export function janusUrls(servers: OwnJanus[]): string {
  return servers.map((s) => s.url.replace('ws://', `ws://:${s.apiSecret}@`)).join(',');
}

export async function startOwnJanus(opts: { rtpPorts: { min: number; max: number }; host?: Host }): Promise<OwnJanus> {
  const iceInterface = opts.host?.iface ?? process.env.LOUPE_TEST_NETNS;
  if (!iceInterface) throw new Error('Run inside the test namespace: scripts/netns.sh bun test e2e/media/…');
  const dir = mkdtempSync(join(tmpdir(), 'loupe-own-janus-'));
  const secrets = loadOrCreateJanusSecrets(dir);
  const wsPort = freeLoopbackPort();
  const rendered = renderJanusConfig({
    media: testMediaSettings({ rtpPorts: opts.rtpPorts, iceInterface, janusAdminApi: true }),
    dataDir: dir,
    wsPort,
    adminWsPort: freeLoopbackPort(),
    secrets,
    logLevel: 'warn',
  });
  // JANUS_URLS carries an API secret per server and no VideoRoom admin_key
  // (src/media/janus-pool.ts): Loupe creates rooms on a pool's servers without
  // one, so this server, like an operator's, must not ask for it.
  const videoroom = join(rendered.configsFolder, 'janus.plugin.videoroom.jcfg');
  writeFileSync(videoroom, readFileSync(videoroom, 'utf8').replace(/^\s*admin_key = .*\n/m, ''), { mode: 0o600 });
  const address = opts.host?.address ?? '127.0.0.1';
  if (opts.host) {
    const transport = join(rendered.configsFolder, 'janus.transport.websockets.jcfg');
    // Its API on the host's address, open to the test network (Janus's ACL matches address prefixes).
    const network = `${address.split('.').slice(0, 3).join('.')}.`;
    const text = readFileSync(transport, 'utf8')
      .replace(/^(\s*)ws_ip = .*$/m, `$1ws_ip = "${address}"`)
      .replace(/^(\s*)ws_acl = .*$/m, `$1ws_acl = "${network}"`);
    writeFileSync(transport, text, { mode: 0o600 });
  }

  const url = `ws://${address}:${wsPort}`;
  let proc: JanusProcess;
  const launch = async () => {
    proc = spawnJanus([
      ...(opts.host?.exec ?? []),
      Bun.which('janus') ?? '/usr/bin/janus',
      '-F',
      rendered.configsFolder,
      '-C',
      rendered.coreConfigFile,
    ]);
    // Janus answers `info` ~80 ms after launch; bounded at 15 s like the supervisor's wait.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`own Janus ${url} exited with ${proc.exitCode}`);
      try {
        await checkJanus(url, secrets.apiSecret, 1_000);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`own Janus ${url} does not answer: ${(err as Error).message}`);
      }
      await Bun.sleep(100);
    }
  };
  await launch();
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    id: `${address}:${wsPort}`,
    url,
    apiSecret: secrets.apiSecret,
    admin: JanusAdmin.of(dir),
    get pid() {
      return proc.pid;
    },
    get alive() {
      return alive();
    },
    async kill() {
      if (!alive()) return;
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
    },
    hang() {
      if (alive()) process.kill(proc.pid, 'SIGSTOP');
    },
    async restart() {
      if (alive()) throw new Error(`own Janus ${url} is still running`);
      await launch();
    },
    async stop() {
      await stopJanus(proc, silentLogger);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
