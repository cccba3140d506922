// Property-based fuzzing of both sockets on a real Bun server: every message
// type of /ws/console (a technician's) and /ws/lens (a customer's, its session
// live on FakeJanus), generated from the contract's message schemas (valid,
// almost valid, hostile), then raw frames (not JSON, binary, too large, deeply
// nested). After each frame a ping must be answered, so the socket still works;
// a message the contract refuses gets an `error` event; every event keeps the
// contract (test-socket.ts checks each), names no session but the socket's own,
// and shows no internals; a refused message writes nothing. Bystanders' sockets
// (another technician's console, another customer's page) keep working and
// hear nothing of it.
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { inArray } from 'drizzle-orm';
import { lensSessions } from '../../db/schema.ts';
import fc from 'fast-check';
import type { z } from 'zod';
import { MAX_SOCKET_MESSAGE_BYTES } from '../../contract/limits.ts';
import { consoleMessage, lensMessage } from '../../contract/socket.ts';
import { websocket } from '../../realtime/bun-socket.ts';
import { SocketRegistry } from '../../realtime/registry.ts';
import { openTestSocket, type TestMessage, type TestSocket } from '../../realtime/test-socket.ts';
import { DATABASE_HOOK } from '../harness.ts';
import { buildWorld, type World } from '../world.ts';
import {
  almostValid,
  hostileValue,
  type JsonSchema,
  jsonSchemaOf,
  nested,
  rawBody,
  validValue,
} from './arbitraries.ts';
import { changedTables, clip, count, internalsIn, printStats, runProperty, tableDigests } from './invariants.ts';

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };
/** A frame just under the size limit: nested arrays as deep as it allows. */
const DEEPEST = Math.floor((MAX_SOCKET_MESSAGE_BYTES - 2) / 2);

type Frame = { text: string } | { binary: Uint8Array };
type Side = {
  name: 'console' | 'lens';
  schema: z.ZodType;
  sock: TestSocket;
  /** The sessions this socket may hear of. */
  mine: Set<string>;
};

let w: World;
let server: ReturnType<typeof Bun.serve>;
let sides: Record<'console' | 'lens', Side>;
let bystanders: { sock: TestSocket; mine: Set<string> }[];
const opened: TestSocket[] = [];

async function connect(path: string, cookie: string | undefined): Promise<TestSocket> {
  const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
    origin: `http://127.0.0.1:${server.port}`,
    cookie,
  });
  opened.push(sock);
  if (!(await sock.opened)) throw new Error(`${path} did not open`);
  await sock.next(); // the snapshot, or the page's first state
  return sock;
}

beforeEach(async () => {
  const registry = new SocketRegistry();
  w = await buildWorld({ sockets: registry });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => w.app.fetch(req, srv), websocket });
  const ownIds = new Set(Object.values(w.own).map((t) => t.view.id));
  const active = w.own.active;
  sides = {
    console: {
      name: 'console',
      schema: consoleMessage,
      sock: await connect('/ws/console', w.people.owner.cookie),
      mine: ownIds,
    },
    lens: {
      name: 'lens',
      schema: lensMessage,
      sock: await connect('/ws/lens', active.customer),
      mine: new Set([active.view.id]),
    },
  };
  const otherIds = new Set(Object.values(w.others).map((t) => t.view.id));
  bystanders = [
    { sock: await connect('/ws/console', w.people.other.cookie), mine: otherIds },
    { sock: await connect('/ws/lens', w.others.active.customer), mine: new Set([w.others.active.view.id]) },
  ];
  // A Lens socket's arrival (presence) is written after its first state: wait
  // until both are in the table, and drain the state each pushes, so that no
  // fuzz case finds the row changing under it (seen once on PostgreSQL).
  const lensIds = [active.view.id, w.others.active.view.id];
  for (let i = 0; i < 200; i++) {
    const rows = await w.h.db
      .select({ leftAt: lensSessions.customerLeftAt })
      .from(lensSessions)
      .where(inArray(lensSessions.id, lensIds));
    if (rows.length === lensIds.length && rows.every((r) => r.leftAt === null)) break;
    await Bun.sleep(10);
  }
  for (const sock of [sides.lens.sock, bystanders[1]!.sock]) await settle(sock);
}, DATABASE_HOOK);

afterEach(async () => {
  for (const s of opened.splice(0)) s.ws.close();
  await server.stop(true);
  await w.stop();
});
afterAll(printStats);

/** The sessions an event names. */
function sessionsIn(m: TestMessage): string[] {
  const ids: string[] = [];
  if (typeof m.sessionId === 'string') ids.push(m.sessionId);
  const one = m.session as { id?: string } | undefined;
  if (one?.id) ids.push(one.id);
  for (const s of (m.sessions as { id: string }[] | undefined) ?? []) ids.push(s.id);
  return ids;
}

/** The events until `pongs` pongs came back; each is checked against the contract by test-socket.ts. */
async function untilPong(sock: TestSocket, pongs: number): Promise<TestMessage[]> {
  const got: TestMessage[] = [];
  while (pongs > 0) {
    const m = await sock.next(5_000).catch((err: Error) => {
      throw new Error(`the socket stopped answering (${err.message})`);
    });
    if (m.type === 'pong') pongs--;
    else got.push(m);
  }
  return got;
}

/** What else arrives until the socket is quiet for a moment. */
async function settle(sock: TestSocket, quietMs = 40): Promise<TestMessage[]> {
  const got: TestMessage[] = [];
  for (;;) {
    const m = await sock.next(quietMs).catch((err: Error) => {
      if (err.message === 'no message') return undefined;
      throw err;
    });
    if (!m) return got;
    got.push(m);
  }
}

// A refused SDP or candidate is answered before any session is looked up
// (src/realtime/signalling.ts): its media.error echoes the id the frame named
// whether or not that session exists, so it says nothing about anyone's sessions.
const REFUSED_BEFORE_LOOKUP = new Set(['invalid_sdp', 'invalid_candidate']);
const echoesOwnFrame = (e: TestMessage, sent: string) =>
  e.type === 'media.error' &&
  REFUSED_BEFORE_LOOKUP.has(String(e.code)) &&
  typeof e.sessionId === 'string' &&
  sent.includes(e.sessionId);

function foreign(events: TestMessage[], mine: Set<string>, sent = ''): string | undefined {
  for (const e of events) {
    if (echoesOwnFrame(e, sent)) continue;
    const other = sessionsIn(e).find((id) => !mine.has(id));
    if (other) return `${e.type} names session ${other}, not this socket's: ${clip(JSON.stringify(e), 300)}`;
  }
  return undefined;
}

/** Sends one frame and checks every invariant. */
async function check(side: Side, label: string, frame: Frame): Promise<void> {
  const text = 'text' in frame ? frame.text : undefined;
  let value: unknown;
  try {
    value = text === undefined ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }
  const fits = text !== undefined && text.length <= MAX_SOCKET_MESSAGE_BYTES;
  const parsed = fits && value !== undefined ? side.schema.safeParse(value) : undefined;
  const refused = !parsed?.success;
  const before = refused ? await tableDigests(w.h.db) : undefined;
  side.sock.ws.send('text' in frame ? frame.text : (frame.binary as Uint8Array<ArrayBuffer>));
  side.sock.send({ type: 'ping' });
  const ping = parsed?.success && (parsed.data as { type: string }).type === 'ping';
  const events = await untilPong(side.sock, ping ? 2 : 1);
  // An accepted message's answer comes after the media server's (FakeJanus's) reply, later than the pong.
  if (!refused) events.push(...(await settle(side.sock)));
  const sent = text ?? '';
  for (const e of events)
    count(`/ws/${side.name} ${label}`, e.type === 'error' || e.type === 'media.error' ? `${e.type} ${e.code}` : e.type);
  const what = `/ws/${side.name} got ${clip(sent, 200)} and answered ${clip(JSON.stringify(events), 600)}`;
  if (refused && !events.some((e) => e.type === 'error'))
    throw new Error(`${what}: a message the contract refuses got no error`);
  const leak = events
    .filter((e) => e.type === 'error' || e.type === 'media.error')
    .map((e) => internalsIn(String(e.message), sent))
    .find(Boolean);
  if (leak) throw new Error(`${what}: ${leak}`);
  const elsewhere = foreign(events, side.mine, sent);
  if (elsewhere) throw new Error(`${what}: ${elsewhere}`);
  if (before) {
    const written = changedTables(before, await tableDigests(w.h.db));
    if (written.length) throw new Error(`${what}, yet it changed ${written.join(', ')}`);
  }
}

/** The schema of one message type, from the union's JSON Schema. */
function branchOf(schema: z.ZodType, type: string): JsonSchema {
  const union = jsonSchemaOf(schema);
  const branch = (union.oneOf ?? union.anyOf ?? []).find((b) => b.properties?.type?.const === type);
  if (!branch) throw new Error(`no message type ${type}`);
  return branch;
}

function typesOf(schema: z.ZodType): string[] {
  const union = jsonSchemaOf(schema);
  return (union.oneOf ?? union.anyOf ?? []).map((b) => String(b.properties?.type?.const));
}

function framesOf(branch: JsonSchema): fc.Arbitrary<Frame> {
  const ids = w.ids();
  const hints = {
    sessionId: fc.oneof(fc.constantFrom(...ids), fc.uuid()),
    sdp: fc.constantFrom(OFFER, OFFER.replace('m=audio', 'm=video'), `${OFFER}a=\u0000\r\n`),
    candidate: fc.constantFrom(CANDIDATE, null, { candidate: '' }),
  };
  const value = fc.oneof(
    { arbitrary: validValue(branch, hints), weight: 3 },
    { arbitrary: almostValid(branch, hints), weight: 5 },
  );
  return value.map((v) => ({ text: JSON.stringify(v) }));
}

function rawFrames(): fc.Arbitrary<Frame> {
  const deep = [JSON.stringify(nested(DEEPEST)), `{"type":"ping","x":${JSON.stringify(nested(DEEPEST - 12))}}`];
  return fc.oneof(
    rawBody().map((b) => ({ text: b.raw })),
    fc.constantFrom(...deep).map((text) => ({ text })),
    hostileValue().map((v) => ({ text: JSON.stringify(v) ?? 'undefined' })),
    fc
      .constantFrom('x'.repeat(MAX_SOCKET_MESSAGE_BYTES + 1), '{"type":"ping"}'.padEnd(MAX_SOCKET_MESSAGE_BYTES + 1))
      .map((text) => ({ text })),
    fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })),
  );
}

/** After the run: every socket still answers, the bystanders heard nothing that is not theirs, and HTTP still serves. */
async function stillServes(): Promise<void> {
  for (const { sock, mine } of [...Object.values(sides), ...bystanders]) {
    sock.send({ type: 'ping' });
    const events = await untilPong(sock, 1);
    expect(foreign(events, mine)).toBeUndefined();
  }
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
}

for (const name of ['console', 'lens'] as const) {
  describe(`/ws/${name}, fuzzed`, () => {
    const schema = name === 'console' ? consoleMessage : lensMessage;
    for (const type of typesOf(schema)) {
      test(type, async () => {
        const side = sides[name];
        await runProperty(
          `${name} ${type}`,
          fc.asyncProperty(framesOf(branchOf(schema, type)), (f) => check(side, type, f)),
        );
        await stillServes();
      });
    }
    test('raw frames: not JSON, binary, too large, deeply nested, any JSON value', async () => {
      await runProperty(
        `${name} raw`,
        fc.asyncProperty(rawFrames(), (f) => check(sides[name], 'raw', f)),
      );
      await stillServes();
    });
  });
}
