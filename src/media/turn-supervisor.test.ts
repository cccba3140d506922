// The supervisor with Debian's real coturn on loopback: starts it, restarts it
// when it dies, stops its own PID, and never logs the secret.
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log.ts';
import { freeLoopbackPort } from './janus-process.ts';
import { testMediaSettings } from './test-settings.ts';
import { TurnSupervisor } from './turn-supervisor.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

const hasCoturn = !!Bun.which('turnserver');
const dataDir = mkdtempSync(join(tmpdir(), 'loupe-turn-sup-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!hasCoturn)('TurnSupervisor', () => {
  test('starts coturn, restarts it when it dies, stops it on shutdown, and logs no secret', async () => {
    const port = freeLoopbackPort();
    const relayMin = 42_000 + (port % 2_000) * 5;
    const lines: string[] = [];
    const supervisor = new TurnSupervisor({
      media: testMediaSettings({
        turn: {
          server: `127.0.0.1:${port}`,
          bundled: { listeningPort: port, relayPorts: { min: relayMin, max: relayMin + 4 }, tls: undefined },
        },
      }),
      dataDir,
      realm: 'loupe.test',
      log: createLogger('debug', (l) => lines.push(l)),
      listeningIp: '127.0.0.1',
      backoff: { initialMs: 50, maxMs: 100, resetAfterMs: 60_000 },
    });
    try {
      supervisor.start();
      const first = supervisor.status().pid!;
      expect(supervisor.status().state).toBe('running');
      expect(alive(first)).toBe(true);
      process.kill(first, 'SIGKILL'); // our own child
      let second: number | undefined;
      for (let i = 0; i < 100 && !(second && second !== first); i++) {
        await Bun.sleep(50);
        second = supervisor.status().pid;
      }
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(supervisor.status()).toMatchObject({ state: 'running', restarts: 1 });
      // coturn printed its start-up lines meanwhile (bounded wait).
      for (let i = 0; i < 50 && !lines.some((l) => l.includes('coturn: ')); i++) await Bun.sleep(50);
      expect(lines.some((l) => l.includes('coturn: '))).toBe(true);
      await supervisor.stop();
      expect(alive(second!)).toBe(false);
      expect(supervisor.status().state).toBe('stopped');
    } finally {
      await supervisor.stop();
    }
    const secret = loadOrCreateTurnSecret(dataDir);
    expect(lines.join('\n')).not.toContain(secret);
  });

  test('without coturn installed it says so and fails, without throwing', () => {
    const lines: string[] = [];
    const supervisor = new TurnSupervisor({
      media: testMediaSettings({
        turn: {
          server: 'h:3478',
          bundled: { listeningPort: 3478, relayPorts: { min: 20200, max: 20299 }, tls: undefined },
        },
      }),
      dataDir,
      realm: 'x',
      bin: 'no-such-turnserver',
      log: createLogger('error', (l) => lines.push(l)),
    });
    supervisor.start();
    expect(supervisor.status().state).toBe('failed');
    expect(lines.join('\n')).toContain("install Debian's coturn package");
  });

  test('without LOUPE_TURN=bundled it starts nothing', () => {
    const supervisor = new TurnSupervisor({
      media: testMediaSettings(),
      dataDir,
      realm: 'x',
      log: createLogger('error', () => {}),
    });
    supervisor.start();
    expect(supervisor.status()).toEqual({ state: 'stopped', restarts: 0 });
  });
});
