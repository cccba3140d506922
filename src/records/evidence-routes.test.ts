// The evidence routes on the real app (PGlite, FakeJanus): an ended session
// with chat and a stored photo, exported by its owner, verifies with the key
// GET /api/evidence-key gives anyone; another group's technician is told the
// session does not exist; the export is audited.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { strFromU8, unzipSync } from 'fflate';
import { evidenceKeySchema, reportSchema } from '../contract/records.ts';
import { auditLog, snapshots } from '../db/schema.ts';
import { DATABASE_HOOK, errorOf } from '../testing/harness.ts';
import { buildWorld, type World } from '../testing/world.ts';
import { storeChatMessage } from '../tools/chat.ts';
import { snapshotDir, snapshotPath } from '../tools/snapshot-store.ts';
import { verifyBundle } from './bundle-verify.ts';
import { manifestSchema } from './manifest.ts';

let w: World;
let sessionId: string;
beforeAll(async () => {
  w = await buildWorld();
  sessionId = w.own.active.view.id;
  await storeChatMessage(w.h, sessionId, 'customer', 'The meter says <script>alert(1)</script>');
  await storeChatMessage(w.h, sessionId, 'technician', 'Thanks, noted.');
  const ended = await w.call('POST', `/api/sessions/${sessionId}/end`, { cookie: w.people.owner.cookie });
  expect(ended.status).toBe(200);
}, DATABASE_HOOK);
afterAll(() => w?.stop());

describe('GET /api/evidence-key', () => {
  test('answers the public key to anyone, signed out, and the same key each time', async () => {
    const first = await w.call('GET', '/api/evidence-key');
    expect(first.status).toBe(200);
    const key = evidenceKeySchema.parse(await first.json());
    const again = evidenceKeySchema.parse(await (await w.call('GET', '/api/evidence-key')).json());
    expect(again).toEqual(key);
  });
});

describe('GET /api/sessions/:id/export', () => {
  test("the owner's bundle holds the session's record and verifies with the published key", async () => {
    const res = await w.call('GET', `/api/sessions/${sessionId}/export`, { cookie: w.people.owner.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="loupe-evidence-2026-11-25-${sessionId.slice(0, 8)}.zip"`,
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    const files = unzipSync(bytes);
    const [photo] = await w.h.db.select().from(snapshots).where(eq(snapshots.id, w.snapshots.own));
    const photoPath = `snapshots/${photo!.id}.png`;
    expect(Object.keys(files).sort()).toEqual(
      ['audit.json', 'manifest.json', 'manifest.sig', photoPath, 'report.html', 'report.json', 'transcript.txt'].sort(),
    );
    const stored = await Bun.file(snapshotPath(snapshotDir(w.h.config), photo!.sha256!)).bytes();
    expect(Buffer.from(files[photoPath]!).equals(Buffer.from(stored))).toBe(true);
    const report = reportSchema.parse(JSON.parse(strFromU8(files['report.json']!)));
    expect(report.session).toMatchObject({ id: sessionId, state: 'closed' });
    expect(report.messages.map((m) => m.text)).toEqual(['The meter says <script>alert(1)</script>', 'Thanks, noted.']);
    const html = strFromU8(files['report.html']!);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The audit rows of the session, the export itself last: who made this bundle.
    const audit = JSON.parse(strFromU8(files['audit.json']!)) as { rows: { action: string; actor: unknown }[] };
    expect(audit.rows.map((r) => r.action)).toContain('session.started');
    expect(audit.rows.at(-1)).toMatchObject({
      action: 'session.exported',
      actor: { type: 'technician', id: w.people.owner.id, name: 'Owner' },
    });
    const key = evidenceKeySchema.parse(await (await w.call('GET', '/api/evidence-key')).json());
    expect(manifestSchema.parse(JSON.parse(strFromU8(files['manifest.json']!))).fingerprint).toBe(key.fingerprint);
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-export-')), 'bundle.zip');
    writeFileSync(path, bytes);
    expect((await verifyBundle(path, key.publicKey)).problems).toEqual([]);
  });

  test("another group's technician, and a missing session, get 404 and write nothing", async () => {
    const exported = () =>
      w.h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'session.exported'), eq(auditLog.subjectId, sessionId)));
    const before = (await exported()).length;
    for (const [cookie, id] of [
      [w.people.other.cookie, sessionId],
      [w.people.noRights.cookie, sessionId],
      [w.people.owner.cookie, '00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const res = await w.call('GET', `/api/sessions/${id}/export`, { cookie });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    expect((await exported()).length).toBe(before);
    expect((await w.call('GET', `/api/sessions/${sessionId}/export`)).status).toBe(401);
    expect((await w.call('GET', '/api/sessions/not-a-uuid/export', { cookie: w.people.owner.cookie })).status).toBe(
      400,
    );
  });

  test('an administrator sees every session, so exports it', async () => {
    const res = await w.call('GET', `/api/sessions/${sessionId}/export`, { cookie: w.people.admin.cookie });
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const audit = JSON.parse(strFromU8(files['audit.json']!)) as { rows: { action: string; actor: { id: string } }[] };
    expect(audit.rows.at(-1)).toMatchObject({ action: 'session.exported', actor: { id: w.people.admin.id } });
  });
});
