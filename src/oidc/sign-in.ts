// A single sign-on's verdict, once the provider's answer passed every check
// (client.ts): which Loupe group the person's provider groups map to, which
// technician they are (found by issuer and subject, else linked by e-mail,
// else made just-in-time), their name, e-mail and group brought up to date,
// and a Loupe sign-in made as for a password. Refused (with the reason the
// page shows) when no group maps, the mapped group does not exist, the
// technician is disabled in Loupe, or the provider gives no usable e-mail.
import { and, eq, isNull, ne } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { createAuthSession, loadMe, type Me } from '../auth/sessions.ts';
import type { OidcSettings } from '../config.ts';
import { emailSchema } from '../contract/inputs.ts';
import { PERSON_NAME_MAX } from '../contract/limits.ts';
import { cleanText } from '../contract/text.ts';
import { authSessions, groups, technicians } from '../db/schema.ts';
import { pgErrorCode, transaction, UNIQUE_VIOLATION, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { countAdministrators, lockAdministrators } from '../technicians/administrators.ts';
import type { Identity } from './client.ts';
import type { Refusal } from './page.ts';

/** Why a sign-in was refused; the routes answer it as a page. */
export class SignInRefused extends Error {
  constructor(
    readonly reason: Refusal,
    readonly retryAfterS?: number,
  ) {
    super(reason);
  }
}

/** The group claim as a list of names: an array of strings, or one string; anything else is no groups. */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (!Array.isArray(claim)) return [];
  return claim.slice(0, 1000).filter((g): g is string => typeof g === 'string');
}

/** The Loupe group's name: the first entry of OIDC_GROUP_MAP (its order is its priority) that the person is in. */
export function mappedGroup(settings: Pick<OidcSettings, 'groupMap'>, claim: unknown): string | undefined {
  const theirs = new Set(groupsOf(claim));
  return settings.groupMap.find((m) => theirs.has(m.idpGroup))?.loupeGroup;
}

/** The provider's name, under Loupe's name rule; else what comes before the @. */
function displayName(identity: Identity, email: string): string {
  const cleaned = identity.name ? cleanText('name', identity.name) : undefined;
  const name = cleaned?.ok && cleaned.value ? cleaned.value : email.split('@')[0]!;
  return name.slice(0, PERSON_NAME_MAX);
}

type Meta = { address: string; userAgent: string };

export async function signInWithOidc(
  deps: Deps,
  settings: OidcSettings,
  identity: Identity,
  meta: Meta,
): Promise<{ token: string; expiresAt: Date; technician: Me }> {
  const groupName = mappedGroup(settings, identity.groups);
  if (!groupName) throw new SignInRefused('no_group');
  const parsedEmail = emailSchema.safeParse(identity.email?.toLowerCase() ?? '');
  if (!parsedEmail.success) throw new SignInRefused('no_email');
  const email = parsedEmail.data;
  const name = displayName(identity, email);
  try {
    return await transaction(deps.db, (tx) => apply(tx, deps, { identity, email, name, groupName }, meta));
  } catch (err) {
    // Two first sign-ins of one person at once: the second finds the first's technician on a retry.
    if (pgErrorCode(err) !== UNIQUE_VIOLATION) throw err;
    return transaction(deps.db, (tx) => apply(tx, deps, { identity, email, name, groupName }, meta));
  }
}

type Claims = { identity: Identity; email: string; name: string; groupName: string };

async function apply(tx: Tx, deps: Deps, claims: Claims, meta: Meta) {
  const { identity, groupName } = claims;
  const [group] = await tx.select({ id: groups.id }).from(groups).where(eq(groups.name, groupName));
  if (!group) {
    deps.log.warn('single sign-on: OIDC_GROUP_MAP names a Loupe group that does not exist', { group: groupName });
    throw new SignInRefused('unknown_group');
  }
  const technicianId = await findOrCreate(tx, { ...claims, groupId: group.id });
  const session = await createAuthSession(tx, deps, technicianId, meta);
  // The ID token is kept only as the hint for the provider's sign-out (client.ts endSessionUrl).
  await tx
    .update(authSessions)
    .set({ oidcIdToken: identity.idToken })
    .where(eq(authSessions.id, session.authSessionId));
  await audit(
    tx,
    { type: 'technician', id: technicianId },
    'auth.login',
    { type: 'auth_session', id: session.authSessionId },
    { method: 'oidc', address: meta.address },
  );
  return { token: session.token, expiresAt: session.expiresAt, technician: (await loadMe(tx, technicianId))! };
}

/** The technician's id: found, linked or made; up to date with the provider's claims. Refuses a disabled one. */
async function findOrCreate(tx: Tx, claims: Claims & { groupId: string }): Promise<string> {
  const { identity, email, name, groupId } = claims;
  const [bySubject] = await tx
    .select()
    .from(technicians)
    .where(and(eq(technicians.oidcIssuer, identity.issuer), eq(technicians.oidcSubject, identity.subject)));
  // A technician with the same e-mail and no provider account yet is linked, unless the
  // provider says it has not verified that address (whoever typed it in there would take the account over).
  const [byEmail] = bySubject
    ? []
    : await tx
        .select()
        .from(technicians)
        .where(and(eq(technicians.email, email), isNull(technicians.oidcSubject)));
  const found = bySubject ?? (identity.emailVerified === false ? undefined : byEmail);
  if (!found) return create(tx, claims);
  if (found.disabled) throw new SignInRefused('disabled');

  const changes: { name?: string; email?: string; groupId?: string } = {};
  if (found.name !== name) changes.name = name;
  if (found.email !== email && !(await emailInUse(tx, email, found.id))) changes.email = email;
  if (found.groupId !== groupId) changes.groupId = groupId;
  const linking = !found.oidcSubject;
  if (!linking && Object.keys(changes).length === 0) return found.id;
  // A new group may take the last administrator's rights away: not by a sign-in (src/technicians/administrators.ts).
  const administrators = changes.groupId ? await lockAndCountAdministrators(tx) : 0;
  await tx
    .update(technicians)
    .set({ ...changes, oidcIssuer: identity.issuer, oidcSubject: identity.subject, updatedAt: new Date() })
    .where(eq(technicians.id, found.id));
  if (administrators > 0 && (await countAdministrators(tx)) === 0) throw new SignInRefused('last_administrator');
  await audit(
    tx,
    { type: 'system' },
    'technician.updated',
    { type: 'technician', id: found.id },
    { ...changes, via: 'oidc', ...(linking ? { linked: identity.issuer } : {}) },
  );
  return found.id;
}

async function create(tx: Tx, claims: Claims & { groupId: string }): Promise<string> {
  const { identity, email, name, groupId } = claims;
  if (await emailInUse(tx, email)) throw new SignInRefused('email_taken');
  const [row] = await tx
    .insert(technicians)
    // No password: '' is no argon2 hash, and login.ts never verifies against it.
    .values({ email, name, groupId, passwordHash: '', oidcIssuer: identity.issuer, oidcSubject: identity.subject })
    .returning({ id: technicians.id });
  await audit(
    tx,
    { type: 'system' },
    'technician.created',
    { type: 'technician', id: row!.id },
    { email, groupId, via: 'oidc' },
  );
  return row!.id;
}

async function emailInUse(tx: Tx, email: string, except?: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: technicians.id })
    .from(technicians)
    .where(except ? and(eq(technicians.email, email), ne(technicians.id, except)) : eq(technicians.email, email));
  return !!row;
}

async function lockAndCountAdministrators(tx: Tx): Promise<number> {
  await lockAdministrators(tx);
  return countAdministrators(tx);
}
