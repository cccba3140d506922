// A sign-in that ends closes its console sockets at once (4401), on a real Bun
// server: logout ends that one sign-in, a password reset and disabling end
// every sign-in of the technician. The fake clock is never advanced in these
// tests and the periodic sign-in re-check runs on that clock (the last test
// shows it does), so the re-check cannot be what closes them: the sign-out is.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { createApp } from '../app.ts';
import { authSessions } from '../db/schema.ts';
import { LINK_RIGHTS } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { createGroup } from '../technicians/groups.ts';
import { createTechnician } from '../technicians/technicians.ts';
import { ADMIN, DATABASE_HOOK, harness, signIn, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { websocket } from './bun-socket.ts';
import { SocketRegistry } from './registry.ts';
import { openTestSocket, type TestSocket } from './test-socket.ts';

const PASSWORD = 'revocation password 1';
const SYSTEM = { type: 'system' } as const;

let h: Harness;
let server: ReturnType<typeof Bun.serve>;
let admin: string;
let n = 0;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  h = await harness();
  const app = createApp({ ...h, database: h.database, sockets: new SocketRegistry() });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
  admin = await signInAsAdmin(h);
}, DATABASE_HOOK);

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await server.stop(true);
});

async function newTechnician() {
  n++;
  const group = await createGroup(h, SYSTEM, { name: `Revocation ${n}`, rights: LINK_RIGHTS });
  const email = `revoked${n}@example.test`;
  return createTechnician(h, SYSTEM, { email, name: `Tech ${n}`, password: PASSWORD, groupId: group.id });
}

/** A console socket, past its snapshot. */
async function consoleSocket(cookie: string): Promise<TestSocket> {
  const sock = openTestSocket(`ws://127.0.0.1:${server.port}/ws/console`, {
    origin: `http://127.0.0.1:${server.port}`,
    cookie,
  });
  sockets.push(sock.ws);
  expect((await sock.next()).type).toBe('snapshot');
  return sock;
}

const create = async (cookie: string) => {
  const res = await h.call('POST', '/api/sessions', { cookie, body: { type: 'lens', name: 'Router', method: 'link' } });
  expect(res.status).toBe(201);
  return (await res.json()) as SessionView;
};

const status = async (method: string, path: string, cookie: string, body?: unknown) =>
  (await h.call(method, path, { cookie, body })).status;

/**
 * How the socket closed, or 'still open'. The wait is only a bound on a
 * failing test: with the clock frozen nothing but the sign-out can close it.
 */
const closeCode = (sock: TestSocket) =>
  Promise.race([sock.closed.then((c) => c.code), Bun.sleep(5_000).then(() => 'still open')]);

/** Messages from a page whose sign-in just ended: refused, with no answer (today's main answers them). */
function sendAfterSignOut(sock: TestSocket, sessionId: string) {
  if (sock.ws.readyState !== WebSocket.OPEN) return;
  sock.send({ type: 'ping' });
  sock.send({ type: 'media.join', sessionId });
}

/** Closed with 4401, having received nothing since the sign-out (no session update, no reply). */
async function signedOut(sock: TestSocket) {
  expect(await closeCode(sock)).toBe(4401);
  expect(sock.drain()).toEqual([]);
}

async function stillOpen(sock: TestSocket) {
  sock.send({ type: 'ping' });
  expect(await sock.next()).toEqual({ type: 'pong' });
  expect(sock.ws.readyState).toBe(WebSocket.OPEN);
}

const signInsOf = async (technicianId: string) =>
  (await h.db.select().from(authSessions).where(eq(authSessions.technicianId, technicianId))).length;

/**
 * Technician A signed in twice (a1, a2) and B once, a console socket each, and
 * a session of A's that both of A's sockets heard of, with its PIN.
 */
async function twoTechnicians() {
  const a = await newTechnician();
  const b = await newTechnician();
  const a1 = await signIn(h, a.email, PASSWORD);
  const a2 = await signIn(h, a.email, PASSWORD);
  const b1 = await signIn(h, b.email, PASSWORD);
  const socks = { a1: await consoleSocket(a1), a2: await consoleSocket(a2), b1: await consoleSocket(b1) };
  const session = await create(a1);
  for (const sock of [socks.a1, socks.a2])
    expect(await sock.next()).toMatchObject({ type: 'session', session: { id: session.id, pin: session.pin } });
  return { a, cookies: { a1, a2, b1 }, socks, session };
}

/** After the sign-out: A's session changes (the customer redeems its PIN) and B starts one. */
async function changesAfter(session: SessionView, b1: string) {
  expect((await h.call('POST', '/api/lens/redeem', { body: { pin: session.pin } })).status).toBe(200);
  return create(b1);
}

describe('a sign-in that ends closes its console sockets at once', () => {
  test('logout: that sign-in only; the same technician in another browser stays signed in', async () => {
    const { a, cookies, socks, session } = await twoTechnicians();
    expect(await status('POST', '/api/auth/logout', cookies.a1)).toBe(204);
    sendAfterSignOut(socks.a1, session.id);
    const bSession = await changesAfter(session, cookies.b1);

    await signedOut(socks.a1);
    expect(await socks.a2.next()).toMatchObject({ type: 'session', session: { id: session.id, state: 'connecting' } });
    await stillOpen(socks.a2);
    expect(await socks.b1.next()).toMatchObject({ type: 'session', session: { id: bSession.id } });
    await stillOpen(socks.b1);
    expect(await status('GET', '/api/auth/me', cookies.a1)).toBe(401);
    expect(await status('GET', '/api/auth/me', cookies.a2)).toBe(200);
    expect(await signInsOf(a.id)).toBe(1);
  });

  test.each([
    ['disabling', (id: string) => status('PATCH', `/api/technicians/${id}`, admin, { disabled: true }), 200],
    [
      'a password reset',
      (id: string) => status('POST', `/api/technicians/${id}/password`, admin, { password: 'a new password 2' }),
      204,
    ],
  ])('%s: every sign-in of the technician, and no one else', async (_cause, cause, expected) => {
    const { a, cookies, socks, session } = await twoTechnicians();
    expect(await cause(a.id)).toBe(expected);
    sendAfterSignOut(socks.a1, session.id);
    sendAfterSignOut(socks.a2, session.id);
    const bSession = await changesAfter(session, cookies.b1);

    await signedOut(socks.a1);
    await signedOut(socks.a2);
    expect(await socks.b1.next()).toMatchObject({ type: 'session', session: { id: bSession.id } });
    await stillOpen(socks.b1);
    for (const cookie of [cookies.a1, cookies.a2]) expect(await status('GET', '/api/auth/me', cookie)).toBe(401);
    expect(await signInsOf(a.id)).toBe(0);
  });

  test("an administrator resetting their own password keeps the sign-in they did it from, and ends the others'", async () => {
    const other = await signIn(h, ADMIN.email, ADMIN.password);
    const here = await consoleSocket(admin);
    const there = await consoleSocket(other);
    const me = (await (await h.call('GET', '/api/auth/me', { cookie: admin })).json()) as {
      technician: { id: string };
    };
    expect(
      await status('POST', `/api/technicians/${me.technician.id}/password`, admin, { password: 'new admin pw 3' }),
    ).toBe(204);
    await signedOut(there);
    await stillOpen(here);
    expect(await status('GET', '/api/auth/me', admin)).toBe(200);
    expect(await status('GET', '/api/auth/me', other)).toBe(401);
  });

  test('a change that leaves the sign-in (a new name, another group) leaves the sockets open', async () => {
    const { a, socks } = await twoTechnicians();
    const group = await createGroup(h, SYSTEM, { name: 'Elsewhere', rights: [] });
    expect(await status('PATCH', `/api/technicians/${a.id}`, admin, { name: 'Renamed', groupId: group.id })).toBe(200);
    await stillOpen(socks.a1);
    await stillOpen(socks.a2);
  });

  test('the periodic re-check runs on the clock: a sign-in gone behind its back closes once a minute passed', async () => {
    const a = await newTechnician();
    const sock = await consoleSocket(await signIn(h, a.email, PASSWORD));
    // No sign-out event: the row is simply gone, as when it expired.
    await h.db.delete(authSessions).where(eq(authSessions.technicianId, a.id));
    await stillOpen(sock);
    h.clock.advance(61_000);
    expect(await closeCode(sock)).toBe(4401);
  });
});
