// Test helpers for the session tests: technicians with given rights, and
// session rows read straight from the database.
import { eq } from 'drizzle-orm';
import { loadMe, type Me } from '../auth/sessions.ts';
import { auditLog, lensSessions, smsMessages } from '../db/schema.ts';
import type { GroupSettings } from '../db/schema.ts';
import { signIn, type Harness } from '../testing/harness.ts';
import { createGroup } from '../technicians/groups.ts';
import type { Right } from '../contract/rights.ts';
import { createTechnician } from '../technicians/technicians.ts';

export const SMS_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_sms_method'];
export const LINK_RIGHTS: Right[] = ['start_lens_sessions', 'start_private_sessions', 'use_link_method'];
const PASSWORD = 'tech password 123';
let n = 0;

export type TestTechnician = { id: string; me: Me; cookie: string };

export async function technician(
  h: Harness,
  opts: { rights?: Right[]; settings?: Partial<GroupSettings>; name?: string } = {},
): Promise<TestTechnician> {
  const system = { type: 'system' } as const;
  n++;
  const group = await createGroup(h, system, {
    name: `Group ${n}`,
    rights: opts.rights ?? [...SMS_RIGHTS, 'use_link_method'],
    settings: opts.settings as GroupSettings,
  });
  const email = `tech${n}@example.test`;
  const t = await createTechnician(h, system, {
    email,
    name: opts.name ?? `Tech ${n}`,
    password: PASSWORD,
    groupId: group.id,
  });
  return { id: t.id, me: (await loadMe(h.db, t.id))!, cookie: await signIn(h, email, PASSWORD) };
}

export async function sessionRow(h: Pick<Harness, 'db'>, id: string) {
  const [row] = await h.db.select().from(lensSessions).where(eq(lensSessions.id, id));
  return row!;
}

export async function smsRows(h: Pick<Harness, 'db'>, sessionId: string) {
  return h.db.select().from(smsMessages).where(eq(smsMessages.sessionId, sessionId)).orderBy(smsMessages.createdAt);
}

export async function auditActions(h: Pick<Harness, 'db'>, sessionId: string): Promise<string[]> {
  const rows = await h.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(eq(auditLog.subjectId, sessionId))
    .orderBy(auditLog.id);
  return rows.map((r) => r.action);
}
