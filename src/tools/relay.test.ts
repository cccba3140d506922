// The live tools' relay on the real app (FakeJanus, PGlite, real sockets): a
// technician's tool message reaches the phone of that session, unchanged, and
// no other page; the phone's camera state reaches the consoles that joined;
// every message is refused outside the states, sides, sessions and rates
// TOOL_RULES allows, with an error to the sender and nothing relayed.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { STROKE_POINTS_MAX } from '../contract/limits.ts';
import { TOOL_RULES } from '../contract/tools.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { type ToolServer, toolServer } from './testing.ts';

let t: ToolServer;
beforeAll(async () => {
  t = await toolServer();
}, DATABASE_HOOK);
afterEach(() => t.closeSockets());
afterAll(() => t?.stop());

const stroke = (id: number, points: unknown) => ({
  id,
  kind: 'free',
  color: 'red',
  points,
  done: false,
  live: true,
});
const CAMERA = {
  torch: true,
  torchOn: false,
  zoom: { min: 1, max: 5, step: 0.1 },
  zoomLevel: 1,
  canSwitch: true,
  facing: 'environment',
  photo: 'take_photo',
};

describe('technician → phone', () => {
  test('every technician tool reaches the phone of that session as sent, and no other page', async () => {
    const s = await t.session('active');
    const sibling = await t.session('active');
    const theirs = await t.session('active', t.w.people.other.cookie);
    const phone = await t.lens(s.customer);
    const siblingPhone = await t.lens(sibling.customer);
    const theirPhone = await t.lens(theirs.customer);
    const tech = await t.joined(t.w.people.owner.cookie, s.id);
    const otherConsole = await t.joined(t.w.people.other.cookie, theirs.id);
    const sent = [
      { type: 'tool.pointer', sessionId: s.id, at: [0.25, 0.75] },
      { type: 'tool.pointer', sessionId: s.id, at: null },
      {
        type: 'tool.stroke',
        sessionId: s.id,
        stroke: stroke(1, [
          [0, 0],
          [1, 1],
        ]),
      },
      {
        type: 'tool.stroke',
        sessionId: s.id,
        stroke: {
          id: 2,
          kind: 'label',
          color: 'yellow',
          points: [[0.5, 0.5]],
          text: 'This one',
          done: true,
          live: false,
        },
      },
      { type: 'tool.undo', sessionId: s.id },
      { type: 'tool.clear', sessionId: s.id },
      { type: 'tool.freeze', sessionId: s.id, frozen: true },
      { type: 'tool.torch', sessionId: s.id, on: true },
      { type: 'tool.zoom', sessionId: s.id, level: 2.5 },
      { type: 'tool.camera', sessionId: s.id },
    ];
    for (const m of sent) tech.send(m);
    const got = [];
    for (const _ of sent) got.push(await phone.tool());
    expect(got).toEqual(sent);
    // Delivery is synchronous, so whatever the others were sent came before their pong.
    expect(await siblingPhone.heard()).toEqual([]);
    expect(await theirPhone.heard()).toEqual([]);
    expect(await otherConsole.heard()).toEqual([]);
    // The console is not sent its own tool messages back.
    expect(await tech.heard()).toEqual([]);
  });

  test('refused before Start, on hold, and after the end: tool_not_allowed, nothing relayed', async () => {
    const waiting = await t.session('waiting');
    const held = await t.session('on_hold');
    const ended = await t.session('closed');
    const waitingPhone = await t.lens(waiting.customer);
    const heldPhone = await t.lens(held.customer);
    const tech = await t.console(t.w.people.owner.cookie);
    for (const [s, state] of [
      [waiting, 'waiting'],
      [held, 'on hold'],
      [ended, 'closed'],
    ] as const) {
      tech.send({ type: 'tool.pointer', sessionId: s.id, at: [0.5, 0.5] });
      expect(await tech.tool()).toEqual({
        type: 'error',
        code: 'tool_not_allowed',
        message: `This session is ${state}: tool.pointer works only while it is active.`,
      });
    }
    expect(await waitingPhone.heard()).toEqual([]);
    expect(await heldPhone.heard()).toEqual([]);
  });

  test('the state is read again after every change: hold stops the pointer, resume lets it through', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.console(t.w.people.owner.cookie);
    const cookie = t.w.people.owner.cookie;
    const point = { type: 'tool.pointer', sessionId: s.id, at: [0.1, 0.2] };
    tech.send(point);
    expect(await phone.tool()).toEqual(point);
    expect((await t.w.call('POST', `/api/sessions/${s.id}/hold`, { cookie })).status).toBe(200);
    tech.send(point);
    expect(await tech.tool()).toMatchObject({ type: 'error', code: 'tool_not_allowed' });
    expect((await t.w.call('POST', `/api/sessions/${s.id}/resume`, { cookie })).status).toBe(200);
    tech.send(point);
    expect(await phone.tool()).toEqual(point);
  });

  test("another technician's session is refused exactly as a session that does not exist", async () => {
    const theirs = await t.session('active', t.w.people.other.cookie);
    const theirPhone = await t.lens(theirs.customer);
    const tech = await t.console(t.w.people.owner.cookie);
    tech.send({ type: 'tool.torch', sessionId: theirs.id, on: true });
    const refused = await tech.tool();
    tech.send({ type: 'tool.torch', sessionId: '00000000-0000-4000-8000-000000000000', on: true });
    const missing = await tech.tool();
    expect(refused).toEqual({ type: 'error', code: 'tool_not_allowed', message: 'No such session.' });
    expect(missing).toEqual(refused);
    tech.send({ type: 'chat.send', sessionId: theirs.id, text: 'hello' });
    expect(await tech.tool()).toEqual(refused);
    expect(await theirPhone.heard()).toEqual([]);
  });

  test('the customer cannot send a technician tool, nor the technician the phone’s camera state', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.joined(t.w.people.owner.cookie, s.id);
    phone.send({ type: 'tool.pointer', at: [0.5, 0.5] });
    expect(await phone.tool()).toEqual({
      type: 'error',
      code: 'tool_not_allowed',
      message: 'Only the technician sends tool.pointer.',
    });
    phone.send({ type: 'tool.freeze', sessionId: s.id, frozen: true });
    expect(await phone.tool()).toMatchObject({ type: 'error', code: 'tool_not_allowed' });
    tech.send({ type: 'tool.camera_state', sessionId: s.id, tools: CAMERA });
    expect(await tech.tool()).toEqual({
      type: 'error',
      code: 'tool_not_allowed',
      message: 'Only the customer sends tool.camera_state.',
    });
    expect(await tech.heard()).toEqual([]);
    expect(await phone.heard()).toEqual([]);
  });

  test('an oversize or malformed stroke is invalid_message and reaches nobody', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.console(t.w.people.owner.cookie);
    const many = Array.from({ length: STROKE_POINTS_MAX + 1 }, (_, i) => [i / 100, 0.5]);
    const bad = [
      stroke(1, many),
      stroke(1, []),
      stroke(1, [[1.01, 0.5]]),
      stroke(1, [[-0.01, 0.5]]),
      stroke(1, [['0.5', 0.5]]),
      stroke(1, [[0.5, 0.5, 0.5]]),
      { ...stroke(1, [[0.5, 0.5]]), color: 'purple' },
      { ...stroke(1, [[0.5, 0.5]]), kind: 'blob' },
      { ...stroke(0, [[0.5, 0.5]]) },
      { ...stroke(1, [[0.5, 0.5]]), extra: true },
      { ...stroke(1, [[0.5, 0.5]]), kind: 'label', text: 'x'.repeat(41) },
    ];
    for (const s_ of bad) {
      tech.send({ type: 'tool.stroke', sessionId: s.id, stroke: s_ });
      expect(await tech.tool()).toMatchObject({ type: 'error', code: 'invalid_message' });
    }
    tech.send({ type: 'tool.pointer', sessionId: s.id, at: [2, 0] });
    expect(await tech.tool()).toMatchObject({ type: 'error', code: 'invalid_message' });
    // A label the schema takes, holding what a person cannot see: refused by the text rule, naming it.
    for (const text of ['a\u0000b', 'a\u202Eb']) {
      tech.send({ type: 'tool.stroke', sessionId: s.id, stroke: { ...stroke(1, [[0.5, 0.5]]), kind: 'label', text } });
      const error = await tech.tool();
      expect(error).toMatchObject({ type: 'error', code: 'invalid_message' });
      expect(String(error.message)).toStartWith('Bad label text: ');
    }
    expect(await phone.heard()).toEqual([]);
  });

  test('past the rate, messages are dropped and the sender hears rate_limited once a second', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.console(t.w.people.owner.cookie);
    const { burst, perSecond } = TOOL_RULES['tool.camera'];
    const camera = { type: 'tool.camera', sessionId: s.id };
    for (let i = 0; i < burst + 5; i++) tech.send(camera);
    // Another type has its own bucket; queued after the accepted ones, it marks the end of what was relayed.
    const marker = { type: 'tool.pointer', sessionId: s.id, at: [0.5, 0.5] };
    tech.send(marker);
    const relayed = [];
    for (let m = await phone.tool(); m.type !== 'tool.pointer'; m = await phone.tool()) relayed.push(m);
    expect(relayed).toEqual(Array(burst).fill(camera));
    expect(await tech.heard()).toEqual([
      { type: 'error', code: 'rate_limited', message: 'Too many tool.camera messages: slow down.' },
    ]);
    // A second later (the test's clock) the bucket has refilled `perSecond`, and an excess is told again.
    t.w.h.clock.advance(1_000);
    for (let i = 0; i < perSecond + 1; i++) tech.send(camera);
    tech.send(marker);
    const later = [];
    for (let m = await phone.tool(); m.type !== 'tool.pointer'; m = await phone.tool()) later.push(m);
    expect(later).toEqual(Array(perSecond).fill(camera));
    expect(await tech.heard()).toEqual([expect.objectContaining({ code: 'rate_limited' })]);
  });
});

describe('phone → technician', () => {
  test("the camera state reaches the consoles that joined the session's media, with its session id", async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const joined = await t.joined(t.w.people.owner.cookie, s.id);
    const notJoined = await t.console(t.w.people.owner.cookie);
    const otherTech = await t.console(t.w.people.other.cookie);
    phone.send({ type: 'tool.camera_state', tools: CAMERA });
    expect(await joined.tool()).toEqual({ type: 'tool.camera_state', sessionId: s.id, tools: CAMERA });
    expect(await notJoined.heard()).toEqual([]);
    expect(await otherTech.heard()).toEqual([]);
    expect(await phone.heard()).toEqual([]);
  });

  test('the camera state is allowed on hold, refused before Start', async () => {
    const held = await t.session('on_hold');
    const waiting = await t.session('waiting');
    const heldConsole = await t.joined(t.w.people.owner.cookie, held.id);
    const heldPhone = await t.lens(held.customer);
    heldPhone.send({ type: 'tool.camera_state', tools: CAMERA });
    expect(await heldConsole.tool()).toMatchObject({ type: 'tool.camera_state', sessionId: held.id });
    const waitingPhone = await t.lens(waiting.customer);
    waitingPhone.send({ type: 'tool.camera_state', tools: CAMERA });
    expect(await waitingPhone.tool()).toEqual({
      type: 'error',
      code: 'tool_not_allowed',
      message: 'This session is waiting: tool.camera_state works only while it is active or on hold.',
    });
  });
});
