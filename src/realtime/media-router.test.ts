// Media signalling across two Loupe "nodes" in one process, on a real
// PostgreSQL server and the real bundled Janus (API on loopback): each node
// has its own database client (named after it, as main.ts does), Events,
// event relay, node mail, MediaService and HTTP server, as two processes
// would. The phone's socket is on node A, the technician's console on node B.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.ts';
import { type Mail, startMail } from '../cluster/mail.ts';
import { actsOnMedia, nodeApplicationName, takeOverMediaOfGoneNodes } from '../cluster/media-home.ts';
import { heartbeat, leave } from '../cluster/nodes.ts';
import { type Relay, startRelay } from '../cluster/relay.ts';
import { loadConfig } from '../config.ts';
import { openDatabase, type Database } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { silentLogger } from '../log.ts';
import { followSessions, roomStore } from '../media/lifecycle.ts';
import { SDP } from '../media/sdp-samples.ts';
import { MediaService } from '../media/service.ts';
import { JanusSupervisor } from '../media/supervisor.ts';
import { VideoRoomAdmin } from '../media/videoroom.ts';
import { hasJanus } from '../media/testing.ts';
import { Events } from '../sessions/events.ts';
import { sessionRow, technician, type TestTechnician } from '../sessions/testing.ts';
import { harness, type Harness } from '../testing/harness.ts';
import { websocket } from './bun-socket.ts';
import { openTestSocket, type TestMessage } from './test-socket.ts';

const url = process.env.LOUPE_TEST_DATABASE_URL;

type Node = {
  id: string;
  deps: Deps;
  database: Database;
  relay: Relay;
  mail: Mail;
  media: MediaService;
  server: ReturnType<typeof Bun.serve>;
  origin: string;
  stop(): Promise<void>;
};

let h: Harness;
let janus: JanusSupervisor;
let janusDir: string;
let a: Node;
let b: Node;
let tess: TestTechnician;
const sockets: WebSocket[] = [];

async function node(id: string, leader: boolean): Promise<Node> {
  const database = await openDatabase({ url: url!, applicationName: nodeApplicationName(id) });
  const events = new Events();
  const deps: Deps = { ...h, db: database.db, events, nodeId: id };
  await heartbeat(database.db, id, h.clock.now());
  const relay = await startRelay({ pg: database.pg!, db: database.db, events, nodeId: id, log: silentLogger });
  const mail = await startMail({ pg: database.pg!, db: database.db, nodeId: id, log: silentLogger });
  const media = new MediaService({ janus, log: silentLogger, rooms: roomStore(deps) });
  media.start();
  await media.ready();
  const unfollow = followSessions(deps, media, undefined, (s) => actsOnMedia(deps, s, () => leader));
  const app = createApp({ ...deps, database, media, mail });
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
  const origin = `http://127.0.0.1:${server.port}`;
  let stopped = false;
  return {
    id,
    deps,
    database,
    relay,
    mail,
    media,
    server,
    origin,
    async stop() {
      if (stopped) return;
      stopped = true;
      unfollow();
      await server.stop(true);
      await mail.stop();
      await relay.stop();
      await media.stop();
      await database.close();
    },
  };
}

function connect(n: Node, path: string, cookie: string) {
  const sock = openTestSocket(`ws://127.0.0.1:${n.server.port}${path}`, { origin: n.origin, cookie });
  sockets.push(sock.ws);
  /** The next message that is not a state/session/snapshot update (nor a trickled candidate, unless asked for). */
  const next = async (ms = 10_000, skip = ['rtc.candidate']): Promise<TestMessage> => {
    for (;;) {
      const m = await sock.next(ms);
      if (!['state', 'session', 'snapshot', ...skip].includes(m.type)) return m;
    }
  };
  /** The next message of this type, skipping any other. */
  const nextOf = async (type: string, ms = 10_000): Promise<TestMessage> => {
    for (;;) {
      const m = await sock.next(ms);
      if (m.type === type) return m;
    }
  };
  return { opened: sock.opened, next, nextOf, send: sock.send };
}

function post(n: Node, path: string, cookie?: string, body?: unknown) {
  return fetch(`${n.origin}${path}`, {
    method: 'POST',
    headers: { origin: n.origin, 'content-type': 'application/json', ...(cookie && { cookie }) },
    body: JSON.stringify(body ?? {}),
  });
}

/** A session created and joined through node A: the customer waits for Start. */
async function waitingSession(): Promise<{ id: string; customer: string }> {
  // A technician has one live session at a time: each test has its own.
  tess = await technician(h);
  const s = (await (
    await post(a, '/api/sessions', tess.cookie, { type: 'lens', name: 'Two nodes', method: 'link' })
  ).json()) as { id: string; pin: string };
  const redeemed = await post(a, '/api/lens/redeem', undefined, { pin: s.pin });
  if (!redeemed.ok) throw new Error(`redeem: ${redeemed.status} ${await redeemed.text()} ${JSON.stringify(s)}`);
  const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  await post(a, '/api/lens/eula', customer, { accept: true });
  return { id: s.id, customer };
}

describe.skipIf(!url || !hasJanus)('media signalling across nodes', () => {
  beforeAll(async () => {
    h = await harness();
    janusDir = mkdtempSync(join(tmpdir(), 'loupe-media-'));
    janus = new JanusSupervisor({ media: loadConfig({}).media, dataDir: janusDir, log: silentLogger });
    await janus.start();
    a = await node('node-a', false);
    b = await node('node-b', true);
  }, 60_000);

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await a?.stop();
    await b?.stop();
    await janus?.stop();
    rmSync(janusDir, { recursive: true, force: true });
  });

  test("the phone on A, the console on B: B's signalling is handled by A's media, and Start on B opens A's room", async () => {
    const { id, customer } = await waitingSession();
    const lens = connect(a, '/ws/lens', customer);
    const tech = connect(b, '/ws/console', tess.cookie);
    await Promise.all([lens.opened, tech.opened]);
    lens.send({ type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
    expect(await lens.next()).toMatchObject({ type: 'rtc.answer', pc: 'publish' });
    expect((await sessionRow(h, id)).mediaNode).toBe('node-a');

    // The console's join goes to A; what A's media says comes back to the console on B.
    tech.send({ type: 'media.join', sessionId: id });
    expect(await tech.next()).toMatchObject({ type: 'media.peer', side: 'customer', offering: true });
    expect(a.media.peers(id)).toEqual({ customer: true, technician: true });
    expect(b.media.has(id)).toBe(false);
    // A refusal made on A reaches the console on B as it would on one node.
    tech.send({ type: 'rtc.answer', sessionId: id, sdp: 'not an SDP', subscription: 1 });
    expect(await tech.next()).toMatchObject({ type: 'media.error', sessionId: id, code: 'invalid_sdp' });

    // Start through B: the room is A's, Janus relays.
    const started = await post(b, `/api/sessions/${id}/start`, tess.cookie);
    expect(started.status).toBe(200);
    const row = await sessionRow(h, id);
    expect(row.state).toBe('active');
    expect(a.media.serverOf(id)).toBeDefined();
    expect(await janusHasRoom(row.roomId!)).toBe(true);

    // The end, through B: A destroys the room (it holds the media), B has none to destroy.
    await post(b, `/api/sessions/${id}/end`, tess.cookie);
    const deadline = Date.now() + 5_000;
    while ((await sessionRow(h, id)).roomId !== null && Date.now() < deadline) await Bun.sleep(50);
    expect((await sessionRow(h, id)).roomId).toBeNull();
    expect(a.media.has(id)).toBe(false);
  }, 30_000);

  test('another technician on B cannot signal for the session held on A', async () => {
    const { id, customer } = await waitingSession();
    const lens = connect(a, '/ws/lens', customer);
    await lens.opened;
    lens.send({ type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
    expect(await lens.next()).toMatchObject({ type: 'rtc.answer' });
    const other = await technician(h);
    const tech = connect(b, '/ws/console', other.cookie);
    await tech.opened;
    tech.send({ type: 'media.join', sessionId: id });
    expect(await tech.next()).toMatchObject({ type: 'error', code: 'not_found' });
    expect(a.media.peers(id)).toEqual({ customer: true, technician: false });
  }, 30_000);

  test("node A dies: the leader B takes its sessions' media over and the pages publish and join again there", async () => {
    const { id, customer } = await waitingSession();
    const lens = connect(a, '/ws/lens', customer);
    const tech = connect(b, '/ws/console', tess.cookie);
    await Promise.all([lens.opened, tech.opened]);
    lens.send({ type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
    expect(await lens.next()).toMatchObject({ type: 'rtc.answer' });
    tech.send({ type: 'media.join', sessionId: id });
    expect(await tech.next()).toMatchObject({ type: 'media.peer', side: 'customer' });
    expect(await post(b, `/api/sessions/${id}/start`, tess.cookie)).toHaveProperty('status', 200);

    // While A runs, B takes nothing over.
    expect(await takeOverMediaOfGoneNodes(b.deps)).toEqual([]);
    // A is killed: its connections to PostgreSQL close (its heartbeat row stays, as after a kill -9).
    await a.stop();
    const moved = await takeOverMediaOfGoneNodes(b.deps);
    expect(moved).toContainEqual({ sessionId: id, technicianId: tess.id });
    for (const m of moved) b.deps.events.mediaMoved({ ...m, node: b.id });
    expect(await tech.next()).toEqual({ type: 'media.restart', sessionId: id, reason: 'media_server_moved' });
    expect((await sessionRow(h, id)).mediaNode).toBe('node-b');

    // The phone comes back through B after the restart was sent: taking its old
    // connection for live, it only joins, and is told to publish anew.
    const phone = connect(b, '/ws/lens', customer);
    await phone.opened;
    phone.send({ type: 'media.join' });
    expect(await phone.nextOf('media.restart')).toEqual({
      type: 'media.restart',
      sessionId: id,
      reason: 'media_server_moved',
    });
    phone.send({ type: 'rtc.offer', sdp: SDP.chromiumPublishOffer });
    expect(await phone.next()).toMatchObject({ type: 'rtc.answer', pc: 'publish' });
    tech.send({ type: 'media.join', sessionId: id });
    expect(await tech.next()).toMatchObject({ type: 'media.peer', side: 'customer', offering: true });
    expect(b.media.peers(id)).toEqual({ customer: true, technician: true });
    await leave(b.database.db, 'node-a');
  }, 30_000);
});

async function janusHasRoom(room: number): Promise<boolean> {
  const ask = await VideoRoomAdmin.connect(janus.url, janus.apiSecret, undefined);
  try {
    return await ask.exists(room);
  } finally {
    await ask.close();
  }
}
