// What the technician's console sees of a session (REST and /ws/console alike).
import { and, desc, eq, gt, inArray, or } from 'drizzle-orm';
import { publicBase, type Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { lensSessions, smsMessages, type SessionState } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { LIVE_STATES } from './states.ts';

export const RESEND_AFTER_MS = 60_000;
/** Ended sessions stay in the console's list this long. */
export const HISTORY_MS = 24 * 3_600_000;

export type SmsView = {
  status: 'queued' | 'sent' | 'delivered' | 'failed';
  error: string | null;
  gateway: 'smpp' | 'console';
  updatedAt: string;
  resendAvailableAt: string | null;
};

export type SessionView = {
  id: string; type: 'lens'; name: string; state: SessionState; method: 'sms' | 'link';
  phone: string | null; language: 'en' | 'nl'; pin: string | null; pinExpiresAt: string; link: string | null;
  createdAt: string; openedAt: string | null; eulaAcceptedAt: string | null; startedAt: string | null;
  endedAt: string | null; endReason: string | null; sms: SmsView | null;
  /** The customer's page: connected, or since when it is gone, when it counts as offline and when the session times out. */
  customer: { connected: boolean; leftAt: string | null; offlineAt: string | null; timesOutAt: string | null };
};

type SessionRow = typeof lensSessions.$inferSelect;
type SmsRow = typeof smsMessages.$inferSelect;

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

export function toSessionView(session: SessionRow, sms: SmsRow | undefined, config: Config): SessionView {
  return {
    id: session.id, type: 'lens', name: session.name, state: session.state, method: session.method,
    phone: session.phone, language: session.language, pin: session.pin,
    pinExpiresAt: session.pinExpiresAt.toISOString(),
    link: session.linkToken ? linkFor(config, session.linkToken) : null,
    createdAt: session.createdAt.toISOString(), openedAt: iso(session.openedAt), eulaAcceptedAt: iso(session.eulaAcceptedAt),
    startedAt: iso(session.startedAt), endedAt: iso(session.endedAt), endReason: session.endReason,
    sms: sms ? smsView(session, sms, config) : null,
    customer: customerView(session, config),
  };
}

function customerView(session: SessionRow, config: Config): SessionView['customer'] {
  const left = session.customerLeftAt;
  const after = (ms: number) => (left ? new Date(left.getTime() + ms).toISOString() : null);
  return {
    connected: !!session.openedAt && !left && !session.endedAt,
    leftAt: iso(left), offlineAt: after(config.reconnectWindowMs), timesOutAt: after(config.customerTimeoutMs),
  };
}

/** The latest SMS of each session, in one query. */
async function latestSms(db: Db | Tx, sessionIds: string[]): Promise<Map<string, SmsRow>> {
  if (!sessionIds.length) return new Map();
  const rows = await db.select().from(smsMessages)
    .where(inArray(smsMessages.sessionId, sessionIds)).orderBy(desc(smsMessages.createdAt));
  const latest = new Map<string, SmsRow>();
  for (const row of rows) if (!latest.has(row.sessionId)) latest.set(row.sessionId, row);
  return latest;
}

export async function sessionView(db: Db | Tx, config: Config, id: string): Promise<SessionView | undefined> {
  const [session] = await db.select().from(lensSessions).where(eq(lensSessions.id, id));
  if (!session) return undefined;
  return toSessionView(session, (await latestSms(db, [id])).get(id), config);
}

/** A technician's live sessions and those that ended within the history window, newest first. */
export async function technicianSessions(db: Db, config: Config, technicianId: string, now: Date): Promise<SessionView[]> {
  const sessions = await db.select().from(lensSessions).where(and(
    eq(lensSessions.technicianId, technicianId),
    or(inArray(lensSessions.state, [...LIVE_STATES]), gt(lensSessions.endedAt, new Date(now.getTime() - HISTORY_MS))),
  )).orderBy(desc(lensSessions.createdAt)).limit(200);
  const sms = await latestSms(db, sessions.map((s) => s.id));
  return sessions.map((s) => toSessionView(s, sms.get(s.id), config));
}

/** One of the technician's own sessions; another technician's is reported as missing. */
export async function ownSessionView(db: Db, config: Config, technicianId: string, id: string): Promise<SessionView | undefined> {
  const view = await sessionView(db, config, id);
  if (!view) return undefined;
  const [row] = await db.select({ technicianId: lensSessions.technicianId }).from(lensSessions).where(eq(lensSessions.id, id));
  return row?.technicianId === technicianId ? view : undefined;
}
