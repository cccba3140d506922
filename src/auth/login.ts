import { eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { technicians } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Forbidden, RateLimited, Unauthorized } from '../http/errors.ts';
import { blockedFor, clear, record, type Limit } from '../ratelimit/limiter.ts';
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
  const now = deps.clock.now();
  const addressKey = `login:address:${input.address}`;
  const accountKey = `login:account:${email}`;
  const wait = Math.max(
    await blockedFor(deps.db, addressKey, LOGIN_LIMITS.address, now),
    await blockedFor(deps.db, accountKey, LOGIN_LIMITS.account, now),
  );
  if (wait > 0)
    throw new RateLimited(`Too many failed sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`, wait);

  const [found] = await deps.db.select().from(technicians).where(eq(technicians.email, email));
  let ok = false;
  // New passwords are stored NFC-normalised; one set before that, as typed (src/contract/text.ts).
  for (const password of passwordForms(input.password)) {
    if (found) ok ||= await verifyPassword(found.passwordHash, password);
    else await burnVerifyTime(password); // an unknown email takes as long as a wrong password
  }
  if (!found || !ok) {
    await record(deps.db, addressKey, LOGIN_LIMITS.address, now);
    await record(deps.db, accountKey, LOGIN_LIMITS.account, now);
    deps.log.warn('login failed', { email, address: input.address });
    throw new Unauthorized('Wrong email or password.');
  }
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

/** Ends the sign-in behind a cookie token (if it is still known) and audits who signed out. */
export async function logout(deps: Pick<Deps, 'db'>, token: string | undefined): Promise<void> {
  if (!token) return;
  const technicianId = await endAuthSession(deps.db, token);
  if (technicianId)
    await transaction(deps.db, (tx) => audit(tx, { type: 'technician', id: technicianId }, 'auth.logout'));
}
