// For the retention and erasure tests: an ended (or live) session with
// everything a session leaves behind, written straight into the database and
// the data directory as the verbs that make them would.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import {
  auditLog,
  chatMessages,
  emailMessages,
  lensSessions,
  recordings,
  smsMessages,
  snapshots,
} from '../db/schema.ts';
import type { SessionState } from '../contract/states.ts';
import { rows } from '../db/testing.ts';
import { transaction } from '../db/transaction.ts';
import type { Harness } from '../testing/harness.ts';
import { snapshotDir, snapshotPath, storeBytes } from '../tools/snapshot-store.ts';
import { png } from '../tools/test-images.ts';

const DAY_MS = 86_400_000;
let n = 0;

export type Leftover = {
  id: string;
  /** The photo's file (its hash), shared when `photo` was given. */
  sha256: string;
  recordingDir: string;
};

/**
 * A session of `technicianId` that ended `endedDaysAgo` days before the
 * harness's clock (null: still live, in `state`), with an SMS, two chat
 * messages, a photo (`photo`: the same bytes as another session's), a
 * recording with its raw files, and an old-style `session.invited` audit row
 * naming the number. With `email`: an e-mail invitation instead (no number;
 * the address on the session and its e-mail row, and the audit row naming it).
 */
export async function leftover(
  h: Harness,
  technicianId: string,
  opts: { endedDaysAgo: number | null; phone?: string; email?: string; photo?: Uint8Array; state?: SessionState },
): Promise<Leftover> {
  const now = h.clock.now();
  const email = opts.email ?? null;
  const phone = email ? null : (opts.phone ?? '+31612345678');
  const endedAt = opts.endedDaysAgo === null ? null : new Date(now.getTime() - opts.endedDaysAgo * DAY_MS);
  const createdAt = new Date((endedAt ?? now).getTime() - 3_600_000);
  const id = randomUUID();
  await h.db.insert(lensSessions).values({
    id,
    technicianId,
    name: `Boiler ${++n}`,
    state: opts.state ?? (endedAt ? 'closed' : 'active'),
    method: email ? 'email' : 'sms',
    phone,
    email,
    language: 'en',
    pinExpiresAt: createdAt,
    linkTokenHash: `hash-${id}`,
    createdAt,
    updatedAt: endedAt ?? now,
    endedAt,
  });
  if (phone)
    await h.db.insert(smsMessages).values({ sessionId: id, to: phone, text: 'Open https://x/l/abc PIN 123456' });
  if (email)
    await h.db.insert(emailMessages).values({
      sessionId: id,
      to: email,
      subject: 'Your support session',
      text: 'Open https://x/l/abc PIN 123456',
      html: '<p>Open https://x/l/abc PIN 123456</p>',
    });
  await h.db.insert(chatMessages).values([
    { sessionId: id, from: 'technician', text: 'Hello' },
    { sessionId: id, from: 'customer', text: 'My address is Dorpsstraat 1' },
  ]);
  const { sha256 } = await storeBytes(snapshotDir(h.config), opts.photo ?? png(4 + n, 3));
  await h.db.insert(snapshots).values({ sessionId: id, status: 'stored', sha256, bytes: 10, contentType: 'image/png' });
  const recordingDir = join(h.config.dataDir, 'recordings', id);
  mkdirSync(join(recordingDir, 'raw'), { recursive: true });
  writeFileSync(join(recordingDir, 'raw', 'phone-video.mjr'), 'raw');
  writeFileSync(join(recordingDir, 'recording.webm'), 'webm');
  await h.db.insert(recordings).values({
    sessionId: id,
    status: 'ready',
    startedAt: createdAt,
    endedAt,
    rawDir: `recordings/${id}/raw`,
    file: `recordings/${id}/recording.webm`,
  });
  await transaction(h.db, (tx) =>
    audit(
      tx,
      { type: 'technician', id: technicianId },
      'session.invited',
      { type: 'session', id },
      email ? { email } : { phone },
    ),
  );
  return { id, sha256, recordingDir };
}

/** What is left of a session: rows per kind, its phone and address, its SMS and e-mails, its audit details, its files. */
export async function remains(h: Harness, s: Leftover) {
  const count = async (table: typeof snapshots | typeof chatMessages | typeof recordings) =>
    (await h.db.select({ id: table.id }).from(table).where(eq(table.sessionId, s.id))).length;
  const [session] = await h.db.select().from(lensSessions).where(eq(lensSessions.id, s.id));
  const sms = await h.db.select().from(smsMessages).where(eq(smsMessages.sessionId, s.id));
  const emails = await h.db.select().from(emailMessages).where(eq(emailMessages.sessionId, s.id));
  const audits = await h.db
    .select({ details: auditLog.details, redactedAt: auditLog.redactedAt })
    .from(auditLog)
    .where(inArray(auditLog.subjectId, [s.id]));
  return {
    snapshots: await count(snapshots),
    chat: await count(chatMessages),
    recordings: await count(recordings),
    phone: session!.phone,
    phoneRemovedAt: session!.phoneRemovedAt,
    email: session!.email,
    sms: sms.map((m) => ({ to: m.to, text: m.text })),
    emails: emails.map((m) => ({ to: m.to, text: m.text, html: m.html })),
    auditDetails: audits.map((a) => a.details),
    photoFile: existsSync(snapshotPath(snapshotDir(h.config), s.sha256)),
    recordingFiles: existsSync(s.recordingDir),
  };
}

/** The audit rows of an action, oldest first. */
export async function auditRows(h: Harness, action: string) {
  return h.db.select().from(auditLog).where(sql`${auditLog.action} = ${action}`).orderBy(auditLog.id);
}

/** Every table's rows as a digest: any write shows. */
export async function everything(h: Pick<Harness, 'db'>): Promise<Record<string, string>> {
  const tables = rows<{ tablename: string }>(
    await h.db.execute(sql`select tablename from pg_tables where schemaname = current_schema() order by 1`),
  ).map((r) => r.tablename);
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = rows<{ digest: string }>(
      await h.db.execute(
        sql`select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${sql.identifier(table)} t`,
      ),
    );
    out[table] = row!.digest;
  }
  return out;
}
