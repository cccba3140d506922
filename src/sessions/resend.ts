// Sending an invitation again, by the method it was sent with (SMS or
// e-mail): the same PIN and link, through the same outbox as the first one.
// The rules are the method's own only where they must be (its outbox table,
// its right, its quotas); the wait, the cap and the pending check are shared.
import { desc, eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import type { Me } from '../auth/sessions.ts';
import { emailMessages, smsMessages, type lensSessions } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { assertEmailConfigured, queueInvitationEmail } from '../email/queue.ts';
import { Conflict, Forbidden, RateLimited } from '../http/errors.ts';
import { assertRights, queueInvitationSms, rightsFor } from './create.ts';
import { lockOwnSession } from './end.ts';
import { RESEND_AFTER_MS, sessionView, type SessionView } from './view.ts';

/** The first message and three more: enough for a deleted or bounced one, not enough to flood. */
export const MAX_INVITATIONS_PER_SESSION = 4;

type SessionRow = typeof lensSessions.$inferSelect;
type Sent = { createdAt: Date; status: string };

/** What differs between the methods; everything else in resendInvitation is shared. */
type Resender = {
  /** The session's messages of this method, newest first. */
  sent(tx: Tx, sessionId: string): Promise<Sent[]>;
  queue(tx: Tx, deps: Deps, session: SessionRow, technicianId: string, now: Date): Promise<void>;
  /** Refuses before anything is read when the method cannot send at all. */
  ready?(deps: Deps): void;
  notify(deps: Deps): void;
  pending: { code: string; message: string };
  /** What the customer is reached at, for the cap's message. */
  contact: string;
  name: string;
  action: string;
};

const RESENDERS: Record<'sms' | 'email', Resender> = {
  sms: {
    sent: (tx, id) =>
      tx
        .select({ createdAt: smsMessages.createdAt, status: smsMessages.status })
        .from(smsMessages)
        .where(eq(smsMessages.sessionId, id))
        .orderBy(desc(smsMessages.createdAt)),
    queue: queueInvitationSms,
    notify: (deps) => deps.events.smsQueued(),
    pending: {
      code: 'sms_pending',
      message: 'The SMS is still on its way to the gateway. Wait for its status before sending it again.',
    },
    contact: 'number',
    name: 'SMS',
    action: 'session.sms_resent',
  },
  email: {
    sent: (tx, id) =>
      tx
        .select({ createdAt: emailMessages.createdAt, status: emailMessages.status })
        .from(emailMessages)
        .where(eq(emailMessages.sessionId, id))
        .orderBy(desc(emailMessages.createdAt)),
    queue: queueInvitationEmail,
    ready: assertEmailConfigured,
    // Wakes the e-mail outbox, as creation does: the mail goes out now, not at the next poll.
    notify: (deps) => deps.events.emailQueued(),
    pending: {
      code: 'email_pending',
      message: 'The e-mail is still on its way to the mail server. Wait for its status before sending it again.',
    },
    contact: 'address',
    name: 'e-mail',
    action: 'session.email_resent',
  },
};

const hasAll = (me: Pick<Me, 'rights'>, method: 'sms' | 'email') =>
  rightsFor(method).every((r) => me.rights.includes(r));

/**
 * Sends the invitation again by its own method (same PIN and link), at most
 * once a minute and a few times per session, only while it is unopened.
 * Without the rights of either method the answer is 403 whoever's the session;
 * with one of them, another's session is 404 and one's own of the other
 * method 403.
 */
export async function resendInvitation(deps: Deps, me: Me, id: string): Promise<SessionView> {
  if (!hasAll(me, 'sms') && !hasAll(me, 'email')) {
    throw new Forbidden(
      'Sending an invitation again needs the rights of its method ("use_sms_method" or "use_email_method", with "start_lens_sessions" and "start_private_sessions"), which your group does not have.',
    );
  }
  const now = deps.clock.now();
  let resender: Resender | undefined;
  const view = await transaction(deps.db, async (tx) => {
    const session = await lockOwnSession(tx, me.id, id);
    if (session.method === 'link') {
      throw new Conflict(
        'A link/PIN invitation has no message to send again: give the customer the link or read out the PIN.',
        'invalid_state',
      );
    }
    assertRights(me, session.method);
    resender = RESENDERS[session.method];
    if (session.state !== 'invited') {
      throw new Conflict('Only an invitation that has not been opened yet can be sent again.', 'invalid_state');
    }
    resender.ready?.(deps);
    assertMaySend(resender, session, await resender.sent(tx, id), now);
    await resender.queue(tx, deps, session, me.id, now);
    await audit(tx, { type: 'technician', id: me.id }, resender.action, { type: 'session', id });
    return (await sessionView(tx, deps.config, id))!;
  });
  deps.events.sessionChanged({ sessionId: id, technicianId: me.id });
  resender!.notify(deps);
  return view;
}

/** Pending (409), the cap (429 until the PIN expires), the minute's wait (429). */
function assertMaySend(r: Resender, session: SessionRow, sent: Sent[], now: Date): void {
  const last = sent[0];
  if (last && (last.status === 'queued' || last.status === 'sending')) {
    throw new Conflict(r.pending.message, r.pending.code);
  }
  if (sent.length >= MAX_INVITATIONS_PER_SESSION) {
    throw new RateLimited(
      `This invitation was already sent ${sent.length} times. Check the ${r.contact}, or create a new session.`,
      (session.pinExpiresAt.getTime() - now.getTime()) / 1000,
    );
  }
  const wait = last ? last.createdAt.getTime() + RESEND_AFTER_MS - now.getTime() : 0;
  if (wait > 0)
    throw new RateLimited(`Wait ${Math.ceil(wait / 1000)} s before sending the ${r.name} again.`, wait / 1000);
}
