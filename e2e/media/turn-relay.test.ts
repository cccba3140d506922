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
import {
  type Path,
  pathsOf,
  RELAY,
  RTP,
  relayToJanus,
  TURN,
  toTurnPort,
  udpOnlyWhere,
  unfilter,
} from './loopback-filter.ts';
import { waitForMedia } from './rtc-stats.ts';
import { customerJoins, startScene, type Scene } from './scene.ts';

let scene: Scene;

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
