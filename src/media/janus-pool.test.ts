// The pool of Janus servers on two FakeJanus and the real room store (PGlite):
// new sessions go to the healthy server with the fewest live sessions, the row
// names it, and a server that dies has its sessions moved to the other, the
// pages told to publish and subscribe there. A server that keeps its socket
// open but stops answering (hung) is found by the health check and is dead at
// once: the checks have already waited longer than the grace.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createApp } from '../app.ts';
import { createLogger } from '../log.ts';
import { findSignallingSession } from '../realtime/signalling-session.ts';
import { sessionRow, technician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { callerFor, DATABASE_HOOK, harness, type Caller, type Harness } from '../testing/harness.ts';
import { FakeJanus } from './fake-janus.ts';
import { JanusPool, placeRoom } from './janus-pool.ts';
import { roomStore } from './lifecycle.ts';
import { MediaService } from './service.ts';
import { page } from './testing.ts';

describe('placeRoom', () => {
  test('the healthy server with the fewest live sessions; ties to the first listed; none healthy: none', () => {
    const a = { id: 'a:1', healthy: true, live: 3 };
    const b = { id: 'b:1', healthy: true, live: 2 };
    const c = { id: 'c:1', healthy: false, live: 0 };
    expect(placeRoom([a, b, c])).toBe('b:1');
    expect(placeRoom([a, { ...b, live: 3 }])).toBe('a:1');
    expect(placeRoom([a, b], 'b:1')).toBe('a:1');
    expect(placeRoom([c])).toBeUndefined();
  });
});

let h: Harness;
let call: Caller;
let media: MediaService;
const fakes = { 'a:8188': new FakeJanus(), 'b:8188': new FakeJanus() };
type Id = keyof typeof fakes;
const source = (id: Id) => ({
  url: `fake://${id}`,
  apiSecret: undefined,
  roomAdminKey: fakes[id].roomAdminKey,
  onReady: (handler: () => void) => fakes[id].onReady(handler),
});

beforeAll(async () => {
  h = await harness();
  media = new MediaService({
    janus: fakes['a:8188'],
    log: h.log,
    rooms: roomStore(h),
    pool: (Object.keys(fakes) as Id[]).map((id) => ({ id, source: source(id) })),
    connect: (address) => fakes[address.url.slice('fake://'.length) as Id].connect(address),
    graceMs: 50,
  });
  media.start();
  for (let i = 0; i < 100 && !media.connected; i++) await Bun.sleep(10);
  call = callerFor(createApp({ ...h, database: h.database, media }));
}, DATABASE_HOOK);
afterAll(async () => {
  await media?.stop();
});

/** A new link session, each of its own technician (one open session each; MediaService asks nothing of its state). */
async function waitingSession(): Promise<string> {
  const tech = await technician(h);
  const res = await call('POST', '/api/sessions', {
    cookie: tech.cookie,
    body: { type: 'lens', name: 'Boiler', method: 'link' },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as SessionView).id;
}

async function joinAs(id: string) {
  const technicianPage = page();
  await media.join((await findSignallingSession(h, id))!, 'technician', technicianPage);
  return technicianPage;
}

describe('a pool of two Janus servers', () => {
  const sessions: { id: string; page: ReturnType<typeof page> }[] = [];

  test('new sessions are spread by the fewest live sessions, and each row names its server', async () => {
    for (let i = 0; i < 3; i++) {
      const id = await waitingSession();
      sessions.push({ id, page: await joinAs(id) });
    }
    const servers = sessions.map((s) => media.serverOf(s.id));
    expect(servers).toEqual(['a:8188', 'b:8188', 'a:8188']);
    for (const s of sessions) {
      const row = await sessionRow(h, s.id);
      expect(row.janusServer).toBe(media.serverOf(s.id)!);
      expect(fakes[row.janusServer as Id].rooms()).toContain(row.roomId!);
    }
  });

  test('a Janus that dies: its sessions move to the other, the row follows, the pages publish there again', async () => {
    const onA = sessions.filter((s) => media.serverOf(s.id) === 'a:8188');
    const onB = sessions.filter((s) => media.serverOf(s.id) === 'b:8188');
    fakes['a:8188'].kill();
    for (const s of onA) {
      expect(await s.page.next('media.interrupted')).toMatchObject({ reason: 'media_server_down' });
      expect(await s.page.next('media.restart')).toMatchObject({ reason: 'media_server_moved' });
      expect(media.serverOf(s.id)).toBe('b:8188');
      const row = await sessionRow(h, s.id);
      expect(row.janusServer).toBe('b:8188');
      expect(fakes['b:8188'].rooms()).toContain(row.roomId!);
      // The page joins again, as the console does on media.restart: in the new room.
      await media.join((await findSignallingSession(h, s.id))!, 'technician', s.page);
    }
    for (const s of onB) expect(s.page.inbox.map((m) => m.type)).not.toContain('media.restart');
    // A new session while A is down goes to B.
    const id = await waitingSession();
    await joinAs(id);
    expect(media.serverOf(id)).toBe('b:8188');
  });
});

describe('the health check', () => {
  /** A pool of two FakeJanus whose health check is answered when `answers` (per server id) says so. */
  function checkedPool(answers: Record<'a' | 'b', () => boolean>) {
    const janus = { a: new FakeJanus(), b: new FakeJanus() };
    const lines: Record<string, unknown>[] = [];
    const events: string[] = [];
    const pool = new JanusPool({
      members: (['a', 'b'] as const).map((id) => ({
        id,
        source: {
          url: `fake://${id}`,
          apiSecret: undefined,
          roomAdminKey: janus[id].roomAdminKey,
          onReady: () => () => {},
        },
      })),
      log: createLogger('debug', (l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
      connect: (address) => janus[address.url.slice('fake://'.length) as 'a' | 'b'].connect(address),
      lost: (id) => events.push(`lost ${id}`),
      back: (id) => events.push(`back ${id}`),
      dead: (id) => events.push(`dead ${id}`),
      probe: async (source) => {
        if (!answers[source.url.slice('fake://'.length) as 'a' | 'b']()) throw new Error('no answer');
      },
      // A grace far longer than the test: a hang must not wait for it.
      graceMs: 60_000,
      healthMs: 10,
    });
    return { pool, lines, events };
  }

  async function until(what: () => boolean): Promise<void> {
    for (let i = 0; i < 300 && !what(); i++) await Bun.sleep(10);
    expect(what()).toBe(true);
  }

  test('a server that stops answering is dropped and dead at once, without another grace; the other stays', async () => {
    let answering = true;
    const { pool, lines, events } = checkedPool({ a: () => answering, b: () => true });
    pool.start();
    try {
      await until(() => pool.healthy('a') && pool.healthy('b'));
      await Bun.sleep(50);
      expect(events).toEqual([]);
      answering = false;
      await until(() => events.includes('dead a'));
      expect(events).toEqual(['lost a', 'dead a']);
      expect(pool.isDead('a')).toBe(true);
      expect(pool.healthy('b')).toBe(true);
      expect(lines.find((l) => l.msg === 'Janus does not answer its health check')).toMatchObject({
        janus: 'a',
        misses: 2,
      });
    } finally {
      await pool.stop();
    }
  });

  test('a single unanswered check is not a loss: the misses count in a row', async () => {
    let asked = 0;
    // Server a misses every other check, never two in a row.
    const { pool, events } = checkedPool({ a: () => asked++ % 2 === 0, b: () => true });
    pool.start();
    try {
      await until(() => pool.healthy('a') && pool.healthy('b'));
      await until(() => asked >= 20);
      expect(events).toEqual([]);
      expect(pool.healthy('a')).toBe(true);
    } finally {
      await pool.stop();
    }
  });
});
