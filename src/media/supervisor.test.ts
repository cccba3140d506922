// Against the real janus, API on loopback only; no ICE, no media.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaSettings } from '../config.ts';
import { createLogger, silentLogger, type Logger } from '../log.ts';
import { janusSecretsFile } from './secrets.ts';
import { askJanus } from './janus-api.ts';
import { JanusSupervisor } from './supervisor.ts';
import { testMediaSettings } from './test-settings.ts';

const JANUS = '/usr/bin/janus';
const hasJanus = existsSync(JANUS) && process.env.LOUPE_TEST_NO_JANUS !== '1';
if (!hasJanus)
  console.warn(`supervisor.test: ${JANUS} is missing (apt-get install janus): skipping the tests that run it`);
const withJanus = test.skipIf(!hasJanus);

const media = (overrides: Partial<MediaSettings> = {}) => testMediaSettings({ janusBin: JANUS, ...overrides });

const dirs: string[] = [];
const supervisors: JanusSupervisor[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-janus-'));
  dirs.push(dir);
  return dir;
}
function supervisor(opts: { media?: MediaSettings; dataDir?: string; log?: Logger } = {}) {
  const s = new JanusSupervisor({
    media: opts.media ?? media(),
    dataDir: opts.dataDir ?? tempDir(),
    log: opts.log ?? silentLogger,
  });
  supervisors.push(s);
  return s;
}
async function cleanUp() {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
afterEach(cleanUp);

/** Gone, or a zombie nobody has reaped yet: either way not running. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
async function until(check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(50);
  return check();
}

describe('JanusSupervisor, one bundled Janus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-janus-shared-'));
  const shared = new JanusSupervisor({ media: media(), dataDir, log: silentLogger });
  beforeAll(async () => {
    if (hasJanus) await shared.start();
  }, 20_000);
  afterAll(async () => {
    await shared.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 10_000);

  withJanus('starts and answers info with only the VideoRoom plugin and the WebSocket transport', async () => {
    expect(shared.status()).toMatchObject({ state: 'running', restarts: 0, url: shared.url });
    expect(shared.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const info = await askJanus(shared.url, { janus: 'info', apisecret: shared.apiSecret });
    expect(info).toMatchObject({ janus: 'server_info', 'server-name': 'Loupe', api_secret: true });
    expect(Object.keys(info.plugins as object)).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info.transports as object)).toEqual(['janus.transport.websockets']);
  });

  withJanus('a request without the API secret is refused; with it, accepted', async () => {
    // `info` and `ping` are open in Janus; creating a session is not.
    expect(await askJanus(shared.url, { janus: 'create' })).toMatchObject({ janus: 'error', error: { code: 403 } });
    expect(await askJanus(shared.url, { janus: 'create', apisecret: 'wrong' })).toMatchObject({
      janus: 'error',
      error: { code: 403 },
    });
    const created = await askJanus(shared.url, { janus: 'create', apisecret: shared.apiSecret });
    expect(created).toMatchObject({ janus: 'success' });
    // A Janus session lives as long as the WebSocket that created it (reclaim_session_timeout is 0).
    const id = (created.data as { id: number }).id;
    expect(await askJanus(shared.url, { janus: 'destroy', session_id: id, apisecret: shared.apiSecret })).toMatchObject(
      { janus: 'error', error: { code: 458 } },
    );
  });

  withJanus('the WebSocket API listens on 127.0.0.1 only', () => {
    const port = Number(new URL(shared.url).port);
    const listeners = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f[3] === '0A' && parseInt(f[1]?.split(':')[1] ?? '', 16) === port) // 0A: LISTEN
        .map((f) => f[1]?.split(':')[0]);
    expect(listeners('/proc/net/tcp')).toEqual(['0100007F']); // 127.0.0.1, little-endian
    expect(listeners('/proc/net/tcp6')).toEqual([]);
  });

  withJanus('an external Janus (JANUS_URL): nothing is spawned, start() checks it answers', async () => {
    const external = supervisor({ media: media({ janusUrl: shared.url, janusBin: '/nonexistent/janus' }) });
    await external.start();
    expect(external.status()).toMatchObject({ state: 'external', url: shared.url, restarts: 0 });
    expect(external.status().pid).toBeUndefined();
  });
});

describe('JanusSupervisor lifecycle', () => {
  withJanus(
    'kill -9: restarted with back-off, answers again, onRestart fires',
    async () => {
      const s = supervisor();
      let restarted = 0,
        ready = 0;
      s.onRestart(() => {
        restarted++;
      });
      s.onReady(() => {
        ready++;
      });
      await s.start();
      const first = s.status().pid!;
      await until(() => ready === 1, 1000);
      process.kill(first, 'SIGKILL');
      expect(await until(() => restarted === 1, 10_000)).toBe(true);
      expect(s.status()).toMatchObject({ state: 'running', restarts: 1, lastExitCode: 137 });
      expect(s.status().pid).not.toBe(first);
      expect(ready).toBe(2);
      expect(await askJanus(s.url, { janus: 'ping', apisecret: s.apiSecret })).toMatchObject({ janus: 'pong' });
    },
    20_000,
  );

  withJanus(
    'stop(): the process is gone and is not restarted',
    async () => {
      const s = supervisor();
      let restarted = false;
      s.onRestart(() => {
        restarted = true;
      });
      await s.start();
      const pid = s.status().pid!;
      await s.stop();
      expect(running(pid)).toBe(false);
      expect(s.status()).toMatchObject({ state: 'stopped', restarts: 0 });
      expect(s.status().pid).toBeUndefined();
      await Bun.sleep(1000); // longer than the first back-off step
      expect(restarted).toBe(false);
      expect(s.status().state).toBe('stopped');
      await expect(askJanus(s.url, { janus: 'ping' }, 500)).rejects.toThrow();
    },
    15_000,
  );

  test('JANUS_BIN pointing at a missing binary: start() rejects naming JANUS_BIN', async () => {
    const s = supervisor({ media: media({ janusBin: '/nonexistent/janus' }) });
    await expect(s.start()).rejects.toThrow(/^JANUS_BIN: "\/nonexistent\/janus" is not an executable/);
    expect(s.status().state).toBe('failed');
  });

  test('a binary that exits at once: start() rejects quoting what it printed', async () => {
    const dataDir = tempDir();
    const fake = join(dataDir, 'fake-janus');
    writeFileSync(fake, '#!/bin/sh\necho "[FATAL] cannot do it" >&2\nexit 3\n', { mode: 0o755 });
    const s = supervisor({ media: media({ janusBin: fake }), dataDir });
    await expect(s.start()).rejects.toThrow(/exited with code 3 before it answered[\s\S]*\[FATAL\] cannot do it/);
    expect(s.status()).toMatchObject({ state: 'failed', lastExitCode: 3 });
  });

  withJanus(
    'secrets persist across two starts with the same data directory, in a 0600 file',
    async () => {
      const dataDir = tempDir();
      const first = supervisor({ dataDir });
      await first.start();
      const secret = first.apiSecret!;
      await first.stop();
      expect(statSync(janusSecretsFile(dataDir)).mode & 0o777).toBe(0o600);
      const second = supervisor({ dataDir });
      await second.start();
      expect(second.apiSecret).toBe(secret);
      expect(await askJanus(second.url, { janus: 'create', apisecret: secret })).toMatchObject({ janus: 'success' });
    },
    20_000,
  );

  withJanus(
    'Janus lines reach the logger: debug, and warn for errors',
    async () => {
      const lines: { level: string; msg: string }[] = [];
      const s = supervisor({
        log: createLogger('debug', (line) => lines.push(JSON.parse(line) as { level: string; msg: string })),
      });
      await s.start();
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'debug',
          msg: expect.stringContaining("janus: Loading plugin 'libjanus_videoroom.so'"),
        }),
      );
      expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'Janus ready' }));
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    },
    20_000,
  );

  withJanus(
    'Janus dies with Loupe, even when Loupe is killed with SIGKILL',
    async () => {
      const dataDir = tempDir();
      const script = join(dataDir, 'loupe.ts');
      writeFileSync(
        script,
        `
      import { JanusSupervisor } from ${JSON.stringify(join(import.meta.dir, 'supervisor.ts'))};
      import { silentLogger } from ${JSON.stringify(join(import.meta.dir, '..', 'log.ts'))};
      const s = new JanusSupervisor({ media: ${JSON.stringify(media())}, dataDir: ${JSON.stringify(dataDir)}, log: silentLogger });
      await s.start();
      console.log(s.status().pid);
      await Bun.sleep(60_000);
    `,
      );
      const loupe = Bun.spawn([process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const reader = loupe.stdout.getReader();
        const { value } = await reader.read();
        const pid = Number(new TextDecoder().decode(value).trim());
        expect(running(pid)).toBe(true);
        loupe.kill('SIGKILL');
        await loupe.exited;
        expect(await until(() => !running(pid), 3000)).toBe(true);
      } finally {
        loupe.kill('SIGKILL');
      }
    },
    20_000,
  );

  test('an external Janus that does not answer: start() resolves and warns', async () => {
    const port = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const url = `ws://127.0.0.1:${port.port}`;
    port.stop(true);
    const lines: string[] = [];
    const s = supervisor({ media: media({ janusUrl: url }), log: createLogger('warn', (line) => lines.push(line)) });
    await s.start();
    expect(s.status()).toMatchObject({ state: 'external', url });
    expect(lines.join('\n')).toContain('external Janus does not answer');
  }, 10_000);
});
