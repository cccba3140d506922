// `Authorization: Bearer loupe_…`: who an API token signs in as, and whether
// it may call the route at all (access.ts `scope`). The sign-in middleware
// (src/auth/middleware.ts) calls this instead of reading the cookie, so every
// route's own checks (rights, owns, sees) then apply to the token's principal.
import { eq } from 'drizzle-orm';
import { tokenHash } from '../auth/tokens.ts';
import { loadMe, type Me, type SignedIn } from '../auth/sessions.ts';
import { ACCESS } from '../contract/access.ts';
import { type Scope, TOKEN_PREFIX } from '../contract/org.ts';
import { RIGHTS } from '../contract/rights.ts';
import { routeKey } from '../contract/routes.ts';
import { apiTokens, lensSessions, recordings, snapshots, technicians } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { Forbidden, Unauthorized } from '../http/errors.ts';
import { scopesBeyond, type TokenRow } from './tokens.ts';

/** How a request signed in when it came with a token (SignedIn.via). */
export type TokenVia = { tokenId: string; kind: 'service' | 'personal'; scopes: Scope[] };

// Writing last_used_at on every call would turn each read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
const BEARER = new RegExp(`^Bearer (${TOKEN_PREFIX}[A-Za-z0-9_-]{43})$`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The principal of a request with an Authorization header, or a 401/403 saying why not. */
export async function signedInByToken(
  deps: Pick<Deps, 'db' | 'clock'>,
  request: { method: string; path: string; authorization: string },
): Promise<SignedIn> {
  const match = BEARER.exec(request.authorization.trim());
  if (!match) throw new Unauthorized('The Authorization header must be "Bearer loupe_…": an API token of Loupe.');
  const [row] = await deps.db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, tokenHash(match[1]!)));
  if (!row || row.revokedAt) throw new Unauthorized('This API token is unknown or has been revoked.');

  const key = routeKey(request.method, request.path);
  const access = key ? ACCESS[key] : undefined;
  const scope = access?.who === 'technician' ? access.scope : undefined;
  if (!scope) {
    throw new Forbidden(
      `API tokens may not call ${key ?? `${request.method} ${request.path}`}: it is for a browser's sign-in only.`,
      'token_not_allowed',
    );
  }
  const principal = row.technicianId ? await personal(deps, row, scope) : await service(deps, row, scope, request);
  await touch(deps, row);
  return {
    // No sign-in session stands behind a token: nothing may end "the others but this one" by it.
    authSessionId: '',
    technician: principal,
    via: { tokenId: row.id, kind: row.technicianId ? 'personal' : 'service', scopes: row.scopes },
  };
}

function insufficient(scope: Scope, why = ''): Forbidden {
  return new Forbidden(`This API token does not have the "${scope}" scope${why}.`, 'insufficient_scope');
}

/** A personal token is its technician, with the rights their group has now. */
async function personal(deps: Pick<Deps, 'db'>, row: TokenRow, scope: Scope): Promise<Me> {
  const [state] = await deps.db
    .select({ disabled: technicians.disabled })
    .from(technicians)
    .where(eq(technicians.id, row.technicianId!));
  const me = state && !state.disabled ? await loadMe(deps.db, row.technicianId!) : undefined;
  if (!me) throw new Unauthorized('The technician of this API token is disabled.');
  if (!row.scopes.includes(scope)) throw insufficient(scope);
  if (scopesBeyond(me.rights, [scope]).length) throw insufficient(scope, ": its technician's group lost the right");
  return me;
}

/**
 * A service token acts for the technician who owns the session a route
 * `owns` or `sees` (any session); elsewhere (lists, POST /api/sessions before
 * it names its technician, webhooks) as its creator with every right: the
 * administrator who gave it the scope decided, and lists show everyone's.
 */
async function service(
  deps: Pick<Deps, 'db'>,
  row: TokenRow,
  scope: Scope,
  request: { method: string; path: string },
): Promise<Me> {
  if (!row.scopes.includes(scope)) throw insufficient(scope);
  const key = routeKey(request.method, request.path)!;
  const access = ACCESS[key]!;
  const target = access.who === 'technician' ? (access.owns ?? access.sees) : undefined;
  if (target) {
    const owner = await ownerOf(deps, target, pathId(key, request.path));
    const me = owner && (await loadMe(deps.db, owner));
    if (me) return me;
  }
  const creator = await loadMe(deps.db, row.createdBy);
  if (!creator) throw new Unauthorized('The administrator who made this service token no longer exists.');
  return { ...creator, rights: [...RIGHTS] };
}

/** The value of the route pattern's `:id` in `path`. */
function pathId(key: string, path: string): string | undefined {
  const pattern = key.split(' ')[1]!.split('/');
  return path.split('/')[pattern.indexOf(':id')];
}

async function ownerOf(
  deps: Pick<Deps, 'db'>,
  target: 'session' | 'snapshot' | 'recording',
  id: string | undefined,
): Promise<string | undefined> {
  // A malformed id is the route's to refuse (400); the database would throw.
  if (!id || !UUID.test(id)) return undefined;
  const owner = { technicianId: lensSessions.technicianId };
  const rows =
    target === 'session'
      ? await deps.db.select(owner).from(lensSessions).where(eq(lensSessions.id, id))
      : target === 'snapshot'
        ? await deps.db
            .select(owner)
            .from(snapshots)
            .innerJoin(lensSessions, eq(lensSessions.id, snapshots.sessionId))
            .where(eq(snapshots.id, id))
        : await deps.db
            .select(owner)
            .from(recordings)
            .innerJoin(lensSessions, eq(lensSessions.id, recordings.sessionId))
            .where(eq(recordings.id, id));
  return rows[0]?.technicianId;
}

async function touch(deps: Pick<Deps, 'db' | 'clock'>, row: TokenRow): Promise<void> {
  const now = deps.clock.now();
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
}
