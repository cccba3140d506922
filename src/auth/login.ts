import { and, eq, sql } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { groups, technicians } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Forbidden, RateLimited, Unauthorized } from '../http/errors.ts';
import { clear, releaseEach, spend, type Limit } from '../ratelimit/limiter.ts';
import { passwordForms } from '../contract/text.ts';
import { burnVerifyTime, verifyPassword } from './passwords.ts';
import { createAuthSession, endAuthSession, loadMe, type Me } from './sessions.ts';

// Failed attempts allowed per window. Per address stops spraying many accounts
// from one place; per account stops guessing one password from many places.
export const LOGIN_LIMITS = {
  address: { max: 30, windowMs: 15 * 60_000 } satisfies Limit,
  account: { max: 10, windowMs: 15 * 60_000 } satisfies Limit,
};

export type LoginInput = { email: string; password: string; address: string; userAgent: string };

export async function login(
  deps: Deps,
  input: LoginInput,
): Promise<{ token: string; expiresAt: Date; technician: Me }> {
  const email = input.email.trim().toLowerCase();
  // LOUPE_PASSWORD_LOGIN=false: single sign-on only, but for the break-glass
  // administrator. Refused before the limiter and the password check: the
  // answer is the same whether the account exists and whatever the password,
  // and it spends nothing of the address's limit (which the break-glass
  // account shares). The break-glass email lets a password through only while
  // its technician is an administrator: one moved to another group (at the
  // provider, or in Loupe) is refused like everyone else.
  if (!deps.config.passwordLogin && !(email === deps.config.breakGlassEmail && (await isAdministrator(deps, email))))
    throw new Forbidden('Password sign-in is off here: sign in with single sign-on.', 'password_login_off');
  const now = deps.clock.now();
  const addressKey = `login:address:${input.address}`;
  const accountKey = `login:account:${email}`;
  // The attempt is counted before the password is checked, and taken back if
  // the password was right: a check beforehand and a count afterwards let a
  // burst of parallel guesses all pass the check while the first ones were
  // still being verified. Counting happens in a transaction of its own, so no
  // lock is held during the argon2 verification; a refusal by the limit rolls
  // back and counts nothing. A malformed body (400) never gets here: it tests
  // no password.
  await transaction(deps.db, (tx) =>
    spend(
      tx,
      [
        [addressKey, LOGIN_LIMITS.address],
        [accountKey, LOGIN_LIMITS.account],
      ],
      now,
      (over) =>
        new RateLimited(
          `Too many failed sign-in attempts. Try again in ${Math.ceil(over.retryAfterS / 60)} minute(s).`,
          over.retryAfterS,
        ),
    ),
  );

  const [found] = await deps.db.select().from(technicians).where(eq(technicians.email, email));
  let ok = false;
  // New passwords are stored NFC-normalised; one set before that, as typed (src/contract/text.ts).
  // '' is the hash of a technician made by single sign-on: no password is theirs, not even an empty one.
  const hash = found?.passwordHash || undefined;
  for (const password of passwordForms(input.password)) {
    if (hash) ok ||= await verifyPassword(hash, password);
    else await burnVerifyTime(password); // an unknown email takes as long as a wrong password
  }
  if (!found || !ok) {
    // The email only of an account that exists: an unknown one may be a password typed into the wrong box.
    deps.log.warn(
      'login failed',
      found ? { email, address: input.address } : { unknownAccount: true, address: input.address },
    );
    throw new Unauthorized('Wrong email or password.');
  }
  // The right password was no guess: its attempt is taken back (a disabled account's too).
  await releaseEach(deps.db, [addressKey, accountKey]);
  if (found.disabled) throw new Forbidden('This account is disabled. Ask your administrator.', 'account_disabled');
  await clear(deps.db, accountKey);

  return transaction(deps.db, async (tx) => {
    const session = await createAuthSession(tx, deps, found.id, input);
    await audit(
      tx,
      { type: 'technician', id: found.id },
      'auth.login',
      { type: 'auth_session', id: session.authSessionId },
      { address: input.address },
    );
    return { token: session.token, expiresAt: session.expiresAt, technician: (await loadMe(tx, found.id))! };
  });
}

/** Whether the technician with this email is in a group with the administer right. */
async function isAdministrator(deps: Pick<Deps, 'db'>, email: string): Promise<boolean> {
  const [row] = await deps.db
    .select({ id: technicians.id })
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(and(eq(technicians.email, email), sql`'administer' = any(${groups.rights})`));
  return row !== undefined;
}

/**
 * Ends the sign-in behind a cookie token (if it is still known), closes its
 * console sockets and audits who signed out. Only this sign-in ends: the same
 * technician in another browser stays signed in.
 */
export async function logout(deps: Pick<Deps, 'db' | 'events'>, token: string | undefined): Promise<void> {
  if (!token) return;
  const ended = await endAuthSession(deps.db, token);
  if (!ended) return;
  // The delete committed on its own; the sockets close before the audit row is written.
  deps.events.signedOut({ ...ended, reason: 'logout' });
  await transaction(deps.db, (tx) => audit(tx, { type: 'technician', id: ended.technicianId }, 'auth.logout'));
}
