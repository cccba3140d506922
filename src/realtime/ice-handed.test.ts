// The pages get their ICE servers with their session: the Lens with its REST
// answers and every `state`, the console with its `snapshot`. With
// LOUPE_TURN_SECRET the TURN credential is an ephemeral one that coturn's
// use-auth-secret accepts (checked against real coturn in turn-coturn.test.ts):
// here, that it is computed from that secret and lives LOUPE_SESSION_MAX_HOURS + 1 h.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { createApp } from '../app.ts';
import type { IceServerView } from '../contract/ice.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { createLogger } from '../log.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { websocket } from './bun-socket.ts';
import { SocketRegistry } from './registry.ts';
import { openTestSocket } from './test-socket.ts';

const SECRET = 'a shared secret of the relay 42';
let h: Harness;
/** Every log line, at debug: neither the secret nor a credential may be in one. */
let lines: string[];
/** The credentials handed out in a test. */
const handed: string[] = [];
let server: ReturnType<typeof Bun.serve>;
let tess: TestTechnician;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  lines = [];
  h = await harness(
    {
      LOUPE_TURN_SERVER: 'turn.example.org:3478',
      LOUPE_TURN_SECRET: SECRET,
      LOUPE_STUN_SERVER: 'stun.example.org:3478',
      LOUPE_SESSION_MAX_HOURS: '8',
    },
    { log: createLogger('debug', (l) => lines.push(l)) },
  );
  const app = createApp({ ...h, database: h.database, sockets: new SocketRegistry() });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
  tess = await technician(h);
}, DATABASE_HOOK);

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await server.stop(true);
  for (const secret of [SECRET, ...handed.splice(0)]) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
});

function connect(path: string, cookie: string) {
  const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
    origin: `http://127.0.0.1:${server.port}`,
    cookie,
  });
  sockets.push(sock.ws);
  return sock;
}

/** The relay's entry: both transports, a credential coturn would recompute from the secret, expiring when it should. */
function expectEphemeralTurn(servers: IceServerView[] | undefined) {
  expect(servers?.[0]).toEqual({ urls: ['stun:stun.example.org:3478'] });
  const turn = servers?.[1];
  expect(turn?.urls).toEqual(['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp']);
  const [expiry, label] = turn!.username!.split(':');
  expect(label).toBe('page');
  expect(Number(expiry)).toBe(Math.floor(h.clock.now().getTime() / 1000) + 9 * 3600);
  expect(turn!.credential).toBe(createHmac('sha1', SECRET).update(turn!.username!).digest('base64'));
  expect(JSON.stringify(servers)).not.toContain(SECRET);
  handed.push(turn!.credential!);
}

describe('ICE servers handed to the pages', () => {
  test('the Lens: with the redeemed session, GET /api/lens/session, the EULA answer, and every state', async () => {
    const s = (await (
      await h.call('POST', '/api/sessions', {
        cookie: tess.cookie,
        body: { type: 'lens', name: 'Router', method: 'link' },
      })
    ).json()) as SessionView;
    const redeemed = await h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
    expectEphemeralTurn(((await redeemed.json()) as { iceServers?: IceServerView[] }).iceServers);
    const cookie = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
    const current = await h.call('GET', '/api/lens/session', { cookie });
    expectEphemeralTurn(((await current.json()) as { iceServers?: IceServerView[] }).iceServers);

    const sock = connect('/ws/lens', cookie);
    const first = await sock.next();
    expect(first.type).toBe('state');
    expectEphemeralTurn(first.iceServers as IceServerView[]);
    await sock.next(); // the customer's arrival
    // Later states carry a credential that expires later: the page's next ICE restart uses it.
    h.clock.advance(60_000);
    const eula = await h.call('POST', '/api/lens/eula', { cookie, body: { accept: true } });
    expectEphemeralTurn(((await eula.json()) as { iceServers?: IceServerView[] }).iceServers);
    const waiting = await sock.next();
    expect(waiting).toMatchObject({ type: 'state', session: { state: 'waiting' } });
    expectEphemeralTurn(waiting.iceServers as IceServerView[]);
    expect((waiting.iceServers as IceServerView[])[1]!.username).not.toBe(
      (first.iceServers as IceServerView[])[1]!.username,
    );
  });

  test("the console: with its socket's snapshot", async () => {
    const sock = connect('/ws/console', tess.cookie);
    const snapshot = await sock.next();
    expect(snapshot.type).toBe('snapshot');
    expectEphemeralTurn(snapshot.iceServers as IceServerView[]);
  });
});
