// What the technician's console sees of a session (REST and /ws/console alike).
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { publicBase, type Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { preparedPerDb } from '../db/prepared.ts';
import { emailMessages, lensSessions, smsMessages } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import type { SessionView, SmsView } from '../contract/views.ts';
import type { EmailView } from '../contract/org-schemas.ts';
import { LIVE_STATES } from './states.ts';

export const RESEND_AFTER_MS = 60_000;
/** Ended sessions stay in the console's list this long. */
export const HISTORY_MS = 24 * 3_600_000;

export type { SessionView, SmsView };

type SessionRow = typeof lensSessions.$inferSelect;
type SmsRow = typeof smsMessages.$inferSelect;
type EmailRow = typeof emailMessages.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function linkFor(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${publicBase(config)}/l/${token}`;
}

function smsView(session: SessionRow, sms: SmsRow, config: Config): SmsView {
  const resendable = session.state === 'invited' && sms.status !== 'queued' && sms.status !== 'sending';
  return {
    // `sending` is an outbox detail; to a person it is still queued.
    status: sms.status === 'sending' ? 'queued' : sms.status,
    error: sms.error,
    gateway: config.smpp ? 'smpp' : 'console',
    updatedAt: sms.updatedAt.toISOString(),
    resendAvailableAt: resendable ? new Date(sms.createdAt.getTime() + RESEND_AFTER_MS).toISOString() : null,
  };
}

type LatestEmail = Pick<EmailRow, 'status' | 'error' | 'updatedAt' | 'createdAt'>;

/** As the SMS's: a resend is possible once the last mail left the outbox, a minute after it was queued. */
function emailView(session: SessionRow, email: LatestEmail, config: Config): EmailView {
  const resendable =
    !!config.smtp && session.state === 'invited' && email.status !== 'queued' && email.status !== 'sending';
  return {
    status: email.status,
    error: email.error,
    updatedAt: email.updatedAt.toISOString(),
    resendAvailableAt: resendable ? new Date(email.createdAt.getTime() + RESEND_AFTER_MS).toISOString() : null,
  };
}

export function toSessionView(
  session: SessionRow,
  sms: SmsRow | undefined,
  config: Config,
  email?: LatestEmail,
): SessionView {
  return {
    id: session.id,
    type: 'lens',
    name: session.name,
    state: session.state,
    method: session.method,
    email: session.email,
    phone: session.phone,
    language: session.language,
    pin: session.pin,
    pinExpiresAt: session.pinExpiresAt.toISOString(),
    link: session.linkToken ? linkFor(config, session.linkToken) : null,
    createdAt: session.createdAt.toISOString(),
    openedAt: iso(session.openedAt),
    eulaAcceptedAt: iso(session.eulaAcceptedAt),
    startedAt: iso(session.startedAt),
    endedAt: iso(session.endedAt),
    endReason: session.endReason,
    reference: session.reference,
    recorded: session.recorded,
    sms: sms ? smsView(session, sms, config) : null,
    emailStatus: email ? emailView(session, email, config) : null,
    customer: customerView(session, config),
  };
}

function customerView(session: SessionRow, config: Config): SessionView['customer'] {
  const left = session.customerLeftAt;
  const after = (ms: number) => (left ? new Date(left.getTime() + ms).toISOString() : null);
  return {
    connected: !!session.openedAt && !left && !session.endedAt,
    leftAt: iso(left),
    offlineAt: after(config.reconnectWindowMs),
    timesOutAt: after(config.customerTimeoutMs),
  };
}

/**
 * Sessions with the latest SMS and the latest e-mail of each, in one query
 * (lateral joins on the session indexes of both outboxes): one round trip per
 * list or view, whatever its length.
 */
function withLatestSms(db: Db | Tx) {
  const latest = db
    .select()
    .from(smsMessages)
    .where(eq(smsMessages.sessionId, lensSessions.id))
    .orderBy(desc(smsMessages.createdAt))
    .limit(1)
    .as('latest_sms');
  const latestEmail = db
    .select({
      status: emailMessages.status,
      error: emailMessages.error,
      updatedAt: emailMessages.updatedAt,
      createdAt: emailMessages.createdAt,
    })
    .from(emailMessages)
    .where(eq(emailMessages.sessionId, lensSessions.id))
    .orderBy(desc(emailMessages.createdAt))
    .limit(1)
    .as('latest_email');
  return db
    .select({ session: lensSessions, sms: latest._.selectedFields, email: latestEmail._.selectedFields })
    .from(lensSessions)
    .leftJoinLateral(latest, sql`true`)
    .leftJoinLateral(latestEmail, sql`true`);
}

async function sessionRow(db: Db | Tx, id: string) {
  const [row] = await withLatestSms(db).where(eq(lensSessions.id, id));
  return row;
}

export async function sessionView(db: Db | Tx, config: Config, id: string): Promise<SessionView | undefined> {
  const row = await sessionRow(db, id);
  return row && toSessionView(row.session, row.sms ?? undefined, config, row.email ?? undefined);
}

const sessionsOfTechnician = preparedPerDb((db) =>
  withLatestSms(db)
    .where(
      and(
        eq(lensSessions.technicianId, sql.placeholder('technicianId')),
        or(inArray(lensSessions.state, [...LIVE_STATES]), gt(lensSessions.endedAt, sql.placeholder('endedSince'))),
      ),
    )
    .orderBy(desc(lensSessions.createdAt))
    .limit(200)
    .prepare('technician_sessions'),
);

/** A technician's live sessions and those that ended within the history window, newest first. */
export async function technicianSessions(
  db: Db,
  config: Config,
  technicianId: string,
  now: Date,
): Promise<SessionView[]> {
  const rows = await sessionsOfTechnician(db).execute({
    technicianId,
    endedSince: new Date(now.getTime() - HISTORY_MS).toISOString(),
  });
  return rows.map((r) => toSessionView(r.session, r.sms ?? undefined, config, r.email ?? undefined));
}

/** Everyone's, as technicianSessions: what a service token's GET /api/sessions lists (docs/integrations.md). */
export async function everyonesSessions(db: Db, config: Config, now: Date): Promise<SessionView[]> {
  const endedSince = new Date(now.getTime() - HISTORY_MS);
  const rows = await withLatestSms(db)
    .where(or(inArray(lensSessions.state, [...LIVE_STATES]), gt(lensSessions.endedAt, endedSince)))
    .orderBy(desc(lensSessions.createdAt))
    .limit(200);
  return rows.map((r) => toSessionView(r.session, r.sms ?? undefined, config, r.email ?? undefined));
}

/** One of the technician's own sessions; another technician's is reported as missing. */
export async function ownSessionView(
  db: Db,
  config: Config,
  technicianId: string,
  id: string,
): Promise<SessionView | undefined> {
  const row = await sessionRow(db, id);
  return row?.session.technicianId === technicianId
    ? toSessionView(row.session, row.sms ?? undefined, config, row.email ?? undefined)
    : undefined;
}
