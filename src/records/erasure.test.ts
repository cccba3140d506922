// POST /api/erasures: everything about one phone number goes, whatever its
// sessions' age; another number's sessions stay; a live session or bad input
// changes nothing.
import { beforeEach, describe, expect, test } from 'bun:test';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { auditRows, everything as everythingOf, leftover, remains } from './testing.ts';
import type { ErasureReceipt } from '../contract/records.ts';

let h: Harness;
let admin: string;
let tess: TestTechnician;
const NUMBER = '+31612345678';
const OTHER = '+31687654321';

beforeEach(async () => {
  h = await harness();
  admin = await signInAsAdmin(h);
  tess = await technician(h);
}, DATABASE_HOOK);

const erase = (body: unknown, cookie = admin) => h.call('POST', '/api/erasures', { cookie, body });
const everything = () => everythingOf(h);
async function receiptOf(res: Response): Promise<ErasureReceipt> {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { receipt: ErasureReceipt }).receipt;
}

const GONE = {
  snapshots: 0,
  chat: 0,
  recordings: 0,
  phone: null,
  sms: [{ to: '', text: '[removed]' }],
  auditDetails: [null],
  photoFile: false,
  recordingFiles: false,
};

describe('POST /api/erasures', () => {
  test('removes the photos, recordings, chat, texts and number of every session with the number, and says so', async () => {
    // A fresh session and a year-old one, written as the customer typed it and as stored.
    const recent = await leftover(h, tess.id, { endedDaysAgo: 1, phone: NUMBER });
    const old = await leftover(h, tess.id, { endedDaysAgo: 365, phone: NUMBER });
    const other = await leftover(h, tess.id, { endedDaysAgo: 1, phone: OTHER });

    const receipt = await receiptOf(await erase({ phone: '06 1234 5678' }));

    expect(await remains(h, recent)).toMatchObject(GONE);
    expect(await remains(h, old)).toMatchObject(GONE);
    expect((await remains(h, recent)).phoneRemovedAt).toEqual(h.clock.now());
    expect(await remains(h, other)).toMatchObject({
      snapshots: 1,
      chat: 2,
      recordings: 1,
      phone: OTHER,
      sms: [{ to: OTHER, text: 'Open https://x/l/abc PIN 123456' }],
      auditDetails: [{ phone: OTHER }],
      photoFile: true,
      recordingFiles: true,
    });
    expect(receipt).toMatchObject({ phone: NUMBER, email: null, erasedAt: h.clock.now().toISOString() });
    expect(receipt.sessionIds.toSorted()).toEqual([recent.id, old.id].toSorted());
    expect(receipt.removed).toEqual({
      phoneNumbers: 2,
      smsMessages: 2,
      snapshots: 2,
      recordings: 2,
      chatMessages: 4,
      auditRowsRedacted: 2,
      emailAddresses: 0,
    });

    const [row] = await auditRows(h, 'erasure.completed');
    expect(row!.id).toBe(receipt.auditId);
    expect(row).toMatchObject({ actorType: 'technician', subjectType: 'erasure' });
    expect(row!.details).toEqual({ sessionIds: receipt.sessionIds, ...receipt.removed });
    expect(JSON.stringify(row)).not.toContain('612345678');
  });

  test('a second erasure of the same number finds nothing and answers zeros', async () => {
    const s = await leftover(h, tess.id, { endedDaysAgo: 3, phone: NUMBER });
    await receiptOf(await erase({ phone: NUMBER }));
    const again = await receiptOf(await erase({ phone: NUMBER }));
    expect(again.sessionIds).toEqual([]);
    expect(Object.values(again.removed)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await remains(h, s)).toMatchObject(GONE);
    expect((await auditRows(h, 'erasure.completed')).map((r) => r.id)).toEqual([expect.any(Number), again.auditId]);
  });

  test('a live session with the number is refused with session_live, naming it, and nothing changes', async () => {
    await leftover(h, tess.id, { endedDaysAgo: 10, phone: NUMBER });
    const live = await leftover(h, tess.id, { endedDaysAgo: null, state: 'on_hold', phone: NUMBER });
    const before = await everything();
    const res = await erase({ phone: NUMBER });
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe('session_live');
    expect(error.message).toContain(live.id);
    expect(error.message).toContain('End it first');
    expect(await everything()).toEqual(before);
  });

  test.each([
    ['a number as a number', { phone: 31612345678 }],
    ['too long', { phone: '0'.repeat(33) }],
    ['letters', { phone: '06 1234 abcd' }],
    ['letters after a valid number', { phone: '06 12345678 x' }],
    ['not a number at all', { phone: '12' }],
    ['empty', { phone: '' }],
    ['no phone', {}],
    ['an unknown field', { phone: NUMBER, all: true }],
  ])('bad input (%s) answers 400 and changes nothing', async (_what, body) => {
    await leftover(h, tess.id, { endedDaysAgo: 10, phone: NUMBER });
    const before = await everything();
    const res = await erase(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_request');
    expect(error.message.length).toBeGreaterThan(10);
    expect(await everything()).toEqual(before);
  });

  test('a technician without the right administer is refused and nothing changes', async () => {
    await leftover(h, tess.id, { endedDaysAgo: 10, phone: NUMBER });
    const before = await everything();
    expect((await erase({ phone: NUMBER }, tess.cookie)).status).toBe(403);
    expect(await everything()).toEqual(before);
  });
});
