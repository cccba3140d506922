// GET /api/history through the app: who sees which ended sessions, keyset
// paging that neither repeats nor skips while sessions end, each filter, what
// an item says, and refusals of bad query values.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { HistoryItem } from '../contract/records.ts';
import type { Right } from '../contract/rights.ts';
import { lensSessions, recordings, snapshots } from '../db/schema.ts';
import { LINK_RIGHTS, SMS_RIGHTS } from '../sessions/testing.ts';
import { hashPassword } from '../auth/passwords.ts';
import { createAuthSession, SESSION_COOKIE } from '../auth/sessions.ts';
import { RIGHTS as ALL_RIGHTS } from '../contract/rights.ts';
import { transaction } from '../db/transaction.ts';
import { errorOf, harness, type Harness } from '../testing/harness.ts';
import { createGroup } from '../technicians/groups.ts';
import { insertTechnician } from '../technicians/technicians.ts';
import { requestedSnapshot, storedSnapshot } from '../tools/test-images.ts';
import { decodeCursor, encodeCursor, likeWords } from './history.ts';

const PASSWORD = 'history password 1';
const RIGHTS: Right[] = [...new Set([...SMS_RIGHTS, ...LINK_RIGHTS])];
const MINUTE = 60_000;

let h: Harness;
/** Ann and Lea share the Team group, whose right is view_group_sessions; Sam is alone in Solo without it. */
let people: Record<'ann' | 'lea' | 'sam' | 'admin', { id: string; cookie: string }>;

// One password hash for everyone, and a sign-in made as login makes it: argon2 is not what these tests test.
let passwordHash: Promise<string> | undefined;

async function member(groupId: string, name: string) {
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  return transaction(h.db, async (tx) => {
    const input = { email: `${name.toLowerCase()}@example.test`, name, groupId };
    const { id } = await insertTechnician(tx, { type: 'system' }, input, hash);
    const { token } = await createAuthSession(tx, h, id, { address: '127.0.0.1', userAgent: 'test' });
    return { id, cookie: `${SESSION_COOKIE}=${token}` };
  });
}

beforeEach(async () => {
  h = await harness();
  const system = { type: 'system' } as const;
  const settings = { maxLiveLensSessions: 50 };
  const team = await createGroup(h, system, { name: 'Team', rights: [...RIGHTS, 'view_group_sessions'], settings });
  const solo = await createGroup(h, system, { name: 'Solo', rights: RIGHTS, settings });
  const admins = await createGroup(h, system, { name: 'Admins', rights: [...ALL_RIGHTS], settings });
  people = {
    ann: await member(team.id, 'Ann'),
    lea: await member(team.id, 'Lea'),
    sam: await member(solo.id, 'Sam'),
    admin: await member(admins.id, 'Admin'),
  };
});

type Invite = { name: string; reference?: string; phone?: string };

/** A session of `cookie`'s technician, invited and ended a minute later (the clock moves on by a minute). */
async function ended(cookie: string, invite: Invite): Promise<string> {
  const method = invite.phone ? 'sms' : 'link';
  const body = { type: 'lens', method, ...invite };
  const created = await h.call('POST', '/api/sessions', { cookie, body });
  expect(created.status).toBe(201);
  const { id } = await created.json();
  h.clock.advance(MINUTE);
  expect((await h.call('POST', `/api/sessions/${id}/end`, { cookie })).status).toBe(200);
  return id;
}

async function history(cookie: string, query = ''): Promise<{ sessions: HistoryItem[]; nextCursor: string | null }> {
  const res = await h.call('GET', `/api/history${query && `?${query}`}`, { cookie });
  expect(res.status).toBe(200);
  return res.json();
}
const names = async (cookie: string, query = '') => (await history(cookie, query)).sessions.map((s) => s.name);

describe('who sees which ended sessions', () => {
  test('a technician their own, a group viewer the group’s, an administrator all, and nobody a live one', async () => {
    const { ann, lea, sam, admin } = people;
    await ended(ann.cookie, { name: 'Ann 1' });
    await ended(sam.cookie, { name: 'Sam 1' });
    await ended(lea.cookie, { name: 'Lea 1' });
    await ended(admin.cookie, { name: 'Admin 1' });
    // Still invited: not history yet.
    await h.call('POST', '/api/sessions', { cookie: ann.cookie, body: { type: 'lens', name: 'Live', method: 'link' } });
    expect(await names(sam.cookie)).toEqual(['Sam 1']);
    expect(await names(ann.cookie)).toEqual(['Lea 1', 'Ann 1']);
    expect(await names(lea.cookie)).toEqual(['Lea 1', 'Ann 1']);
    expect(await names(admin.cookie)).toEqual(['Admin 1', 'Lea 1', 'Sam 1', 'Ann 1']);
    // Another group's technician, asked for by id, is still nobody's to see.
    expect(await names(ann.cookie, `technicianId=${sam.id}`)).toEqual([]);
    expect(await names(sam.cookie, `technicianId=${ann.id}`)).toEqual([]);
    expect((await h.call('GET', '/api/history')).status).toBe(401);
  });
});

describe('paging', () => {
  test('newest first; a session that ends between pages neither repeats nor pushes a row off', async () => {
    const { ann } = people;
    for (let i = 1; i <= 5; i++) await ended(ann.cookie, { name: `S${i}` });
    const first = await history(ann.cookie, 'limit=2');
    expect(first.sessions.map((s) => s.name)).toEqual(['S5', 'S4']);
    await ended(ann.cookie, { name: 'Newer' });
    const second = await history(ann.cookie, `limit=2&cursor=${first.nextCursor}`);
    expect(second.sessions.map((s) => s.name)).toEqual(['S3', 'S2']);
    const third = await history(ann.cookie, `limit=2&cursor=${second.nextCursor}`);
    expect(third.sessions.map((s) => s.name)).toEqual(['S1']);
    expect(third.nextCursor).toBeNull();
    expect(await names(ann.cookie, 'limit=1')).toEqual(['Newer']);
  });

  test('sessions that ended at the same instant are ordered by id and each comes once', async () => {
    const { ann } = people;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await ended(ann.cookie, { name: `Same ${i}` }));
      h.clock.advance(-MINUTE); // the next one ends at the same instant
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await history(ann.cookie, `limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort().reverse());
  });

  test('the default page is PAGE_DEFAULT (25) rows', async () => {
    for (let i = 0; i < 26; i++) await ended(people.sam.cookie, { name: `N${i}` });
    const page = await history(people.sam.cookie);
    expect(page.sessions).toHaveLength(25);
    expect(page.nextCursor).not.toBeNull();
  });
});

describe('filters', () => {
  test('q: every word, case-insensitive, in the name, phone number or reference; % and _ are themselves', async () => {
    const { ann } = people;
    await ended(ann.cookie, { name: 'Boiler Smith', reference: 'TICKET-42' });
    await ended(ann.cookie, { name: 'Meter Jones', phone: '+31612345678' });
    await ended(ann.cookie, { name: '100% done', reference: 'a_b' });
    await ended(ann.cookie, { name: '1000 done', reference: 'axb' });
    expect(await names(ann.cookie, 'q=boiler')).toEqual(['Boiler Smith']);
    expect(await names(ann.cookie, 'q=ticket-4')).toEqual(['Boiler Smith']);
    expect(await names(ann.cookie, `q=${encodeURIComponent('+316123')}`)).toEqual(['Meter Jones']);
    expect(await names(ann.cookie, 'q=smith+42')).toEqual(['Boiler Smith']);
    expect(await names(ann.cookie, 'q=smith+jones')).toEqual([]);
    expect(await names(ann.cookie, 'q=100%25')).toEqual(['100% done']);
    expect(await names(ann.cookie, 'q=a_b')).toEqual(['100% done']);
    expect(await names(ann.cookie, 'q=+done+')).toEqual(['1000 done', '100% done']);
    expect(likeWords('a\\b 50%')).toEqual(['%a\\\\b%', '%50\\%%']);
  });

  test('technicianId, endState, and from/to where a date `to` includes that whole day (UTC)', async () => {
    const { ann, lea } = people;
    // Ended at these instants (as if the clock had moved days on; the sign-ins would have gone idle).
    const endAt = (id: string, at: string, state: 'closed' | 'expired' = 'closed') =>
      h.db
        .update(lensSessions)
        .set({ endedAt: new Date(at), state })
        .where(eq(lensSessions.id, id));
    await endAt(await ended(ann.cookie, { name: 'Dec 1 late' }), '2026-12-01T23:01:00Z');
    await endAt(await ended(lea.cookie, { name: 'Dec 2' }), '2026-12-02T00:31:00Z', 'expired');
    await endAt(await ended(ann.cookie, { name: 'Dec 3' }), '2026-12-03T08:01:00Z');
    const c = ann.cookie;
    expect(await names(c, `technicianId=${lea.id}`)).toEqual(['Dec 2']);
    expect(await names(c, 'endState=expired')).toEqual(['Dec 2']);
    expect(await names(c, 'endState=closed')).toEqual(['Dec 3', 'Dec 1 late']);
    expect(await names(c, 'to=2026-12-01')).toEqual(['Dec 1 late']);
    expect(await names(c, 'from=2026-12-02&to=2026-12-02')).toEqual(['Dec 2']);
    expect(await names(c, 'from=2026-12-02')).toEqual(['Dec 3', 'Dec 2']);
    expect(await names(c, `to=${encodeURIComponent('2026-12-01T23:01:00.000Z')}`)).toEqual([]);
    expect(await names(c, `from=${encodeURIComponent('2026-12-03T08:01:00+00:00')}`)).toEqual(['Dec 3']);
  });
});

describe('an item', () => {
  test('says who, how long live, how many photos, the recording and whether the phone number was removed', async () => {
    const { ann } = people;
    const plain = await ended(ann.cookie, { name: 'Plain', phone: '+31612345670' });
    const rich = await ended(ann.cookie, { name: 'Rich', reference: 'R-1', phone: '+31612345671' });
    const ended_ = (await (await h.call('GET', `/api/sessions/${rich}`, { cookie: ann.cookie })).json()).endedAt;
    const startedAt = new Date(new Date(ended_).getTime() - 754_500);
    const removedAt = h.clock.now();
    await h.db
      .update(lensSessions)
      .set({ startedAt, phone: null, phoneRemovedAt: removedAt })
      .where(eq(lensSessions.id, rich));
    const photo = await storedSnapshot(h, rich);
    // An annotated copy is a stored photo too.
    const copy = await storedSnapshot(h, rich);
    await h.db.update(snapshots).set({ sourceId: photo }).where(eq(snapshots.id, copy));
    await requestedSnapshot(h, rich); // never arrived: not a photo
    await h.db.insert(recordings).values({ sessionId: rich, status: 'failed', startedAt, rawDir: 'recordings/x/raw' });
    const [r, p] = (await history(ann.cookie)).sessions;
    expect(r).toMatchObject({
      id: rich,
      reference: 'R-1',
      phone: null,
      phoneRemoved: true,
      state: 'closed',
      technician: { id: ann.id, name: 'Ann' },
      startedAt: startedAt.toISOString(),
      endedAt: ended_,
      liveSeconds: 754,
      snapshotCount: 2,
      recording: 'failed',
    });
    expect(p).toMatchObject({
      id: plain,
      reference: null,
      phone: '+31612345670',
      phoneRemoved: false,
      startedAt: null,
      liveSeconds: null,
      snapshotCount: 0,
      recording: null,
    });
  });
});

describe('bad query values', () => {
  test('are a 400 naming the parameter', async () => {
    await ended(people.ann.cookie, { name: 'Any' });
    const cookie = people.ann.cookie;
    const garbage = Buffer.from('yesterday|nobody').toString('base64url');
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=many', 'limit'],
      ['endState=active', 'endState'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01', 'to'],
      ['technicianId=ann', 'technicianId'],
      ['cursor=not!a*cursor', 'cursor'],
      [`cursor=${garbage}`, 'cursor'],
      ['from=2026-12-02&to=2026-12-01', 'to'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['sort=name', ''],
      ['limit=1&limit=2', 'limit'],
    ];
    for (const [query, path] of cases) {
      const res = await h.call('GET', `/api/history?${query}`, { cookie });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      const error = await errorOf(res);
      expect({ query, code: error.code, path: (error.details?.[0] as { path: string } | undefined)?.path }).toEqual({
        query,
        code: 'invalid_request',
        path,
      });
    }
  });

  test('a cursor is the base64url of the end (to the microsecond) and the id', () => {
    const p = { endedAt: '2026-12-01T10:00:00.123456Z', id: '0b9d3c5e-8a41-4f0e-9a5c-2f1e6d7c8b9a' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    expect(encodeCursor(p)).toMatch(/^[\w-]+$/);
  });
});
