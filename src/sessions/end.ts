// Ending sessions: by the technician, by the customer, and by the clock.
import { and, eq, lte, type SQL } from 'drizzle-orm';
import { audit, type Actor } from '../audit/audit.ts';
import { auditSms } from '../sms/sms-audit.ts';
import { lensSessions, smsMessages, type SessionState } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { NotFound } from '../http/errors.ts';
import { assertTransition } from './states.ts';
import { sessionView, type SessionView } from './view.ts';

type SessionRow = typeof lensSessions.$inferSelect;

/**
 * Moves a locked session to an ended state: frees its PIN, link and live slot,
 * and withdraws an SMS that has not gone out yet (a cancelled invitation must
 * not reach the customer later).
 */
export async function finish(
  tx: Tx,
  now: Date,
  actor: Actor,
  session: SessionRow,
  state: Extract<SessionState, 'closed' | 'expired' | 'timed_out'>,
  reason: string,
): Promise<void> {
  assertTransition(session.state, state);
  await tx
    .update(lensSessions)
    .set({
      state,
      endedAt: now,
      endReason: reason,
      pin: null,
      linkToken: null,
      liveSlot: null,
      updatedAt: now,
    })
    .where(eq(lensSessions.id, session.id));
  const withdrawn = await tx
    .update(smsMessages)
    .set({ status: 'failed', error: 'Withdrawn: the invitation ended before the SMS was sent.', updatedAt: now })
    .where(and(eq(smsMessages.sessionId, session.id), eq(smsMessages.status, 'queued')))
    .returning({ id: smsMessages.id, error: smsMessages.error });
  await audit(tx, actor, `session.${state}`, { type: 'session', id: session.id }, { from: session.state, reason });
  for (const sms of withdrawn) await auditSms(tx, session.id, 'failed', sms.id, sms.error);
}

export async function lockOwnSession(tx: Tx, technicianId: string, id: string): Promise<SessionRow> {
  const [session] = await tx.select().from(lensSessions).where(eq(lensSessions.id, id)).for('update');
  // Another technician's session is reported as missing, not as forbidden: ids are not to be probed.
  if (!session || session.technicianId !== technicianId) throw new NotFound('No such session.');
  return session;
}

export async function endSession(deps: Deps, technicianId: string, id: string): Promise<SessionView> {
  const view = await transaction(deps.db, async (tx) => {
    const session = await lockOwnSession(tx, technicianId, id);
    await finish(tx, deps.clock.now(), { type: 'technician', id: technicianId }, session, 'closed', 'technician');
    return (await sessionView(tx, deps.config, id))!;
  });
  deps.events.sessionChanged({ sessionId: id, technicianId });
  return view;
}

/** Invitations whose PIN lifetime passed become `expired`. Run by the housekeeping timer. */
export async function expireInvitations(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const due = and(eq(lensSessions.state, 'invited'), lte(lensSessions.pinExpiresAt, now));
  return endDueSessions(deps, now, due, { state: 'expired', reason: 'pin_expired', logMessage: 'invitations expired' });
}

/**
 * The clock's sweep: ends the sessions `due` selects, at most 500 a run (the
 * next run takes the rest), skipping those another instance has locked, and
 * tells the consoles. How many ended.
 */
export async function endDueSessions(
  deps: Deps,
  now: Date,
  due: SQL | undefined,
  end: { state: 'expired' | 'timed_out'; reason: string; logMessage: string },
): Promise<number> {
  const ended = await transaction(deps.db, async (tx) => {
    const sessions = await tx.select().from(lensSessions).where(due).for('update', { skipLocked: true }).limit(500);
    for (const session of sessions) await finish(tx, now, { type: 'system' }, session, end.state, end.reason);
    return sessions;
  });
  for (const s of ended) deps.events.sessionChanged({ sessionId: s.id, technicianId: s.technicianId });
  if (ended.length) deps.log.info(end.logMessage, { count: ended.length });
  return ended.length;
}
