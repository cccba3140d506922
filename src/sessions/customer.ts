// The customer's side of the invitation: redeeming the PIN or link, and the EULA.
import type { LensView } from '../contract/views.ts';
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { sha256Hex } from '../audit/chain.ts';
import { newToken, tokenHash } from '../auth/tokens.ts';
import { lensSessions, settings, technicians } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Db } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError, Conflict, RateLimited } from '../http/errors.ts';
import { blockedFor, ensureCounters, openedAfter, releaseEach, windowSql, type Limit } from '../ratelimit/limiter.ts';
import { EULA_KEY, eulaFrom, getEula } from '../settings/eula.ts';
import { Fault } from '../log.ts';
import { finish } from './end.ts';
import type { EulaInput, RedeemInput } from '../contract/inputs.ts';
import { deviceSummary } from '../records/device.ts';
import { assertTransition, LIVE_STATES } from './states.ts';

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

export type { LensView };

/** What the Lens page needs before it has a session: where the native apps are. */
export function lensCapabilities(config: Pick<Deps['config'], 'appStore'>) {
  return { appStore: { ios: config.appStore.ios ?? null, android: config.appStore.android ?? null } };
}

export class InvitationNotFound extends AppError {
  constructor() {
    super(404, 'invitation_not_found', 'This PIN or link is not valid (any more). Ask your technician for a new one.');
  }
}

type SessionRow = typeof lensSessions.$inferSelect;

export async function lensView(db: Db | Tx, session: SessionRow): Promise<LensView> {
  // The technician's name and the EULA in one round trip (each Lens socket's
  // state update and each redeem runs this).
  const [row] = await db
    .select({ name: technicians.name, eula: settings.value })
    .from(technicians)
    .leftJoin(settings, eq(settings.key, EULA_KEY))
    .where(eq(technicians.id, session.technicianId));
  return viewOf(session, row?.name ?? '', row?.eula);
}

/** The customer's view of a session, given its technician's name and the stored EULA setting. */
function viewOf(session: SessionRow, technicianName: string, storedEula: unknown): LensView {
  const eula = eulaFrom(storedEula);
  return {
    state: session.state,
    name: session.name,
    technicianName,
    language: session.language,
    eula: eula[session.language],
    eulas: { en: eula.en, nl: eula.nl },
    pinExpiresAt: session.pinExpiresAt.toISOString(),
    endReason: session.endReason,
    recorded: session.recorded,
  };
}

/** The customer's live session for a cookie token; undefined once the session ended. */
export async function customerSession(db: Db | Tx, token: string | undefined): Promise<SessionRow | undefined> {
  if (!token || token.length > 128) return undefined;
  const [session] = await db
    .select()
    .from(lensSessions)
    .where(and(eq(lensSessions.customerTokenHash, tokenHash(token)), inArray(lensSessions.state, [...LIVE_STATES])));
  return session;
}

export async function sessionById(db: Db | Tx, id: string): Promise<SessionRow | undefined> {
  const [session] = await db.select().from(lensSessions).where(eq(lensSessions.id, id));
  return session;
}

export type Redeemed = { token: string; session: SessionRow; view: LensView };

/**
 * One statement does the redeem (after one that makes sure its counters
 * exist, see ensureCounters): it locks the attempt counters of its keys,
 * refuses if one is at its limit, claims the invitation, writes the audit
 * row, and counts the attempt only if it failed. The lock serialises attempts
 * per key, so a burst of parallel guesses cannot outrun the limit; successful
 * and refused attempts are never counted. The all-addresses key cannot be
 * produced from an address.
 */
export async function redeem(
  deps: Deps,
  input: RedeemInput,
  client: { address: string; userAgent?: string },
  currentToken?: string,
): Promise<Redeemed> {
  const { address } = client;
  const now = deps.clock.now();
  const byPin = 'pin' in input;
  const keys: [string, Limit][] = [[`lens-redeem:${address}`, REDEEM_PER_ADDRESS]];
  if (byPin) keys.push(['lens-redeem-all-addresses', REDEEM_ALL_ADDRESSES]);
  const token = newToken();
  await ensureCounters(
    deps.db,
    keys.map(([key]) => key),
    now,
  );
  const userAgent = client.userAgent?.slice(0, USER_AGENT_MAX) || null;
  const attempt = await claimUnlessLimited(deps.db, input, keys, {
    now,
    tokenHash: tokenHash(token),
    address,
    userAgent,
  });
  if (attempt.blocked) {
    let wait = 0;
    for (const [key, limit] of keys) wait = Math.max(wait, await blockedFor(deps.db, key, limit, now));
    throw new RateLimited(
      'Too many attempts. Wait a while, or ask your technician to send the link again.',
      Math.max(wait, 1),
    );
  }
  if (!attempt.claimed) {
    // A reload of the very link this browser already opened: its cookie still holds the session.
    const current = 'token' in input ? await customerSession(deps.db, currentToken) : undefined;
    if (!current || !('token' in input) || current.linkTokenHash !== tokenHash(input.token))
      throw new InvitationNotFound();
    // Not a failed attempt after all: taken back.
    await releaseEach(
      deps.db,
      keys.map(([key]) => key),
    );
    return { token: currentToken!, session: current, view: await lensView(deps.db, current) };
  }
  const { session, technicianName, storedEula } = attempt.claimed;
  deps.events.sessionChanged({ sessionId: session.id, technicianId: session.technicianId, state: session.state });
  return { token, session, view: viewOf(session, technicianName, storedEula) };
}

/** The Lens's User-Agent is kept for the report (docs/records.md, "Device"); a longer one is cut. */
export const USER_AGENT_MAX = 512;

type Attempt = { blocked: boolean; claimed?: { session: SessionRow; technicianName: string; storedEula: unknown } };

/**
 * The redeem statement and, when it claimed the invitation, its audit row, in
 * one transaction: audit() chains each row to the one before it, so the row is
 * written through it rather than by the statement.
 */
async function claimUnlessLimited(
  db: Db,
  input: RedeemInput,
  keys: [string, Limit][],
  at: { now: Date; tokenHash: string; address: string; userAgent: string | null },
): Promise<Attempt> {
  return transaction(db, (tx) => claimIn(tx, input, keys, at));
}

async function claimIn(
  tx: Tx,
  input: RedeemInput,
  keys: [string, Limit][],
  at: { now: Date; tokenHash: string; address: string; userAgent: string | null },
): Promise<Attempt> {
  const byPin = 'pin' in input;
  if (keys.length !== (byPin ? 2 : 1))
    throw new Fault(`a redeem by ${byPin ? 'PIN' : 'link'} has ${byPin ? 2 : 1} rate-limit keys, not ${keys.length}`);
  const values: Record<string, unknown> = {
    now: at.now.toISOString(),
    tokenHash: at.tokenHash,
    secret: byPin ? input.pin : input.token,
    userAgent: at.userAgent,
  };
  keys.forEach(([key, limit], i) => {
    values[`key${i}`] = key;
    values[`max${i}`] = limit.max;
    values[`openedAfter${i}`] = openedAfter(limit, at.now).toISOString();
  });
  // Built per attempt on the transaction (a prepared statement belongs to the pool, not to one transaction).
  const [row] = await redeemStatement(tx, byPin ? 'pin' : 'link', keys.length).execute(values);
  if (!row) throw new Fault('the redeem statement returned no row');
  if (!row.session) return { blocked: row.blocked === true };
  const sessionId = row.session.id;
  await audit(
    tx,
    { type: 'customer', id: sessionId },
    'session.opened',
    { type: 'session', id: sessionId },
    { by: byPin ? 'pin' : 'link', address: at.address, device: deviceSummary(at.userAgent) },
  );
  const session: SessionRow = {
    ...row.session,
    customerUserAgent: at.userAgent,
    state: 'connecting',
    openedAt: at.now,
    customerTokenHash: at.tokenHash,
    pin: null,
    linkToken: null,
    updatedAt: at.now,
    customerLeftAt: at.now,
  };
  return { blocked: false, claimed: { session, technicianName: row.technicianName ?? '', storedEula: row.storedEula } };
}

/**
 * The redeem statement, with placeholders for every value: by PIN (the
 * address's key and the all-addresses key) or by link (the address's key).
 * Built once per database (src/db/prepared.ts), as drizzle would otherwise
 * render its SQL anew on every attempt.
 */
function redeemStatement(db: Db | Tx, by: 'pin' | 'link', keyCount: number) {
  assertTransition('invited', 'connecting');
  const p = sql.placeholder;
  const now = sql`${p('now')}::timestamptz`;
  const limits = sql.join(
    Array.from(
      { length: keyCount },
      (_, i) => sql`(${p(`key${i}`)}::text, ${p(`max${i}`)}::int, ${p(`openedAfter${i}`)}::timestamptz)`,
    ),
    sql`, `,
  );
  const matches = by === 'pin' ? sql`pin = ${p('secret')}` : sql`link_token = ${p('secret')}`;
  // The limits of this attempt's keys: the most failed attempts a window may hold, and when a window still open began.
  const attemptLimits = db
    .$with('attempt_limits', { key: sql<string>`key` })
    .as(sql`select * from (values ${limits}) as v(key, max, opened_after)`);
  // Existing counters locked, in key order (concurrent attempts then wait for each other, never deadlock).
  const locked = db
    .$with('locked', { key: sql<string>`key` })
    .as(
      sql`select key, count, window_start from rate_limits where key in (select key from attempt_limits) order by key for update`,
    );
  // Keys at their limit (the fixed-window rule of src/ratelimit/limiter.ts).
  const lockedCounter = { windowStart: sql`locked.window_start`, count: sql`locked.count` };
  const blocked = db
    .$with('blocked', { key: sql<string>`key` })
    .as(
      sql`select locked.key from locked join attempt_limits l using (key) where ${windowSql.refuses(lockedCounter, sql`l.opened_after`, sql`l.max`)}`,
    );
  // Single use: the PIN and link die here; from now on the cookie is the customer's key.
  // Away until the page's socket connects: a customer who never does times out and frees the slot.
  const claimed = db.$with('claimed', { claimedId: sql<string>`claimed_id`.as('claimed_id') }).as(sql`
    update lens_sessions set state = 'connecting', opened_at = ${now}, customer_token_hash = ${p('tokenHash')}, pin = null, link_token = null,
      updated_at = ${now}, customer_left_at = ${now}, customer_user_agent = ${p('userAgent')}::text
    where state = 'invited' and pin_expires_at > ${now} and ${matches} and not exists (select 1 from blocked)
    returning id as claimed_id`);
  // A failed attempt is counted: in a new window when the old one is over (the rule recordEach uses too).
  // In key order, the order `locked` takes its locks in: a counter that a parallel attempt has just
  // made is then locked in the same order by everyone. In the order of the keys as given (the
  // address's first), an attempt that made the address's counter waited for the all-addresses one
  // while a later attempt held that and waited for the address's: a deadlock, PostgreSQL's 40P01
  // (seen as 500s in a burst from a new address).
  const counted = { windowStart: sql`rate_limits.window_start`, count: sql`rate_limits.count` };
  const after = sql`(select opened_after from attempt_limits l where l.key = excluded.key)`;
  const failed = db.$with('failed', { key: sql<string>`key` }).as(sql`
    insert into rate_limits (key, window_start, count)
    select key, ${now}, 1 from attempt_limits where not exists (select 1 from claimed) and not exists (select 1 from blocked)
    order by key
    on conflict (key) do update set
      count = ${windowSql.countAfterEvent(counted, after)},
      window_start = ${windowSql.startAfterEvent(counted, after, sql`excluded.window_start`)}
    returning key`);
  // What the statement's result rows see of lens_sessions is the row before the update (a WITH's changes are
  // not visible to its own statement): the claimed values are applied in claimUnlessLimited.
  return db
    .with(attemptLimits, locked, blocked, claimed, failed)
    .select({
      session: getTableColumns(lensSessions),
      technicianName: technicians.name,
      storedEula: settings.value,
      blocked: sql<boolean>`exists (select 1 from blocked)`,
    })
    .from(sql`(select 1) as one`)
    .leftJoin(claimed, sql`true`)
    .leftJoin(lensSessions, eq(lensSessions.id, claimed.claimedId))
    .leftJoin(technicians, eq(technicians.id, lensSessions.technicianId))
    .leftJoin(settings, eq(settings.key, EULA_KEY));
}

/** SHA-256 (hex) of the exact EULA text: what the customer accepted, in the timeline. */

/**
 * The customer's answer. `language`: the one the Lens showed the EULA in (the
 * customer may have switched); the session's own when the page did not say.
 */
export async function answerEula(deps: Deps, sessionId: string, answer: EulaInput): Promise<LensView> {
  const { accept } = answer;
  const now = deps.clock.now();
  const result = await transaction(deps.db, async (tx) => {
    const [session] = await tx.select().from(lensSessions).where(eq(lensSessions.id, sessionId)).for('update');
    if (session?.state !== 'connecting') {
      throw new Conflict(
        session?.state === 'waiting' ? 'The EULA was already accepted.' : 'This session is not waiting for the EULA.',
        'invalid_state',
      );
    }
    const actor = { type: 'customer', id: sessionId } as const;
    if (accept) {
      assertTransition(session.state, 'waiting');
      await tx
        .update(lensSessions)
        .set({ state: 'waiting', eulaAcceptedAt: now, updatedAt: now })
        .where(eq(lensSessions.id, sessionId));
      const language = answer.language ?? session.language;
      const shown = (await getEula(tx))[language];
      await audit(
        tx,
        actor,
        'session.eula_accepted',
        { type: 'session', id: sessionId },
        { language, eulaSha256: sha256Hex(shown) },
      );
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
