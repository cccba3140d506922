// The session report and the notes on the real app (FakeJanus, PGlite, real
// sockets): a session taken from the invitation to its end through every
// kind of event comes back with each in its place on the timeline, the
// EULA's hash, the device, the quality samples, photos, chat and notes; a
// technician of another group is told the session does not exist; bad notes
// change nothing.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { NOTES_MAX } from '../contract/limits.ts';
import type { Report } from '../contract/records.ts';
import { createAuthSession, SESSION_COOKIE } from '../auth/sessions.ts';
import { auditLog, lensSessions } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { getEula } from '../settings/eula.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { png } from '../tools/test-images.ts';
import { type ToolServer, toolServer } from '../tools/testing.ts';
import { QUALITY_SAMPLE_MIN_MS } from './quality.ts';

let t: ToolServer;
/** Sign-ins made on the real clock's time (see step), by person. */
const cookie = { owner: '', other: '', bystander: '' };
beforeAll(async () => {
  t = await toolServer();
  t.w.h.clock.set(new Date());
  for (const who of ['owner', 'other', 'bystander'] as const) {
    const { token } = await transaction(t.w.h.db, (tx) =>
      createAuthSession(tx, t.w.h, t.w.people[who].id, { address: '127.0.0.1', userAgent: 'test' }),
    );
    cookie[who] = `${SESSION_COOKIE}=${token}`;
  }
}, DATABASE_HOOK);
afterEach(() => t.closeSockets());
afterAll(() => t?.stop());

const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36';
const SAMPLE = { bitrateKbps: 1500, fps: 30, width: 1280, height: 720, rttMs: 40, lossPercent: 0, jitterMs: 8 };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
  const answer = await res;
  if (answer.status !== status) throw new Error(`${answer.url}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as T;
}

/**
 * The audit rows are stamped by the database's clock and chat by the app's:
 * the test's clock follows the real one at each step (and steps are a few ms
 * apart), so both agree on the order, as they do in production. The world's
 * sign-ins were made a week before, on the fake clock: `cookie` has new ones.
 */
async function step() {
  await Bun.sleep(3);
  t.w.h.clock.set(new Date());
}

/** A session through every stage and tool, ended; its id. */
async function fullSession(): Promise<string> {
  const owner = cookie.owner;
  await step();
  const created = await ok<{ id: string; pin: string }>(
    t.w.call('POST', '/api/sessions', {
      cookie: owner,
      body: { type: 'lens', name: 'Boiler', method: 'sms', phone: '+31612345670', reference: 'CASE-7' },
    }),
    201,
  );
  const id = created.id;
  await step();
  const redeemed = await t.w.call('POST', '/api/lens/redeem', {
    body: { pin: created.pin },
    headers: { 'user-agent': UA },
  });
  expect(redeemed.status).toBe(200);
  const customer = redeemed.headers
    .getSetCookie()
    .find((c) => c.startsWith('loupe_lens='))!
    .split(';')[0]!;
  await step();
  // The customer switched the Lens to Dutch before accepting.
  await ok(t.w.call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true, language: 'nl' } }));
  await step();
  await ok(t.w.call('POST', `/api/sessions/${id}/start`, { cookie: owner }));
  const tech = await t.joined(owner, id);
  const phone = await t.lens(customer);
  await step();
  tech.send({ type: 'stats.sample', sessionId: id, sample: SAMPLE });
  tech.send({ type: 'tool.pointer', sessionId: id, at: [0.5, 0.5] });
  tech.send({ type: 'tool.pointer', sessionId: id, at: [0.6, 0.5] });
  await tech.heard();
  await step();
  tech.send({ type: 'tool.freeze', sessionId: id, frozen: true });
  await tech.heard();
  await step();
  tech.send({ type: 'tool.freeze', sessionId: id, frozen: false });
  await tech.heard();
  await step();
  tech.send({ type: 'chat.send', sessionId: id, text: 'Show me the label, please.' });
  await tech.heard();
  // The customer answers what reached the phone: the question is stored before the answer is sent.
  for (let m = await phone.tool(); m.type !== 'chat.message'; m = await phone.tool());
  await step();
  phone.send({ type: 'chat.send', text: 'Here: https://example.com/manual' });
  await phone.heard();
  await step();
  const { snapshot } = await ok<{ snapshot: { id: string } }>(
    t.w.call('POST', `/api/sessions/${id}/snapshots`, { cookie: owner }),
    202,
  );
  await ok(t.w.call('POST', `/api/lens/snapshots/${snapshot.id}`, { cookie: customer, bytes: png(64, 48) }), 201);
  await step();
  await ok(t.w.call('POST', `/api/sessions/${id}/hold`, { cookie: owner }));
  await step();
  // The next sample is due (only a sample's own time is ahead; no event follows it before the clock is set back).
  t.w.h.clock.advance(QUALITY_SAMPLE_MIN_MS);
  tech.send({ type: 'stats.sample', sessionId: id, sample: { ...SAMPLE, fps: null, bitrateKbps: 20 } });
  await tech.heard();
  await step();
  await ok(t.w.call('POST', `/api/sessions/${id}/resume`, { cookie: owner }));
  await step();
  await ok(t.w.call('POST', `/api/sessions/${id}/end`, { cookie: owner }));
  return id;
}

describe('GET /api/sessions/:id/report', () => {
  let id: string;
  let report: Report;
  beforeAll(async () => {
    id = await fullSession();
    await step();
    await ok(
      t.w.call('PUT', `/api/sessions/${id}/notes`, {
        cookie: cookie.owner,
        body: { text: 'Valve replaced.' },
      }),
    );
    report = await ok<Report>(t.w.call('GET', `/api/sessions/${id}/report`, { cookie: cookie.owner }));
  }, 120_000);

  test('every kind of event, in the order it happened, with its actor', () => {
    const kinds = report.timeline.map((e) => (e.kind === 'tool.used' ? `tool.used:${e.details.tool}` : e.kind));
    expect(kinds).toEqual([
      'session.invited',
      'sms.queued',
      'session.opened',
      'session.eula_accepted',
      'session.started',
      'tool.used:pointer',
      'tool.used:freeze',
      'tool.used:unfreeze',
      'chat.message',
      'chat.message',
      'snapshot.taken',
      'session.on_hold',
      'session.resumed',
      'session.closed',
      // The invitation's SMS was never sent (no SMSC here): withdrawn at the end.
      'sms.failed',
      'notes.edited',
    ]);
    const byKind = (kind: string) => report.timeline.filter((e) => e.kind === kind);
    const owner = { type: 'technician', id: t.w.people.owner.id, name: 'Owner' };
    expect(byKind('session.invited')[0]).toMatchObject({
      actor: owner,
      details: { method: 'sms', reference: 'CASE-7' },
    });
    expect(byKind('sms.queued')[0]!.actor).toEqual({ type: 'system', id: null, name: null });
    expect(byKind('session.opened')[0]).toMatchObject({
      actor: { type: 'customer', id, name: null },
      details: { device: 'Chrome 131 on Android 14 (Pixel 8)' },
    });
    expect(byKind('chat.message').map((e) => [e.actor.type, e.details.from])).toEqual([
      ['technician', 'technician'],
      ['customer', 'customer'],
    ]);
    expect(byKind('chat.message').map((e) => e.details.messageId)).toEqual(report.messages.map((m) => m.id));
    expect(byKind('snapshot.taken')[0]).toMatchObject({
      actor: owner,
      details: { snapshotId: report.snapshots[0]!.id, frozen: false },
    });
    expect(byKind('session.closed')[0]!.details).toMatchObject({ reason: 'technician' });
    const sorted = [...report.timeline].sort((a, b) => a.at.localeCompare(b.at));
    expect(report.timeline.map((e) => e.at)).toEqual(sorted.map((e) => e.at));
  });

  test('the EULA accepted is named by the SHA-256 of the text shown, in the language shown', async () => {
    const accepted = report.timeline.find((e) => e.kind === 'session.eula_accepted')!;
    expect(accepted.details).toEqual({ language: 'nl', eulaSha256: sha256((await getEula(t.w.h.db)).nl) });
  });

  test('no phone number in any audit row of the session (it stays on the session row)', async () => {
    const rows = await t.w.h.db.select().from(auditLog).where(eq(auditLog.subjectId, id));
    expect(JSON.stringify(rows)).not.toContain('612345670');
    expect(report.session.phone).toBe('+31612345670');
  });

  test('the session, its device, quality, photos, chat, notes', () => {
    expect(report.session).toMatchObject({
      id,
      name: 'Boiler',
      reference: 'CASE-7',
      state: 'closed',
      endReason: 'technician',
      method: 'sms',
      snapshotCount: 1,
      recording: null,
      phoneRemoved: false,
    });
    expect(report.session.liveSeconds).toBe(
      Math.round((Date.parse(report.session.endedAt!) - Date.parse(report.session.startedAt!)) / 1000),
    );
    expect(report.device).toEqual({ summary: 'Chrome 131 on Android 14 (Pixel 8)', userAgent: UA });
    expect(report.quality.map(({ at: _, ...s }) => s)).toEqual([SAMPLE, { ...SAMPLE, fps: null, bitrateKbps: 20 }]);
    expect(report.snapshots).toHaveLength(1);
    expect(report.snapshots[0]).toMatchObject({ width: 64, height: 48, contentType: 'image/png' });
    expect(report.messages.map((m) => m.text)).toEqual([
      'Show me the label, please.',
      'Here: https://example.com/manual',
    ]);
    expect(report.recording).toBeNull();
    expect(report.notes).toMatchObject({
      text: 'Valve replaced.',
      updatedBy: { id: t.w.people.owner.id, name: 'Owner' },
    });
  });

  test('a technician of another group, and the bystander, get 404 as for a session that does not exist', async () => {
    for (const who of [cookie.other, cookie.bystander]) {
      expect((await t.w.call('GET', `/api/sessions/${id}/report`, { cookie: who })).status).toBe(404);
      const put = await t.w.call('PUT', `/api/sessions/${id}/notes`, { cookie: who, body: { text: 'mine' } });
      expect(put.status).toBe(404);
    }
    expect(
      (await t.w.call('GET', `/api/sessions/${crypto.randomUUID()}/report`, { cookie: cookie.owner })).status,
    ).toBe(404);
    expect((await t.w.call('GET', `/api/sessions/${id}/report`)).status).toBe(401);
  });

  test('a photo stored without its own audit row is still on the timeline', async () => {
    const own = await ok<Report>(
      t.w.call('GET', `/api/sessions/${t.w.own.active.view.id}/report`, { cookie: cookie.owner }),
    );
    expect(own.timeline.filter((e) => e.kind === 'snapshot.taken').map((e) => e.details.snapshotId)).toEqual([
      t.w.snapshots.own,
    ]);
    expect(own.session.liveSeconds).not.toBeNull();
  });
});

describe('PUT /api/sessions/:id/notes', () => {
  test('the owner edits in any state; each edit is audited with the length and hash, never the text', async () => {
    const id = t.w.own.invited.view.id;
    const text = 'Customer prefers\na call after 17:00.';
    const answer = await ok<{ notes: Report['notes'] }>(
      t.w.call('PUT', `/api/sessions/${id}/notes`, { cookie: cookie.owner, body: { text } }),
    );
    expect(answer.notes).toEqual({
      text,
      updatedAt: t.w.h.clock.now().toISOString(),
      updatedBy: { id: t.w.people.owner.id, name: 'Owner' },
    });
    const rows = await t.w.h.db.select().from(auditLog).where(eq(auditLog.subjectId, id));
    const edits = rows.filter((r) => r.action === 'notes.edited');
    expect(edits.map((r) => r.details)).toEqual([{ length: text.length, sha256: sha256(text) }]);
    expect(JSON.stringify(rows)).not.toContain('17:00');
  });

  test('too long, control characters, a wrong type, an unknown field: 400, nothing changed', async () => {
    const id = t.w.own.waiting.view.id;
    const before = await t.w.h.db.select().from(lensSessions).where(eq(lensSessions.id, id));
    for (const body of [
      { text: 'x'.repeat(NOTES_MAX + 1) },
      { text: 'bell\u0007' },
      { text: 'right-to-left \u202e override' },
      { text: 42 },
      {},
      { text: 'ok', extra: 1 },
    ]) {
      const res = await t.w.call('PUT', `/api/sessions/${id}/notes`, { cookie: cookie.owner, body });
      expect(res.status).toBe(400);
    }
    expect(await t.w.h.db.select().from(lensSessions).where(eq(lensSessions.id, id))).toEqual(before);
    const edits = await t.w.h.db.select().from(auditLog).where(eq(auditLog.subjectId, id));
    expect(edits.filter((r) => r.action === 'notes.edited')).toEqual([]);
  });
});
