// POST /api/erasures {"email"}: everything about one e-mail address goes
// (a customer invited by e-mail has no phone number on record), whatever its
// sessions' age and however the address is typed; another customer's sessions
// stay; a live session or bad input changes nothing; the address never
// reaches the log or the erasure's audit row.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { EMAIL_MAX } from '../contract/limits.ts';
import type { ErasureReceipt } from '../contract/records.ts';
import { auditLog, lensSessions, rateLimits } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { createLogger } from '../log.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { auditRows, everything, leftover, remains } from './testing.ts';

let h: Harness;
let admin: string;
let tess: TestTechnician;
let lines: string[];
const ADDRESS = 'customer@example.test';
const OTHER = 'neighbour@example.test';
const NUMBER = '+31612345678';

beforeEach(async () => {
  lines = [];
  h = await harness({}, { log: createLogger('debug', (l) => lines.push(l)) });
  admin = await signInAsAdmin(h);
  tess = await technician(h);
}, DATABASE_HOOK);

const erase = (body: unknown, cookie = admin) => h.call('POST', '/api/erasures', { cookie, body });
async function receiptOf(res: Response): Promise<ErasureReceipt> {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { receipt: ErasureReceipt }).receipt;
}

/** An audit row outside the sessions (as a note about the customer would be), naming `text`. */
async function auditNaming(text: string): Promise<number> {
  await transaction(h.db, (tx) =>
    audit(tx, { type: 'technician', id: tess.id }, 'test.note', { type: 'technician', id: tess.id }, { note: text }),
  );
  const [row] = (await auditRows(h, 'test.note')).slice(-1);
  return row!.id;
}
const detailsOf = async (id: number) =>
  (await h.db.select({ details: auditLog.details }).from(auditLog).where(eq(auditLog.id, id)))[0]!.details;

const GONE = {
  snapshots: 0,
  chat: 0,
  recordings: 0,
  phone: null,
  email: null,
  sms: [],
  emails: [{ to: '', text: '[removed]', html: '[removed]' }],
  auditDetails: [null],
  photoFile: false,
  recordingFiles: false,
};

describe('POST /api/erasures by e-mail address', () => {
  test('removes the photos, recordings, chat, e-mails and address of every session with it, and says so', async () => {
    const recent = await leftover(h, tess.id, { endedDaysAgo: 1, email: ADDRESS });
    const old = await leftover(h, tess.id, { endedDaysAgo: 400, email: ADDRESS });
    // Written in another case by an older version: found all the same.
    const cased = await leftover(h, tess.id, { endedDaysAgo: 20, email: 'Customer@Example.TEST' });
    const other = await leftover(h, tess.id, { endedDaysAgo: 1, email: OTHER });
    const bySms = await leftover(h, tess.id, { endedDaysAgo: 1, phone: NUMBER });
    const naming = await auditNaming('Customer asked by mail from CUSTOMER@example.test');
    const notNaming = await auditNaming(`The neighbour ${OTHER} asked nothing`);
    await h.db.insert(rateLimits).values([
      { key: `email-to:${ADDRESS}`, count: 1, windowStart: h.clock.now() },
      { key: `email-to:${OTHER}`, count: 1, windowStart: h.clock.now() },
    ]);

    const receipt = await receiptOf(await erase({ email: 'Customer@EXAMPLE.test' }));

    for (const s of [recent, old, cased]) expect(await remains(h, s)).toMatchObject(GONE);
    expect(await remains(h, other)).toMatchObject({
      snapshots: 1,
      chat: 2,
      recordings: 1,
      email: OTHER,
      emails: [{ to: OTHER, text: 'Open https://x/l/abc PIN 123456' }],
      auditDetails: [{ email: OTHER }],
      photoFile: true,
      recordingFiles: true,
    });
    expect(await remains(h, bySms)).toMatchObject({
      snapshots: 1,
      chat: 2,
      phone: NUMBER,
      auditDetails: [{ phone: NUMBER }],
    });
    expect(await detailsOf(naming)).toBeNull();
    expect(await detailsOf(notNaming)).toEqual({ note: `The neighbour ${OTHER} asked nothing` });
    const limits = await h.db.select({ key: rateLimits.key }).from(rateLimits);
    expect(limits.map((l) => l.key).filter((k) => k.startsWith('email-to:'))).toEqual([`email-to:${OTHER}`]);

    expect(receipt).toMatchObject({ phone: null, email: ADDRESS, erasedAt: h.clock.now().toISOString() });
    expect(receipt.sessionIds.toSorted()).toEqual([recent.id, old.id, cased.id].toSorted());
    expect(receipt.removed).toEqual({
      phoneNumbers: 0,
      smsMessages: 0,
      snapshots: 3,
      recordings: 3,
      chatMessages: 6,
      // The three sessions' invitations and the note elsewhere.
      auditRowsRedacted: 4,
      emailAddresses: 3,
    });

    const [row] = await auditRows(h, 'erasure.completed');
    expect(row!.id).toBe(receipt.auditId);
    expect(row!.details).toEqual({ sessionIds: receipt.sessionIds, ...receipt.removed });
    expect(JSON.stringify(row).toLowerCase()).not.toContain('customer@');
    expect(lines.some((l) => l.includes('erasure completed'))).toBe(true);
    expect(lines.filter((l) => l.toLowerCase().includes('customer@'))).toEqual([]);
  });

  test('a session found only by its e-mail row goes too; a second erasure answers zeros', async () => {
    const s = await leftover(h, tess.id, { endedDaysAgo: 3, email: ADDRESS });
    // As if the address had been taken off the session but not off its e-mail row.
    await h.db.update(lensSessions).set({ email: null }).where(eq(lensSessions.id, s.id));
    const first = await receiptOf(await erase({ email: ADDRESS }));
    expect(first.sessionIds).toEqual([s.id]);
    expect(first.removed).toMatchObject({ snapshots: 1, chatMessages: 2, emailAddresses: 0 });
    expect(await remains(h, s)).toMatchObject(GONE);
    const again = await receiptOf(await erase({ email: ADDRESS }));
    expect(again).toMatchObject({ phone: null, email: ADDRESS, sessionIds: [] });
    expect(Object.values(again.removed)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  test('a live session with the address is refused with session_live, naming it, and nothing changes', async () => {
    await leftover(h, tess.id, { endedDaysAgo: 10, email: ADDRESS });
    const live = await leftover(h, tess.id, { endedDaysAgo: null, state: 'waiting', email: ADDRESS });
    await auditNaming(`Mail from ${ADDRESS}`);
    const before = await everything(h);
    const res = await erase({ email: ADDRESS.toUpperCase() });
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe('session_live');
    expect(error.message).toContain(live.id);
    expect(error.message).toContain('with this address');
    expect(error.message).toContain('End it first');
    expect(await everything(h)).toEqual(before);
  });

  test.each([
    ['both a number and an address', { phone: NUMBER, email: ADDRESS }, 'not both'],
    ['neither', {}, 'Give "phone"'],
    ['a malformed address', { email: 'customer at example.test' }, 'not a valid email'],
    ['an address without a domain', { email: 'customer@' }, 'not a valid email'],
    ['an empty address', { email: '' }, 'not a valid email'],
    ['an address as a number', { email: 42 }, 'email'],
    ['an address as null', { email: null }, 'email'],
    ['an address as a list', { email: [ADDRESS] }, 'email'],
    ['too long', { email: `${'a'.repeat(EMAIL_MAX)}@example.test` }, `at most ${EMAIL_MAX}`],
    ['a control character', { email: 'customer\u0007@example.test' }, 'email'],
    ['an unknown field', { email: ADDRESS, all: true }, 'Unknown field'],
    ['a good address and a bad number', { email: ADDRESS, phone: 'abc' }, 'phone'],
  ])('bad input (%s) answers 400 and changes nothing', async (_what, body, says) => {
    await leftover(h, tess.id, { endedDaysAgo: 10, email: ADDRESS });
    const before = await everything(h);
    const res = await erase(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain(says);
    expect(await everything(h)).toEqual(before);
  });

  test('a technician without the right administer is refused and nothing changes', async () => {
    await leftover(h, tess.id, { endedDaysAgo: 10, email: ADDRESS });
    const before = await everything(h);
    expect((await erase({ email: ADDRESS }, tess.cookie)).status).toBe(403);
    expect(await everything(h)).toEqual(before);
  });
});
