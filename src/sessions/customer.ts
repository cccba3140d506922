// The customer's side of the invitation: redeeming the PIN or link, and the EULA.
import { and, eq, getTableColumns, gt, inArray } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { newToken, tokenHash } from '../auth/tokens.ts';
import { lensSessions, settings, technicians } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Db } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError, Conflict, RateLimited } from '../http/errors.ts';
import { blockedFor, recordEach, releaseEach, type Limit } from '../ratelimit/limiter.ts';
import { EULA_KEY, eulaFrom } from '../settings/eula.ts';
import { finish } from './end.ts';
import type { RedeemInput } from './schemas.ts';
import { assertTransition, LIVE_STATES, type SessionState } from './states.ts';

/** Failed attempts per address: enough for typos, far too few to guess a 6-digit PIN. */
export const REDEEM_PER_ADDRESS: Limit = { max: 10, windowMs: 15 * 60_000 };
/**
 * Failed attempts from all addresses together. Past it, typed PINs are locked
 * for everyone until the window ends (links keep working), so guessing from
 * many addresses cannot run through the PIN space either.
 */
export const REDEEM_ALL_ADDRESSES: Limit = { max: 300, windowMs: 15 * 60_000 };

export const LENS_COOKIE = 'loupe_lens';
/**
 * Set beside LENS_COOKIE, readable by the page and holding no secret: it tells
 * /l whether this browser may have a session to resume, so a first visit shows
 * the PIN field at once instead of after a request that can only answer 401.
 */
export const LENS_HINT_COOKIE = 'loupe_lens_open';

export type LensView = {
  state: SessionState; name: string; technicianName: string; language: 'en' | 'nl'; eula: string; pinExpiresAt: string;
  /** The EULA in every language, so the page can follow the customer's language switch. */
  eulas: Record<'en' | 'nl', string>;
  /** Why it ended (`technician`, `customer`, `customer_declined`, …), so the page can say so. */
  endReason: string | null;
};

export class InvitationNotFound extends AppError {
  constructor() {
    super(404, 'invitation_not_found', 'This PIN or link is not valid (any more). Ask your technician for a new one.');
  }
}

type SessionRow = typeof lensSessions.$inferSelect;

export async function lensView(db: Db | Tx, session: SessionRow): Promise<LensView> {
  // The technician's name and the EULA in one round trip (each Lens socket's
  // state update and each redeem runs this).
  const [row] = await db.select({ name: technicians.name, eula: settings.value }).from(technicians)
    .leftJoin(settings, eq(settings.key, EULA_KEY)).where(eq(technicians.id, session.technicianId));
  return viewOf(session, row?.name ?? '', row?.eula);
}

/** The customer's view of a session, given its technician's name and the stored EULA setting. */
function viewOf(session: SessionRow, technicianName: string, storedEula: unknown): LensView {
  const eula = eulaFrom(storedEula);
  return {
    state: session.state, name: session.name, technicianName, language: session.language,
    eula: eula[session.language], eulas: { en: eula.en, nl: eula.nl }, pinExpiresAt: session.pinExpiresAt.toISOString(), endReason: session.endReason,
  };
}

/** The customer's live session for a cookie token; undefined once the session ended. */
export async function customerSession(db: Db | Tx, token: string | undefined): Promise<SessionRow | undefined> {
  if (!token || token.length > 128) return undefined;
  const [session] = await db.select().from(lensSessions)
    .where(and(eq(lensSessions.customerTokenHash, tokenHash(token)), inArray(lensSessions.state, [...LIVE_STATES])));
  return session;
}

export async function sessionById(db: Db | Tx, id: string): Promise<SessionRow | undefined> {
  const [session] = await db.select().from(lensSessions).where(eq(lensSessions.id, id));
  return session;
}

export type Redeemed = { token: string; session: SessionRow; view: LensView };

/**
 * Every attempt is counted before the lookup (so a burst of parallel guesses
 * cannot outrun the limit) and taken back when it succeeds or the limit refuses
 * it, so only failures accumulate. The all-addresses key cannot be produced from an address.
 */
export async function redeem(deps: Deps, input: RedeemInput, address: string, currentToken?: string): Promise<Redeemed> {
  const now = deps.clock.now();
  const byPin = 'pin' in input;
  const keys: [string, Limit][] = [[`lens-redeem:${address}`, REDEEM_PER_ADDRESS]];
  if (byPin) keys.push(['lens-redeem-all-addresses', REDEEM_ALL_ADDRESSES]);
  let wait = 0;
  const counts = await recordEach(deps.db, keys, now);
  for (const [key, limit] of keys) {
    if (counts.get(key)! > limit.max) wait = Math.max(wait, await blockedFor(deps.db, key, limit, now));
  }
  if (wait > 0) {
    // A refused attempt tried no PIN: taken back, so a flood of legitimate redeems
    // (a backlog after a hiccup) locks nobody out once it has passed.
    await releaseEach(deps.db, keys.map(([key]) => key));
    throw new RateLimited('Too many attempts. Wait a while, or ask your technician to send the link again.', wait);
  }

  const token = newToken();
  const redeemed = await transaction(deps.db, async (tx) => {
    assertTransition('invited', 'connecting');
    // Single use: the PIN and link die here; from now on the cookie is the customer's key.
    // One conditional update finds and claims the invitation: a concurrent redeem of the
    // same PIN waits for this row and then no longer matches `state = 'invited'`.
    // It also returns what the customer's view needs (the technician's name, the EULA): one statement, not two.
    const [claimed] = await tx.update(lensSessions).set({
      state: 'connecting', openedAt: now, customerTokenHash: tokenHash(token), pin: null, linkToken: null, updatedAt: now,
      // Away until the page's socket connects: a customer who never does times out and frees the slot.
      customerLeftAt: now,
    }).from(technicians).leftJoin(settings, eq(settings.key, EULA_KEY)).where(and(
      eq(technicians.id, lensSessions.technicianId),
      eq(lensSessions.state, 'invited'), gt(lensSessions.pinExpiresAt, now),
      byPin ? eq(lensSessions.pin, input.pin) : eq(lensSessions.linkToken, input.token),
    )).returning({ ...getTableColumns(lensSessions), technicianName: technicians.name, storedEula: settings.value });
    if (!claimed) return undefined;
    const { technicianName, storedEula, ...updated } = claimed;
    await audit(tx, { type: 'customer', id: updated.id }, 'session.opened', { type: 'session', id: updated.id }, { by: byPin ? 'pin' : 'link', address });
    return { token, session: updated, view: viewOf(updated, technicianName, storedEula) };
  });
  if (!redeemed) {
    // A reload of the very link this browser already opened: its cookie still holds the session.
    const current = 'token' in input ? await customerSession(deps.db, currentToken) : undefined;
    if (!current || !('token' in input) || current.linkTokenHash !== tokenHash(input.token)) throw new InvitationNotFound();
    await releaseEach(deps.db, keys.map(([key]) => key));
    return { token: currentToken!, session: current, view: await lensView(deps.db, current) };
  }
  await releaseEach(deps.db, keys.map(([key]) => key));
  deps.events.sessionChanged({ sessionId: redeemed.session.id, technicianId: redeemed.session.technicianId, state: redeemed.session.state });
  return redeemed;
}

export async function answerEula(deps: Deps, sessionId: string, accept: boolean): Promise<LensView> {
  const now = deps.clock.now();
  const result = await transaction(deps.db, async (tx) => {
    const [session] = await tx.select().from(lensSessions).where(eq(lensSessions.id, sessionId)).for('update');
    if (!session || session.state !== 'connecting') {
      throw new Conflict(session?.state === 'waiting' ? 'The EULA was already accepted.' : 'This session is not waiting for the EULA.', 'invalid_state');
    }
    const actor = { type: 'customer', id: sessionId } as const;
    if (accept) {
      assertTransition(session.state, 'waiting');
      await tx.update(lensSessions).set({ state: 'waiting', eulaAcceptedAt: now, updatedAt: now }).where(eq(lensSessions.id, sessionId));
      await audit(tx, actor, 'session.eula_accepted', { type: 'session', id: sessionId });
    } else {
      await finish(tx, now, actor, session, 'closed', 'customer_declined');
    }
    const [updated] = await tx.select().from(lensSessions).where(eq(lensSessions.id, sessionId));
    return { row: updated!, view: await lensView(tx, updated!) };
  });
  deps.events.sessionChanged({ sessionId, technicianId: result.row.technicianId });
  return result.view;
}

/** The customer ends the session ("Stop" on the Lens page). */
export async function endByCustomer(deps: Deps, sessionId: string): Promise<LensView> {
  const result = await transaction(deps.db, async (tx) => {
    const [session] = await tx.select().from(lensSessions).where(eq(lensSessions.id, sessionId)).for('update');
    if (!session) throw new Conflict('This session has already ended.', 'invalid_state');
    await finish(tx, deps.clock.now(), { type: 'customer', id: sessionId }, session, 'closed', 'customer');
    const [ended] = await tx.select().from(lensSessions).where(eq(lensSessions.id, sessionId));
    return { row: ended!, view: await lensView(tx, ended!) };
  });
  deps.events.sessionChanged({ sessionId, technicianId: result.row.technicianId });
  return result.view;
}
