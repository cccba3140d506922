// The sockets on a real Bun server (app.request cannot upgrade).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { websocket } from './bun-socket.ts';
import { createApp } from '../app.ts';
import { SCOPES } from '../contract/org.ts';
import { harness, ORIGIN, DATABASE_HOOK, type Harness, signInAsAdmin } from '../testing/harness.ts';
import { SocketRegistry } from './registry.ts';
import { openTestSocket } from './test-socket.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';

let h: Harness;
let server: ReturnType<typeof Bun.serve>;
let tess: TestTechnician;
let registry: SocketRegistry;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  h = await harness();
  registry = new SocketRegistry();
  const app = createApp({ ...h, database: h.database, sockets: registry });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
  tess = await technician(h);
}, DATABASE_HOOK);

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await server.stop(true);
});

function connect(path: string, opts: { cookie?: string; origin?: string } = {}) {
  const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
    origin: opts.origin ?? `http://127.0.0.1:${server.port}`,
    cookie: opts.cookie,
  });
  sockets.push(sock.ws);
  return sock;
}

const create = (cookie: string, name = 'Router') =>
  h
    .call('POST', '/api/sessions', { cookie, body: { type: 'lens', name, method: 'link' } })
    .then((r) => r.json() as Promise<SessionView>);

describe('/ws/console', () => {
  test("sends a snapshot, then every change to the technician's own sessions, live", async () => {
    const before = await create(tess.cookie, 'Earlier');
    await h.call('POST', `/api/sessions/${before.id}/end`, { cookie: tess.cookie });
    const sock = connect('/ws/console', { cookie: tess.cookie });
    expect(await sock.opened).toBe(true);
    const snapshot = await sock.next();
    expect(snapshot.type).toBe('snapshot');
    expect((snapshot.sessions as SessionView[]).map((s) => [s.name, s.state])).toEqual([['Earlier', 'closed']]);

    const s = await create(tess.cookie);
    const created = await sock.next();
    expect(created).toMatchObject({ type: 'session', session: { id: s.id, state: 'invited', name: 'Router' } });
    await h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
    expect(await sock.next()).toMatchObject({ type: 'session', session: { id: s.id, state: 'connecting' } });
  });

  test("another technician's changes never reach the socket", async () => {
    const sock = connect('/ws/console', { cookie: tess.cookie });
    await sock.next(); // snapshot
    const other = await technician(h);
    await create(other.cookie);
    await expect(sock.next(500)).rejects.toThrow('no message');
  });

  test('malformed messages get an error reply and the socket stays open', async () => {
    const sock = connect('/ws/console', { cookie: tess.cookie });
    await sock.next();
    for (const bad of ['not json', '{"type":"start"}', '{"type":"ping","extra":1}', '[]', 'x'.repeat(20_000)]) {
      sock.ws.send(bad);
      expect(await sock.next()).toMatchObject({ type: 'error' });
    }
    sock.ws.send(JSON.stringify({ type: 'ping' }));
    expect(await sock.next()).toEqual({ type: 'pong' });
  });

  test('open sockets are known for shutdown, and forgotten once closed', async () => {
    const socks = [connect('/ws/console', { cookie: tess.cookie }), connect('/ws/console', { cookie: tess.cookie })];
    for (const s of socks) await s.next();
    expect(registry.size).toBe(2);
    socks[0]!.ws.close();
    await socks[0]!.closed;
    await Bun.sleep(100);
    expect(registry.size).toBe(1);
    registry.closeAll();
    expect((await socks[1]!.closed).code).toBe(1001);
    expect(registry.size).toBe(0);
  });

  test("no cookie, a forged cookie or another site's page cannot connect", async () => {
    for (const opts of [
      {},
      { cookie: 'loupe_session=forged' },
      { cookie: tess.cookie, origin: 'https://evil.example' },
    ]) {
      const sock = connect('/ws/console', opts);
      expect(await sock.opened).toBe(false);
    }
    const plain = await fetch(`http://127.0.0.1:${server.port}/ws/console`, {
      headers: { cookie: tess.cookie, origin: ORIGIN },
    });
    expect(plain.status).toBe(426);
  });

  test('an API token is refused, as on every browser-only route', async () => {
    const admin = await signInAsAdmin(h);
    const made = await h.call('POST', '/api/tokens', { cookie: admin, body: { name: 'CI', scopes: SCOPES } });
    const { token } = (await made.json()) as { token: string };
    const upgrade = (authorization: string) =>
      fetch(`http://127.0.0.1:${server.port}/ws/console`, {
        headers: { authorization, origin: ORIGIN, upgrade: 'websocket', connection: 'Upgrade' },
      });
    const known = await upgrade(`Bearer ${token}`);
    expect([known.status, ((await known.json()) as { error: { code: string } }).error.code]).toEqual([
      403,
      'token_not_allowed',
    ]);
    expect((await upgrade(`Bearer loupe_${'x'.repeat(43)}`)).status).toBe(401);
    // A cookie does not make a token acceptable.
    const both = await fetch(`http://127.0.0.1:${server.port}/ws/console`, {
      headers: { authorization: `Bearer ${token}`, cookie: tess.cookie, origin: ORIGIN, upgrade: 'websocket' },
    });
    expect(both.status).toBe(403);
  });
});

describe('/ws/lens', () => {
  test('the customer hears the state, and the end of the session', async () => {
    const s = await create(tess.cookie);
    const redeemed = await h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
    const cookie = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
    const sock = connect('/ws/lens', { cookie });
    expect(await sock.next()).toMatchObject({ type: 'state', session: { state: 'connecting' } });
    // The socket's arrival is itself a change (the customer is connected now): the same state again.
    expect(await sock.next()).toMatchObject({ type: 'state', session: { state: 'connecting' } });
    await h.call('POST', '/api/lens/eula', { cookie, body: { accept: true } });
    expect(await sock.next()).toMatchObject({ type: 'state', session: { state: 'waiting' } });
    await h.call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie });
    expect(await sock.next()).toMatchObject({ type: 'state', session: { state: 'closed' } });
    expect((await sock.closed).code).toBe(1000);
    // The ended session's cookie cannot open a socket again; neither can a technician's cookie.
    expect(await connect('/ws/lens', { cookie }).opened).toBe(false);
    expect(await connect('/ws/lens', { cookie: tess.cookie }).opened).toBe(false);
  });
});
