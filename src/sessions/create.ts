// Creating a Lens session: the invitation with its PIN and link, and for the
// SMS and e-mail methods the outbox row, in one transaction.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { auditSms } from '../sms/sms-audit.ts';
import type { Me } from '../auth/sessions.ts';
import { groups, lensSessions, smsMessages, technicians } from '../db/schema.ts';
import { tokenHash } from '../auth/tokens.ts';
import { pgErrorCode, transaction, UNIQUE_VIOLATION, violatedConstraint, type Tx } from '../db/transaction.ts';
import { spend } from '../ratelimit/limiter.ts';
import type { Deps } from '../deps.ts';
import { Conflict, Forbidden, RateLimited } from '../http/errors.ts';
import { invitationText } from '../sms/templates.ts';
import { assertEmailConfigured, queueInvitationEmail } from '../email/queue.ts';
import type { Right } from '../contract/rights.ts';
import { languageForCountry, normalisePhone } from './phone.ts';
import { newLinkToken, newPin } from './pin.ts';
import type { CreateSessionInput } from '../contract/inputs.ts';
import { LIVE_STATES } from './states.ts';
import { linkFor, sessionView, type SessionView } from './view.ts';

const PIN_ATTEMPTS = 20;
/** Bounds what a stolen account or a script can send: texts cost money and a phone can be flooded. */
export const SMS_PER_NUMBER = { max: 5, windowMs: 3_600_000 };
export const SMS_PER_TECHNICIAN = { max: 60, windowMs: 3_600_000 };

type Method = CreateSessionInput['method'];
const METHOD_RIGHT = { sms: 'use_sms_method', link: 'use_link_method', email: 'use_email_method' } as const;
const METHOD_NAME = { sms: 'SMS', link: 'link/PIN', email: 'e-mail' } as const;

export function rightsFor(method: Method): Right[] {
  return ['start_lens_sessions', 'start_private_sessions', METHOD_RIGHT[method]];
}

export function assertRights(me: Pick<Me, 'rights'>, method: Method) {
  const missing = rightsFor(method).filter((r) => !me.rights.includes(r));
  if (missing.length) {
    throw new Forbidden(
      `Inviting by ${METHOD_NAME[method]} needs the right(s) ${missing.map((r) => `"${r}"`).join(', ')}, which your group does not have.`,
    );
  }
}

/**
 * The technician row lock serialises one technician's concurrent requests, so
 * the count below is exact; the unique (technician, live_slot) index is the
 * database's own guarantee on top of it.
 */
async function takeLiveSlot(tx: Tx, technicianId: string): Promise<number> {
  const [row] = await tx
    .select({ settings: groups.settings })
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(technicians.id, technicianId))
    .for('update', { of: technicians });
  const max = row!.settings.maxLiveLensSessions;
  const live = await tx
    .select({ name: lensSessions.name, slot: lensSessions.liveSlot })
    .from(lensSessions)
    .where(and(eq(lensSessions.technicianId, technicianId), inArray(lensSessions.state, [...LIVE_STATES])))
    .orderBy(desc(lensSessions.createdAt));
  if (live.length >= max) {
    const names = live.map((s) => `"${s.name}"`).join(', ');
    throw new Conflict(
      max === 1
        ? `You already have a live Lens session: ${names}. End it before starting another.`
        : `You already have ${live.length} live Lens sessions (${names}), the most your group allows. End one before starting another.`,
      'live_session_limit',
    );
  }
  const taken = new Set(live.map((s) => s.slot));
  let slot = 0;
  while (taken.has(slot)) slot++;
  return slot;
}

/** Inserts under a savepoint, drawing a new PIN while it collides with a live one. */
async function insertWithFreshPin(
  tx: Tx,
  values: Omit<typeof lensSessions.$inferInsert, 'pin' | 'linkToken' | 'linkTokenHash'>,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tx.transaction(async (sp) => {
        const linkToken = newLinkToken();
        const [row] = await sp
          .insert(lensSessions)
          .values({ ...values, pin: newPin(), linkToken, linkTokenHash: tokenHash(linkToken) })
          .returning();
        return row!;
      });
    } catch (err) {
      if (pgErrorCode(err) !== UNIQUE_VIOLATION) throw err;
      if (violatedConstraint(err) === 'lens_sessions_live_slot_idx') {
        throw new Conflict(
          'You already have a live Lens session. End it before starting another.',
          'live_session_limit',
        );
      }
      if (attempt >= PIN_ATTEMPTS) throw err;
    }
  }
}

/** `tokenId`: the API token the request came with, named in the audit row. */
export async function createSession(
  deps: Deps,
  me: Me,
  input: CreateSessionInput,
  via: { tokenId?: string } = {},
): Promise<SessionView> {
  assertRights(me, input.method);
  if (input.method === 'email') assertEmailConfigured(deps);
  const phone = input.phone
    ? normalisePhone(input.phone, deps.config.defaultRegion, deps.config.smsCountries)
    : undefined;
  const language = input.language ?? languageForCountry(phone?.country ?? deps.config.defaultRegion);
  const now = deps.clock.now();
  const actor = { type: 'technician', id: me.id } as const;

  // The live-session limit (409) is checked first, the SMS quotas (429) as the text is queued:
  // a refusal by either rolls back everything, the quota's counts included.
  const view = await transaction(deps.db, async (tx) => {
    const slot = await takeLiveSlot(tx, me.id);
    const [group] = await tx.select({ settings: groups.settings }).from(groups).where(eq(groups.id, me.groupId));
    const pinExpiresAt = new Date(now.getTime() + group!.settings.pinLifetimeMinutes * 60_000);
    const session = await insertWithFreshPin(tx, {
      technicianId: me.id,
      name: input.name,
      state: 'invited',
      method: input.method,
      phone: phone?.e164 ?? null,
      email: input.email ?? null,
      language,
      pinExpiresAt,
      liveSlot: slot,
      reference: input.reference ?? null,
      recorded: group!.settings.recordSessions ?? false,
      createdAt: now,
      updatedAt: now,
    });
    await audit(
      tx,
      actor,
      'session.invited',
      { type: 'session', id: session.id },
      // Not the phone number or e-mail address: they stay on the session row, where retention can remove them.
      { method: input.method, reference: input.reference ?? null, ...(via.tokenId && { tokenId: via.tokenId }) },
    );
    // After the invitation's row: the timeline orders rows of one instant by id.
    if (phone) await queueInvitationSms(tx, deps, session, me.id, now);
    if (session.email) await queueInvitationEmail(tx, deps, session, me.id, now);
    return (await sessionView(tx, deps.config, session.id))!;
  });
  deps.events.sessionChanged({ sessionId: view.id, technicianId: me.id });
  if (phone) deps.events.smsQueued();
  if (input.email) deps.events.emailQueued();
  return view;
}

/** Queues the invitation's text, spending the SMS quotas for it in the same transaction (see spend). */
export async function queueInvitationSms(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  session: typeof lensSessions.$inferSelect,
  technicianId: string,
  now: Date,
) {
  const to = session.phone!;
  await spend(
    tx,
    [
      [`sms-to:${to}`, SMS_PER_NUMBER],
      [`sms-by:${technicianId}`, SMS_PER_TECHNICIAN],
    ],
    now,
    (over) =>
      new RateLimited(
        over.key === `sms-to:${to}`
          ? `${to} already got ${SMS_PER_NUMBER.max} invitations this hour. Check the number, or use the link/PIN method.`
          : `You sent ${SMS_PER_TECHNICIAN.max} invitations this hour, the most allowed.`,
        over.retryAfterS,
      ),
  );
  const minutes = Math.round((session.pinExpiresAt.getTime() - now.getTime()) / 60_000);
  const text = invitationText(session.language, {
    link: linkFor(deps.config, session.linkToken!),
    pin: session.pin!,
    minutes,
  });
  const [queued] = await tx
    .insert(smsMessages)
    .values({ sessionId: session.id, to, text, nextAttemptAt: now, createdAt: now, updatedAt: now })
    .returning({ id: smsMessages.id });
  await auditSms(tx, session.id, 'queued', queued!.id);
}
