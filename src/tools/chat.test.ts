// The chat on the real app (FakeJanus, PGlite, real sockets): a message from
// either side is stored first, then sent to both (the sender's own copy is its
// acknowledgement); both transcripts give it back, oldest first; text the
// contract's text rule refuses is refused with the reason and nothing stored;
// markup is kept as it was typed (the pages show it as text).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { CHAT_TEXT_MAX } from '../contract/limits.ts';
import { chatMessages } from '../db/schema.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { type ToolServer, toolServer } from './testing.ts';

let t: ToolServer;
beforeAll(async () => {
  t = await toolServer();
}, DATABASE_HOOK);
afterEach(() => t.closeSockets());
afterAll(() => t?.stop());

const owner = () => t.w.people.owner.cookie;
const transcripts = async (id: string, customer: string) => {
  const tech = await t.w.call('GET', `/api/sessions/${id}/messages`, { cookie: owner() });
  const lens = await t.w.call('GET', '/api/lens/messages', { cookie: customer });
  expect([tech.status, lens.status]).toEqual([200, 200]);
  return { technician: (await tech.json()).messages, customer: (await lens.json()).messages };
};
const stored = (id: string) => t.w.h.db.select().from(chatMessages).where(eq(chatMessages.sessionId, id));

describe('chat', () => {
  test('both ways: stored, sent to both sides, and given back by both transcripts in the order sent', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.joined(owner(), s.id);
    tech.send({ type: 'chat.send', sessionId: s.id, text: 'Which light is blinking?' });
    const first = await tech.tool();
    expect(first).toEqual({
      type: 'chat.message',
      sessionId: s.id,
      message: {
        id: expect.any(String),
        from: 'technician',
        text: 'Which light is blinking?',
        sentAt: t.w.h.clock.now().toISOString(),
      },
    });
    expect(await phone.tool()).toEqual(first);
    phone.send({ type: 'chat.send', text: 'The red one.\nSerial: AB-1234' });
    const second = await phone.tool();
    expect(second).toMatchObject({
      type: 'chat.message',
      message: { from: 'customer', text: 'The red one.\nSerial: AB-1234' },
    });
    expect(await tech.tool()).toEqual(second);
    tech.send({ type: 'chat.send', sessionId: s.id, text: '  Thanks!  ' });
    const third = await tech.tool();
    // Cleaned by the text rule: trimmed.
    expect(third).toMatchObject({ message: { text: 'Thanks!' } });
    await phone.tool();
    const sent = [first, second, third].map((m) => m.message);
    // The test's clock stands still, yet the transcript keeps the order they were sent in.
    expect(await transcripts(s.id, s.customer)).toEqual({ technician: sent, customer: sent });
  });

  test('a console that did not join the media still gets its own message back; other pages get nothing', async () => {
    const s = await t.session('active');
    const other = await t.session('active');
    const phone = await t.lens(s.customer);
    const otherPhone = await t.lens(other.customer);
    const tech = await t.console(owner());
    const theirConsole = await t.console(t.w.people.other.cookie);
    tech.send({ type: 'chat.send', sessionId: s.id, text: 'Hello' });
    const ack = await tech.tool();
    expect(ack).toMatchObject({
      type: 'chat.message',
      sessionId: s.id,
      message: { from: 'technician', text: 'Hello' },
    });
    expect(await phone.tool()).toEqual(ack);
    expect(await otherPhone.heard()).toEqual([]);
    expect(await theirConsole.heard()).toEqual([]);
    expect(await tech.heard()).toEqual([]);
  });

  test('allowed on hold; refused before Start and after the end, nothing stored', async () => {
    const held = await t.session('on_hold');
    const waiting = await t.session('waiting');
    const ended = await t.session('closed');
    const tech = await t.console(owner());
    const heldPhone = await t.lens(held.customer);
    heldPhone.send({ type: 'chat.send', text: 'Still there?' });
    expect(await heldPhone.tool()).toMatchObject({ type: 'chat.message', message: { text: 'Still there?' } });
    const waitingPhone = await t.lens(waiting.customer);
    waitingPhone.send({ type: 'chat.send', text: 'Hello?' });
    expect(await waitingPhone.tool()).toEqual({
      type: 'error',
      code: 'tool_not_allowed',
      message: 'This session is waiting: chat.send works only while it is active or on hold.',
    });
    for (const s of [waiting, ended]) {
      tech.send({ type: 'chat.send', sessionId: s.id, text: 'Hello' });
      expect(await tech.tool()).toMatchObject({ type: 'error', code: 'tool_not_allowed' });
      expect(await stored(s.id)).toEqual([]);
    }
    // An ended session's transcript is still the technician's to read.
    const res = await t.w.call('GET', `/api/sessions/${ended.id}/messages`, { cookie: owner() });
    expect(await res.json()).toEqual({ messages: [] });
  });

  test('NUL, a text-direction control, empty, blank and too long text are refused, naming the problem; nothing stored', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.console(owner());
    const bad: [string, string][] = [
      ['a\u0000b', 'control characters'],
      ['a\u202Eb', 'text-direction'],
      ['a\u2068b', 'text-direction'],
      ['', 'empty'],
      [' \n\t ', 'empty'],
      ['x'.repeat(CHAT_TEXT_MAX + 1), `at most ${CHAT_TEXT_MAX}`],
      ['\uD800', 'broken character'],
    ];
    for (const [text, problem] of bad) {
      tech.send({ type: 'chat.send', sessionId: s.id, text });
      const error = await tech.tool();
      expect(error).toMatchObject({ type: 'error', code: 'invalid_message' });
      expect(String(error.message)).toContain(problem);
      phone.send({ type: 'chat.send', text });
      expect(await phone.tool()).toEqual(error);
      // Each refusal costs a token (the chat's burst is 10): a later second refills them.
      t.w.h.clock.advance(1_000);
    }
    tech.send({ type: 'chat.send', sessionId: s.id, text: 42 });
    expect(await tech.tool()).toMatchObject({ type: 'error', code: 'invalid_message' });
    tech.send({ type: 'chat.send', sessionId: s.id, text: 'x'.repeat(CHAT_TEXT_MAX) });
    expect(await tech.tool()).toMatchObject({ type: 'chat.message' });
    expect((await stored(s.id)).map((r) => r.text.length)).toEqual([CHAT_TEXT_MAX]);
  });

  test('markup is stored and sent back exactly as typed: showing it as text is the pages’ job', async () => {
    const s = await t.session('active');
    const phone = await t.lens(s.customer);
    const tech = await t.joined(owner(), s.id);
    const text = '<img src=x onerror="alert(1)"> & <script>alert(2)</script> https://example.test/?a=1&b=2';
    phone.send({ type: 'chat.send', text });
    expect(await phone.tool()).toMatchObject({ message: { text } });
    expect(await tech.tool()).toMatchObject({ message: { text } });
    expect((await stored(s.id)).map((r) => r.text)).toEqual([text]);
    expect((await transcripts(s.id, s.customer)).technician).toMatchObject([{ text, from: 'customer' }]);
  });

  test('transcripts: only the own session for a technician (another is 404), only its own for a customer', async () => {
    const mine = await t.session('active');
    const theirs = await t.session('active', t.w.people.other.cookie);
    const theirPhone = await t.lens(theirs.customer);
    theirPhone.send({ type: 'chat.send', text: 'Private' });
    await theirPhone.tool();
    const res = await t.w.call('GET', `/api/sessions/${theirs.id}/messages`, { cookie: owner() });
    expect(res.status).toBe(404);
    expect((await t.w.call('GET', '/api/lens/messages', { cookie: mine.customer })).status).toBe(200);
    expect(await transcripts(mine.id, mine.customer)).toEqual({ technician: [], customer: [] });
    expect((await t.w.call('GET', '/api/lens/messages')).status).toBe(401);
  });

  test("the record's transcript: a viewer of the owner's group and an administrator read it, a viewer of another group does not", async () => {
    const mine = await t.session('active');
    const phone = await t.lens(mine.customer);
    phone.send({ type: 'chat.send', text: 'The valve is stuck' });
    await phone.tool();
    const theirs = await t.session('active', t.w.people.other.cookie);
    const read = (id: string, cookie: string) => t.w.call('GET', `/api/sessions/${id}/messages`, { cookie });
    const { people } = t.w;
    const owners = await (await read(mine.id, owner())).json();
    expect(owners.messages).toMatchObject([{ from: 'customer', text: 'The valve is stuck' }]);
    expect(await (await read(mine.id, people.viewer.cookie)).json()).toEqual(owners);
    expect(await (await read(mine.id, people.admin.cookie)).json()).toEqual(owners);
    expect((await read(theirs.id, people.admin.cookie)).status).toBe(200);
    expect((await read(theirs.id, people.viewer.cookie)).status).toBe(404);
    expect((await read(mine.id, people.other.cookie)).status).toBe(404);
  });
});
