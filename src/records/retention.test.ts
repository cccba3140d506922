// Retention: what a session left behind goes its group's number of days after
// the session ended, per kind, and each run is recorded in the audit log.
import { beforeEach, describe, expect, test } from 'bun:test';
import { technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { png } from '../tools/test-images.ts';
import { purgeExpired } from './retention.ts';
import { auditRows, leftover, remains } from './testing.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
}, DATABASE_HOOK);

const KEPT = {
  snapshots: 1,
  chat: 2,
  recordings: 1,
  phone: '+31612345678',
  phoneRemovedAt: null,
  photoFile: true,
  recordingFiles: true,
};
const PHONE_GONE = { phone: null, sms: [{ to: '', text: '[removed]' }], auditDetails: [null] };

describe('purgeExpired with the default settings (photos and chat 90 days, recording and number 30)', () => {
  test('a session ended 89 days ago keeps its photos and chat, loses its recording and number; one ended 91 days ago loses all', async () => {
    const tess = await technician(h);
    const recent = await leftover(h, tess.id, { endedDaysAgo: 89 });
    const old = await leftover(h, tess.id, { endedDaysAgo: 91 });
    const live = await leftover(h, tess.id, { endedDaysAgo: null });

    const counts = await purgeExpired(h, h.clock.now());

    expect(await remains(h, recent)).toMatchObject({
      snapshots: 1,
      chat: 2,
      photoFile: true,
      recordings: 0,
      recordingFiles: false,
      ...PHONE_GONE,
    });
    expect((await remains(h, recent)).phoneRemovedAt).toEqual(h.clock.now());
    expect(await remains(h, old)).toMatchObject({
      snapshots: 0,
      chat: 0,
      photoFile: false,
      recordings: 0,
      recordingFiles: false,
      ...PHONE_GONE,
    });
    expect(await remains(h, live)).toMatchObject({ ...KEPT, auditDetails: [{ phone: '+31612345678' }] });
    expect(counts).toEqual({
      snapshots: 1,
      chatMessages: 2,
      recordings: 2,
      phoneNumbers: 2,
      smsMessages: 2,
      auditRowsRedacted: 2,
      emailAddresses: 0,
    });
  });

  test('the same session a day before its photos expire keeps them, and loses them once the clock passes the day', async () => {
    const tess = await technician(h);
    const s = await leftover(h, tess.id, { endedDaysAgo: 89 });
    await purgeExpired(h, h.clock.now());
    expect((await remains(h, s)).snapshots).toBe(1);
    h.clock.advance(2 * 86_400_000);
    await purgeExpired(h, h.clock.now());
    expect(await remains(h, s)).toMatchObject({ snapshots: 0, chat: 0, photoFile: false });
  });
});

describe('purgeExpired per group', () => {
  test("each group's own days decide, kind by kind", async () => {
    const short = await technician(h, {
      settings: {
        snapshotRetentionDays: 5,
        chatRetentionDays: 400,
        recordingRetentionDays: 400,
        phoneRetentionDays: 7,
      },
    });
    const long = await technician(h, {
      settings: {
        snapshotRetentionDays: 400,
        chatRetentionDays: 5,
        recordingRetentionDays: 6,
        phoneRetentionDays: 400,
      },
    });
    const a = await leftover(h, short.id, { endedDaysAgo: 10 });
    const b = await leftover(h, long.id, { endedDaysAgo: 10 });

    await purgeExpired(h, h.clock.now());

    expect(await remains(h, a)).toMatchObject({
      snapshots: 0,
      photoFile: false,
      chat: 2,
      recordings: 1,
      recordingFiles: true,
      ...PHONE_GONE,
    });
    expect(await remains(h, b)).toMatchObject({
      snapshots: 1,
      photoFile: true,
      chat: 0,
      recordings: 0,
      recordingFiles: false,
      phone: '+31612345678',
      sms: [{ to: '+31612345678', text: 'Open https://x/l/abc PIN 123456' }],
      auditDetails: [{ phone: '+31612345678' }],
    });
  });

  test('a photo file shared with a session still kept stays until that row goes too', async () => {
    const tess = await technician(h);
    const photo = png(31, 17);
    const expired = await leftover(h, tess.id, { endedDaysAgo: 100, photo });
    const kept = await leftover(h, tess.id, { endedDaysAgo: 10, photo });
    expect(kept.sha256).toBe(expired.sha256);

    await purgeExpired(h, h.clock.now());
    expect(await remains(h, expired)).toMatchObject({ snapshots: 0, photoFile: true });
    expect((await remains(h, kept)).snapshots).toBe(1);

    h.clock.advance(81 * 86_400_000);
    await purgeExpired(h, h.clock.now());
    expect(await remains(h, kept)).toMatchObject({ snapshots: 0, photoFile: false });
  });

  test('more sessions than one batch are all purged, a batch per transaction', async () => {
    const tess = await technician(h);
    const many = [];
    for (let i = 0; i < 5; i++) many.push(await leftover(h, tess.id, { endedDaysAgo: 200 + i }));
    const counts = await purgeExpired(h, h.clock.now(), 2);
    expect(counts).toMatchObject({ snapshots: many.length, chatMessages: 2 * many.length, phoneNumbers: many.length });
    expect(await remains(h, many.at(-1)!)).toMatchObject({ snapshots: 0, chat: 0, recordings: 0, phone: null });
  });
});

describe('the audit row retention.purged', () => {
  test('is written by the system with the counts of each kind', async () => {
    const tess = await technician(h);
    await leftover(h, tess.id, { endedDaysAgo: 91 });
    await purgeExpired(h, h.clock.now());
    const [row] = await auditRows(h, 'retention.purged');
    expect(row).toMatchObject({ actorType: 'system', actorId: null, subjectType: null });
    expect(row!.details).toEqual({
      snapshots: 1,
      chatMessages: 2,
      recordings: 1,
      phoneNumbers: 1,
      smsMessages: 1,
      auditRowsRedacted: 1,
      emailAddresses: 0,
    });
  });

  test('is written also when nothing expired, with zeros', async () => {
    const tess = await technician(h);
    await leftover(h, tess.id, { endedDaysAgo: 1 });
    await purgeExpired(h, h.clock.now());
    await purgeExpired(h, h.clock.now());
    const rows = await auditRows(h, 'retention.purged');
    expect(rows.map((r) => r.details)).toEqual([
      {
        snapshots: 0,
        chatMessages: 0,
        recordings: 0,
        phoneNumbers: 0,
        smsMessages: 0,
        auditRowsRedacted: 0,
        emailAddresses: 0,
      },
      {
        snapshots: 0,
        chatMessages: 0,
        recordings: 0,
        phoneNumbers: 0,
        smsMessages: 0,
        auditRowsRedacted: 0,
        emailAddresses: 0,
      },
    ]);
  });
});
