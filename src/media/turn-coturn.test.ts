// The rendered coturn configuration against Debian's real coturn, on loopback:
// an ephemeral credential from turn-credentials.ts allocates a relay, a wrong
// one is refused with 401. Only the turnserver this test starts is stopped.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, type JanusProcess, spawnJanus, within } from './janus-process.ts';
import { renderTurnConfig } from './turn-config.ts';
import { freshTurnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

const TURNSERVER = Bun.which('turnserver');
const UCLIENT = Bun.which('turnutils_uclient');
const PEER = Bun.which('turnutils_peer');
if (!TURNSERVER || !UCLIENT || !PEER)
  console.warn('turn-coturn.test: coturn is missing (apt-get install coturn): skipping');

const dataDir = mkdtempSync(join(tmpdir(), 'loupe-turn-'));
const port = freeLoopbackPort();
// A relay range of our own, away from LOUPE_RTP_PORTS and from the port above.
const relayMin = 40_000 + (port % 2_000) * 10;
let proc: JanusProcess | undefined;
/** Echoes what reaches it through the relay, so the client sees its packet come back. */
let peer: JanusProcess | undefined;
let output = '';

beforeAll(async () => {
  if (!TURNSERVER) return;
  const file = renderTurnConfig({
    turn: { listeningPort: port, relayPorts: { min: relayMin, max: relayMin + 9 }, tls: undefined },
    dataDir,
    secret: loadOrCreateTurnSecret(dataDir),
    realm: 'loupe.test',
    listeningIp: '127.0.0.1',
    allowLoopbackPeers: true,
  });
  proc = spawnJanus([TURNSERVER, '-c', file]);
  peer = spawnJanus([PEER!, '-L', '127.0.0.1', '-p', String(port + 1)]);
  void collect(proc.stdout);
  void collect(proc.stderr);
  // Ready once its relay threads are up and its database is open (bounded).
  for (let i = 0; i < 100 && !/SQLite DB connection success/.test(output); i++) {
    if (proc.exitCode !== null) throw new Error(`turnserver exited:\n${output}`);
    await Bun.sleep(100);
  }
  expect(output).toContain('SQLite DB connection success');
});

afterAll(async () => {
  for (const p of [proc, peer]) {
    if (!p) continue;
    p.kill('SIGTERM');
    if (!(await within(p.exited, 5_000))) p.kill('SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function collect(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
}

/** One allocation (and refresh) with turnutils_uclient; its output. */
async function allocate(username: string, password: string, tcp = false): Promise<string> {
  const args = ['-v', '-n', '1', '-c', '-u', username, '-w', password, '-p', String(port)];
  const client = Bun.spawn(
    [UCLIENT!, ...(tcp ? ['-t'] : []), ...args, '-e', '127.0.0.1', '-r', String(port + 1), '127.0.0.1'],
    {
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  if (!(await within(client.exited, 15_000))) client.kill('SIGKILL');
  return (await new Response(client.stdout).text()) + (await new Response(client.stderr).text());
}

describe.skipIf(!TURNSERVER || !UCLIENT || !PEER)('bundled coturn', () => {
  test('an ephemeral credential allocates a relay in LOUPE_TURN_RELAY_PORTS, over UDP and TCP', async () => {
    const { username, credential } = freshTurnCredential(loadOrCreateTurnSecret(dataDir), 'page', 600_000);
    for (const tcp of [false, true]) {
      const out = await allocate(username, credential, tcp);
      const relay = /Received relay addr: 127\.0\.0\.1:(\d+)/.exec(out);
      expect(relay, out).not.toBeNull();
      expect(Number(relay![1])).toBeGreaterThanOrEqual(relayMin);
      expect(Number(relay![1])).toBeLessThanOrEqual(relayMin + 9);
      // The packet went to the peer through the relay and came back.
      expect(out).toContain('Total lost packets 0');
    }
  });

  // turnutils_uclient prints no response code; coturn's own log says why it refused.
  test('a wrong credential is refused (401)', async () => {
    const { username } = freshTurnCredential(loadOrCreateTurnSecret(dataDir), 'page', 600_000);
    const wrong = freshTurnCredential('another-secret-entirely', 'page', 600_000);
    const out = await allocate(username, wrong.credential);
    expect(out).not.toContain('Received relay addr');
    expect(out).toMatch(/error 401|Cannot complete Allocation/);
    expect(output).toContain(`check_stun_auth`);
  });

  test('an expired credential is refused', async () => {
    const { username, credential } = freshTurnCredential(loadOrCreateTurnSecret(dataDir), 'page', -60_000);
    const out = await allocate(username, credential);
    expect(out).not.toContain('Received relay addr');
  });
});
