// API tokens (docs/integrations.md, "API tokens"): made, listed and revoked
// in a browser. Only the token's SHA-256 and its first characters are kept,
// so a copy of the database lets nobody call the API; the token itself is
// answered once, at creation.
import { and, count, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { audit, type Actor } from '../audit/audit.ts';
import { newToken, tokenHash } from '../auth/tokens.ts';
import { type Me, loadMe } from '../auth/sessions.ts';
import type { CreateTokenInput, TokenView } from '../contract/org-schemas.ts';
import { SCOPE_RIGHTS, type Scope, TOKEN_PREFIX, TOKENS_MAX } from '../contract/org.ts';
import { apiTokens, technicians } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, Forbidden, NotFound } from '../http/errors.ts';

export type TokenRow = typeof apiTokens.$inferSelect;
/** Shown in lists beside the name: `loupe_` and 4 characters of the secret (too few to guess the rest by). */
export const PREFIX_LENGTH = 10;

export function toTokenView(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    kind: row.technicianId ? 'personal' : 'service',
    technicianId: row.technicianId,
    scopes: row.scopes,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

const isAdministrator = (me: Pick<Me, 'rights'>) => me.rights.includes('administer');

/** The scopes of `scopes` that `rights` do not allow (SCOPE_RIGHTS). */
export function scopesBeyond(rights: readonly string[], scopes: readonly Scope[]): Scope[] {
  return scopes.filter((s) => SCOPE_RIGHTS[s].some((r) => !rights.includes(r)));
}

/** POST /api/tokens: a service token (administrators) or a personal token within its technician's rights. */
export async function createToken(
  deps: Pick<Deps, 'db' | 'clock'>,
  me: Me,
  input: CreateTokenInput,
): Promise<{ token: string; tokenInfo: TokenView }> {
  const technicianId = input.technicianId ?? null;
  if (!technicianId && !isAdministrator(me)) {
    throw new Forbidden(
      'Only an administrator makes service tokens. For a token of your own, give your own technicianId.',
    );
  }
  if (technicianId && technicianId !== me.id && !isAdministrator(me)) {
    throw new Forbidden('You may make personal tokens for yourself only.');
  }
  return transaction(deps.db, async (tx) => {
    if (technicianId) await checkTechnician(tx, technicianId, input.scopes);
    // One writer at a time per owner, so two requests at once cannot pass the limit together.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`loupe.api_tokens:${technicianId ?? 'service'}`}))`);
    const owner = technicianId ? eq(apiTokens.technicianId, technicianId) : isNull(apiTokens.technicianId);
    const [live] = await tx
      .select({ n: count() })
      .from(apiTokens)
      .where(and(owner, isNull(apiTokens.revokedAt)));
    if (live!.n >= TOKENS_MAX) {
      throw new Conflict(
        `There are already ${TOKENS_MAX} ${technicianId ? 'tokens of this technician' : 'service tokens'}. Revoke one first.`,
        'too_many_tokens',
      );
    }
    const token = TOKEN_PREFIX + newToken();
    const [row] = await tx
      .insert(apiTokens)
      .values({
        name: input.name,
        technicianId,
        scopes: input.scopes,
        tokenHash: tokenHash(token),
        prefix: token.slice(0, PREFIX_LENGTH),
        createdBy: me.id,
        createdAt: deps.clock.now(),
      })
      .returning();
    const view = toTokenView(row!);
    // Never the token: its prefix is what the lists show too.
    await audit(tx, actorOf(me), 'token.created', subject(view.id), {
      name: view.name,
      kind: view.kind,
      technicianId,
      scopes: view.scopes,
      prefix: view.prefix,
    });
    return { token, tokenInfo: view };
  });
}

async function checkTechnician(tx: Tx, technicianId: string, scopes: Scope[]): Promise<void> {
  const target = await loadMe(tx, technicianId);
  if (!target) throw new NotFound('No such technician.');
  const [row] = await tx
    .select({ disabled: technicians.disabled })
    .from(technicians)
    .where(eq(technicians.id, technicianId));
  if (row!.disabled) throw new Conflict('That technician is disabled: their tokens would not work.');
  const beyond = scopesBeyond(target.rights, scopes);
  if (beyond.length) {
    const needs = beyond.map((s) => `${s} needs ${SCOPE_RIGHTS[s].map((r) => `"${r}"`).join(' and ')}`).join('; ');
    throw new Forbidden(
      `The technician's group does not have the rights for these scopes: ${needs}.`,
      'scope_beyond_rights',
    );
  }
}

/** GET /api/tokens: every token for an administrator, else the caller's own; newest first, revoked ones too. */
export async function listTokens(deps: Pick<Deps, 'db'>, me: Me): Promise<TokenView[]> {
  const rows = await deps.db
    .select()
    .from(apiTokens)
    .where(isAdministrator(me) ? undefined : eq(apiTokens.technicianId, me.id))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(toTokenView);
}

/**
 * DELETE /api/tokens/:id: one's own personal token, or any for an
 * administrator; another's is as unknown as a missing one. Revoking a
 * revoked token changes nothing.
 */
export async function revokeToken(deps: Pick<Deps, 'db' | 'clock'>, me: Me, id: string): Promise<void> {
  const mine: SQL | undefined = isAdministrator(me) ? undefined : eq(apiTokens.technicianId, me.id);
  await transaction(deps.db, async (tx) => {
    const [row] = await tx
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, id), mine))
      .for('update');
    if (!row) throw new NotFound('No such token.');
    if (row.revokedAt) return;
    await tx.update(apiTokens).set({ revokedAt: deps.clock.now() }).where(eq(apiTokens.id, id));
    await audit(tx, actorOf(me), 'token.revoked', subject(id), {
      name: row.name,
      kind: row.technicianId ? 'personal' : 'service',
      technicianId: row.technicianId,
      prefix: row.prefix,
    });
  });
}

const actorOf = (me: Pick<Me, 'id'>): Actor => ({ type: 'technician', id: me.id });
const subject = (id: string) => ({ type: 'api_token', id });
