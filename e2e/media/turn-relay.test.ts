// The bundled coturn (LOUPE_TURN=bundled) carries the media when nothing else
// can: inside the test namespace, tc on loopback (where every local packet
// goes) lets UDP through only to and from the TURN server's port and between
// its relay ports and Janus's RTP ports, as a firewall that opens only the
// TURN server would. Neither browser can then reach Janus directly, and the
// phone's and the console's connections must be relayed: the selected
// candidate pair in their getStats has a `relay` local candidate, the picture
// comes, and the console says "through TURN relay". With UDP to the TURN port
// closed as well, the relay is reached over TCP (turn:…?transport=tcp).
//
// The page learns the TURN server and an ephemeral credential from Loupe
// (src/media/ice-servers.ts); coturn checks it against the secret Loupe
// generated in its data directory. The filter is removed whatever happens.
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { waitForMedia } from './rtc-stats.ts';
import { customerJoins, startScene, type Scene } from './scene.ts';

// On Janus's own address: Janus's packets to loupe1's address (198.18.0.2) leave by the veth and
// come back with a local source address, which Linux drops; the same address keeps them on lo.
const TURN = { host: '198.18.0.1', port: 3478 };
// Ranges tc can match with one mask each: 16 relay ports (0x9e00/0xfff0), 64 RTP ports (0x9d80/0xffc0).
const RELAY = { min: 0x9e00, mask: 0xfff0, count: 16 };
const RTP = { min: 0x9d80, mask: 0xffc0, count: 64 };

let scene: Scene;

function tc(...args: string[]) {
  const run = Bun.spawnSync(['tc', ...args], { stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`tc ${args.join(' ')}: ${run.stderr.toString()}`);
}

/** UDP matching `matches` passes (class 1:1); any other UDP goes to a queue that holds nothing (1:2). */
function udpOnlyWhere(matches: string[][]) {
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '1', 'r2q', '100000');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '10gbit');
  tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:2', 'handle', '20:', 'pfifo', 'limit', '0');
  const udp = ['match', 'ip', 'protocol', '17', '0xff'];
  const filter = (prio: number, match: string[], flow: string) =>
    tc(
      'filter',
      'add',
      'dev',
      'lo',
      'parent',
      '1:',
      'protocol',
      'ip',
      'prio',
      String(prio),
      'u32',
      ...match,
      'flowid',
      flow,
    );
  for (const match of matches) filter(1, [...udp, ...match], '1:1');
  filter(2, udp, '1:2');
}
const port = (dir: 'sport' | 'dport', value: number, mask = 0xffff) => [
  'match',
  'ip',
  dir,
  String(value),
  `0x${mask.toString(16)}`,
];
/** coturn's relay ports ↔ Janus's RTP ports: the relayed leg. */
const relayToJanus = [
  [...port('sport', RELAY.min, RELAY.mask), ...port('dport', RTP.min, RTP.mask)],
  [...port('sport', RTP.min, RTP.mask), ...port('dport', RELAY.min, RELAY.mask)],
];
/** Browsers (and Janus) ↔ the TURN server's own port. */
const toTurnPort = [port('dport', TURN.port), port('sport', TURN.port)];
const unfilter = () => Bun.spawnSync(['tc', 'qdisc', 'del', 'dev', 'lo', 'root'], { stderr: 'ignore' });

type Path = { local: string; remote: string; relayProtocol?: string };

/** The selected candidate pair of each connected PeerConnection on the page (recorded by rtc-stats.ts). */
function pathsOf(page: Page): Promise<Path[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const paths: Path[] = [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s) => {
        stats.set(s.id, s);
      });
      const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport && stats.get(String(transport.selectedCandidatePairId));
      if (!pair) continue;
      const local = stats.get(String(pair.localCandidateId));
      const remote = stats.get(String(pair.remoteCandidateId));
      paths.push({
        local: String(local?.candidateType),
        remote: String(remote?.candidateType),
        relayProtocol: local?.relayProtocol as string | undefined,
      });
    }
    return paths;
  });
}

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: `${RTP.min}-${RTP.min + RTP.count - 1}`,
    technician: { email: 'tara@example.test', password: 'tara password 123', name: 'Tara Visser' },
    env: {
      LOUPE_TURN: 'bundled',
      LOUPE_TURN_SERVER: `${TURN.host}:${TURN.port}`,
      LOUPE_TURN_PORT: String(TURN.port),
      LOUPE_TURN_RELAY_PORTS: `${RELAY.min}-${RELAY.min + RELAY.count - 1}`,
    },
  });
  await scene.loupe.waitForLog((l) => l.msg === 'coturn started', 30_000);
}, 120_000);

/** The session a test made, ended after it whatever happened (one live session per technician). */
let live: string | undefined;
afterEach(async () => {
  unfilter();
  if (live) await scene.tech.request.post(`${scene.loupe.url}/api/sessions/${live}/end`);
  live = undefined;
});
afterAll(async () => {
  unfilter();
  await scene?.stop();
});

/** A session through to a decoded picture on the console; every connected path of both pages. */
async function relayedSession(name: string): Promise<{ phone: Path[]; console: Path[] }> {
  const { tech } = scene;
  const { phone, sessionId } = await customerJoins(scene, name);
  live = sessionId;
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
  return { phone: await pathsOf(phone), console: await pathsOf(tech) };
}

test('UDP only to the TURN server: both pages relay through it over UDP, and the picture comes', async () => {
  udpOnlyWhere([...toTurnPort, ...relayToJanus]);
  const { phone, console: tech } = await relayedSession('Boiler');
  // The phone publishes (and receives the voice) through the relay; so does the console.
  expect(phone.length).toBeGreaterThan(0);
  expect(tech.length).toBeGreaterThan(0);
  for (const path of [...phone, ...tech]) {
    expect(path.local).toBe('relay');
    expect(path.relayProtocol).toBe('udp');
  }
  await scene.tech
    .locator('[data-testid="stat-path"]')
    .filter({ hasText: 'through TURN relay · UDP' })
    .waitFor({ timeout: 10_000 });
  expect(scene.problems).toEqual([]);
}, 150_000);

test('no UDP to the TURN server either: relayed over TCP', async () => {
  udpOnlyWhere(relayToJanus);
  const { phone, console: tech } = await relayedSession('Heat pump');
  expect(phone.length).toBeGreaterThan(0);
  expect(tech.length).toBeGreaterThan(0);
  for (const path of [...phone, ...tech]) {
    expect(path.local).toBe('relay');
    expect(path.relayProtocol).toBe('tcp');
  }
  await scene.tech
    .locator('[data-testid="stat-path"]')
    .filter({ hasText: 'through TURN relay · TCP' })
    .waitFor({ timeout: 10_000 });
  expect(scene.problems).toEqual([]);
}, 150_000);
