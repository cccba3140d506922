// The state machine: the table itself, then every transition the verbs of
// this release can make, legal and illegal, with its audit row.
import { beforeEach, describe, expect, test } from 'bun:test';
import { lensSessions, SESSION_STATES } from '../db/schema.ts';
import { pgErrorCode, UNIQUE_VIOLATION, violatedConstraint } from '../db/transaction.ts';
import { harness, tableCounts, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { answerEula, endByCustomer, redeem } from './customer.ts';
import { createSession } from './create.ts';
import { endSession, expireInvitations } from './end.ts';
import { canTransition, ENDED_STATES, LIVE_STATES, type SessionState } from './states.ts';
import { auditActions, sessionRow, technician, type TestTechnician } from './testing.ts';

const LEGAL: [SessionState, SessionState][] = [
  ['invited', 'connecting'],
  ['invited', 'closed'],
  ['invited', 'expired'],
  ['connecting', 'waiting'],
  ['connecting', 'closed'],
  ['connecting', 'timed_out'],
  ['waiting', 'active'],
  ['waiting', 'closed'],
  ['waiting', 'timed_out'],
  ['active', 'on_hold'],
  ['active', 'closed'],
  ['active', 'timed_out'],
  ['on_hold', 'active'],
  ['on_hold', 'closed'],
  ['on_hold', 'timed_out'],
];

describe('the transition table', () => {
  test('allows exactly the transitions of docs/architecture.md', () => {
    for (const from of SESSION_STATES)
      for (const to of SESSION_STATES) {
        expect([from, to, canTransition(from, to)]).toEqual([from, to, LEGAL.some(([f, t]) => f === from && t === to)]);
      }
  });
  test('ended states are final and every state is live or ended', () => {
    for (const s of ENDED_STATES) expect(SESSION_STATES.filter((t) => canTransition(s, t))).toEqual([]);
    expect([...LIVE_STATES, ...ENDED_STATES].sort()).toEqual([...SESSION_STATES].sort());
  });
});

describe('transitions through the verbs', () => {
  let h: Harness;
  let t: TestTechnician;
  const address = '192.0.2.1';

  beforeEach(async () => {
    h = await harness();
    t = await technician(h, { settings: { maxLiveLensSessions: 10 } });
  }, DATABASE_HOOK);

  const invite = () => createSession(h, t.me, { type: 'lens', name: 'S', method: 'link' });
  const open = async () => {
    const s = await invite();
    const r = await redeem(h, { pin: s.pin! }, { address });
    return { id: s.id, token: r.token };
  };
  async function refused(work: () => Promise<unknown>, status: number) {
    const before = await tableCounts(h);
    const err = await work().then(
      () => undefined,
      (e: { status?: number }) => e,
    );
    expect(err?.status).toBe(status);
    expect(await tableCounts(h)).toEqual(before);
  }

  test('invited → connecting → waiting → closed (technician)', async () => {
    const { id } = await open();
    await answerEula(h, id, { accept: true });
    await endSession(h, t.id, id);
    expect((await sessionRow(h, id)).state).toBe('closed');
    expect(await auditActions(h, id)).toEqual([
      'session.invited',
      'session.opened',
      'session.eula_accepted',
      'session.closed',
    ]);
  });

  test('invited → closed, invited → expired, connecting → closed (declined), waiting → closed (customer)', async () => {
    const a = await invite();
    await endSession(h, t.id, a.id);
    const b = await invite();
    h.clock.advance(21 * 60_000);
    await expireInvitations(h);
    const c = await open();
    await answerEula(h, c.id, { accept: false });
    const d = await open();
    await answerEula(h, d.id, { accept: true });
    await endByCustomer(h, d.id);
    expect(await Promise.all([a, b, c, d].map(async (s) => (await sessionRow(h, s.id)).state))).toEqual([
      'closed',
      'expired',
      'closed',
      'closed',
    ]);
    expect((await auditActions(h, b.id)).at(-1)).toBe('session.expired');
    expect((await auditActions(h, c.id)).at(-1)).toBe('session.closed');
  });

  test('illegal transitions are refused and write nothing', async () => {
    const invited = await invite();
    await refused(() => answerEula(h, invited.id, { accept: true }), 409); // EULA before the link was opened
    const { id } = await open();
    await answerEula(h, id, { accept: true });
    await refused(() => answerEula(h, id, { accept: true }), 409); // waiting → waiting
    await endSession(h, t.id, id);
    await refused(() => endSession(h, t.id, id), 409); // closed → closed
    await refused(() => endByCustomer(h, id), 409);
    await refused(() => answerEula(h, id, { accept: true }), 409); // closed → waiting
    // Only invitations expire: an opened session is not touched by the clock here.
    const opened = await open();
    h.clock.advance(21 * 60_000);
    expect(await expireInvitations(h)).toBe(1); // `invited` only
    expect((await sessionRow(h, opened.id)).state).toBe('connecting');
  });
});

describe('the database itself', () => {
  test('refuses a PIN already held by a live invitation, and a second session in a live slot', async () => {
    const h = await harness();
    const t = await technician(h, { settings: { maxLiveLensSessions: 2 } });
    const a = await createSession(h, t.me, { type: 'lens', name: 'A', method: 'link' });
    const row = await sessionRow(h, a.id);
    const copy = {
      technicianId: t.id,
      linkTokenHash: 'another link',
      name: 'B',
      state: 'invited' as const,
      method: 'link' as const,
      language: 'en' as const,
      pinExpiresAt: row.pinExpiresAt,
    };
    const insert = (values: Partial<typeof lensSessions.$inferInsert>) =>
      h.db
        .insert(lensSessions)
        .values({ ...copy, ...values })
        .then(
          () => 'ok',
          (e) => `${pgErrorCode(e)} ${violatedConstraint(e)}`,
        );
    // The index names are what createSession tells a PIN collision from the live-session limit by, on both drivers.
    expect(await insert({ pin: row.pin, liveSlot: 1 })).toBe(`${UNIQUE_VIOLATION} lens_sessions_live_pin_idx`);
    expect(await insert({ pin: '999999', liveSlot: row.liveSlot })).toBe(
      `${UNIQUE_VIOLATION} lens_sessions_live_slot_idx`,
    );
    await endSession(h, t.id, a.id);
    expect(await insert({ pin: row.pin, liveSlot: row.liveSlot })).toBe('ok'); // freed by the end
  }, 60_000);
});
