// Queuing an e-mail invitation inside the session's own transaction
// (src/sessions/create.ts): the quotas, the message in the session's
// language, the outbox row and its audit row land together or not at all.
import { emailMessages, type lensSessions } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, RateLimited } from '../http/errors.ts';
import { spend } from '../ratelimit/limiter.ts';
import { linkFor } from '../sessions/view.ts';
import { auditEmail } from './email-audit.ts';
import { invitationEmail } from './templates.ts';

/** Bounds what a stolen account or a script can send: an inbox can be flooded, and a server's reputation spent. */
export const EMAIL_PER_ADDRESS = { max: 5, windowMs: 3_600_000 };
export const EMAIL_PER_TECHNICIAN = { max: 60, windowMs: 3_600_000 };

/** Refuses the e-mail method when Loupe has no SMTP server to send through. */
export function assertEmailConfigured(deps: Pick<Deps, 'config'>): void {
  if (!deps.config.smtp)
    throw new Conflict(
      'E-mail invitations are not set up on this Loupe (SMTP_URL is not set). Use the SMS or link/PIN method.',
      'email_not_configured',
    );
}

export async function queueInvitationEmail(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  session: typeof lensSessions.$inferSelect,
  technicianId: string,
  now: Date,
): Promise<void> {
  const to = session.email!;
  await spend(
    tx,
    [
      [`email-to:${to}`, EMAIL_PER_ADDRESS],
      [`email-by:${technicianId}`, EMAIL_PER_TECHNICIAN],
    ],
    now,
    (over) =>
      new RateLimited(
        over.key === `email-to:${to}`
          ? `${to} already got ${EMAIL_PER_ADDRESS.max} invitations this hour. Check the address, or use the link/PIN method.`
          : `You sent ${EMAIL_PER_TECHNICIAN.max} e-mail invitations this hour, the most allowed.`,
        over.retryAfterS,
      ),
  );
  const minutes = Math.round((session.pinExpiresAt.getTime() - now.getTime()) / 60_000);
  const message = invitationEmail(session.language, {
    link: linkFor(deps.config, session.linkToken!),
    pin: session.pin!,
    minutes,
  });
  const [queued] = await tx
    .insert(emailMessages)
    .values({ sessionId: session.id, to, ...message, nextAttemptAt: now, createdAt: now, updatedAt: now })
    .returning({ id: emailMessages.id });
  await auditEmail(tx, session.id, 'queued', queued!.id);
}
