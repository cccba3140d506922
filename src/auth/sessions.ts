// Server-side login sessions with an idle and an absolute expiry.
import type { Me } from '../contract/views.ts';
import { eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { preparedPerDb } from '../db/prepared.ts';
import { authSessions, groups, technicians } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import type { TokenVia } from '../tokens/bearer.ts';
import { newToken, tokenHash } from './tokens.ts';

export const SESSION_COOKIE = 'loupe_session';

/** The signed-in technician as the API and the console see them. */
/** The signed-in technician, as the API shows them: the contract's shape. */
export type { Me };
/** `via`: the request came with an API token (src/tokens/bearer.ts) rather than the cookie. */
export type SignedIn = { authSessionId: string; technician: Me; via?: TokenVia };

// Writing last_seen on every request would turn each read into a write.
const LAST_SEEN_RESOLUTION_MS = 60_000;

type SessionDeps = Pick<Deps, 'clock' | 'config'>;

export async function createAuthSession(
  tx: Tx,
  deps: SessionDeps,
  technicianId: string,
  meta: { address: string; userAgent: string },
): Promise<{ token: string; expiresAt: Date; authSessionId: string }> {
  const now = deps.clock.now();
  const token = newToken();
  const expiresAt = new Date(now.getTime() + deps.config.sessionMaxHours * 3_600_000);
  const [row] = await tx
    .insert(authSessions)
    .values({
      tokenHash: tokenHash(token),
      technicianId,
      lastSeenAt: now,
      expiresAt,
      address: meta.address,
      userAgent: meta.userAgent.slice(0, 512),
    })
    .returning({ id: authSessions.id });
  await tx.update(technicians).set({ lastLoginAt: now }).where(eq(technicians.id, technicianId));
  return { token, expiresAt, authSessionId: row!.id };
}

/** A Me's columns: the technician joined with their group. */
const meColumns = {
  id: technicians.id,
  email: technicians.email,
  name: technicians.name,
  groupId: technicians.groupId,
  groupName: groups.name,
  rights: groups.rights,
};

export async function loadMe(db: Db | Tx, technicianId: string): Promise<Me | undefined> {
  const [row] = await db
    .select(meColumns)
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(technicians.id, technicianId));
  return row;
}

/** The technician behind a cookie, or undefined when it is unknown, expired, idle too long, or the account is disabled. */
export async function resolveAuthSession(
  deps: Pick<Deps, 'db'> & SessionDeps,
  token: string,
): Promise<SignedIn | undefined> {
  if (!token || token.length > 100) return undefined;
  return resolveAuthSessionByHash(deps, tokenHash(token));
}

const authSessionByHash = preparedPerDb((db) =>
  db
    .select({
      session: authSessions,
      me: meColumns,
      disabled: technicians.disabled,
    })
    .from(authSessions)
    .innerJoin(technicians, eq(technicians.id, authSessions.technicianId))
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(authSessions.tokenHash, sql.placeholder('hash')))
    .prepare('auth_session_by_hash'),
);

/** The same, for a caller that keeps the token's hash rather than the token (a console socket re-checking its sign-in). */
export async function resolveAuthSessionByHash(
  deps: Pick<Deps, 'db'> & SessionDeps,
  hash: string,
): Promise<SignedIn | undefined> {
  const [row] = await authSessionByHash(deps.db).execute({ hash });
  if (!row) return undefined;
  const now = deps.clock.now().getTime();
  const idleLimit = row.session.lastSeenAt.getTime() + deps.config.sessionIdleMinutes * 60_000;
  if (row.disabled || now >= row.session.expiresAt.getTime() || now >= idleLimit) {
    await deps.db.delete(authSessions).where(eq(authSessions.id, row.session.id));
    return undefined;
  }
  if (now - row.session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await deps.db
      .update(authSessions)
      .set({ lastSeenAt: new Date(now) })
      .where(eq(authSessions.id, row.session.id));
  }
  return { authSessionId: row.session.id, technician: row.me };
}

/** Deletes the sign-in behind a cookie token; which it was, when it was still known. */
export async function endAuthSession(
  db: Db,
  token: string,
): Promise<{ technicianId: string; authSessionId: string } | undefined> {
  const [row] = await db
    .delete(authSessions)
    .where(eq(authSessions.tokenHash, tokenHash(token)))
    .returning({ technicianId: authSessions.technicianId, authSessionId: authSessions.id });
  return row;
}

export async function deleteExpiredAuthSessions(deps: Pick<Deps, 'db'> & SessionDeps): Promise<void> {
  const now = deps.clock.now();
  const idleSince = new Date(now.getTime() - deps.config.sessionIdleMinutes * 60_000);
  await deps.db
    .delete(authSessions)
    .where(or(lt(authSessions.expiresAt, now), lt(authSessions.lastSeenAt, idleSince)) ?? sql`false`);
}
