// A sign-in between Loupe's redirect to the provider and the provider's
// redirect back: the PKCE verifier and the nonce wait in `oidc_logins` under
// the SHA-256 of `state` (any node can finish the sign-in, and the table
// holds nothing the URL would give away), and the state itself is bound to
// the browser that started by the `loupe_oidc` cookie, so a callback opened
// in another browser (login CSRF) is refused. Each row is used once.
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { oidcLogins } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { tokenHash } from '../auth/tokens.ts';
import type { PendingLogin } from './client.ts';

/** Time to sign in at the provider: long enough for a password manager and a second factor. */
export const LOGIN_TTL_MS = 10 * 60_000;
export const STATE_COOKIE = 'loupe_oidc';
/** openid-client's states are 43 base64url characters; anything else is not ours. */
const STATE_SHAPE = /^[\w-]{20,100}$/;

export async function saveLogin(db: Db | Tx, now: Date, pending: PendingLogin): Promise<void> {
  // Sign-ins never finished (the person closed the tab) are dropped here: the table stays small with no job.
  await db.delete(oidcLogins).where(lt(oidcLogins.createdAt, new Date(now.getTime() - LOGIN_TTL_MS)));
  await db.insert(oidcLogins).values({
    stateHash: tokenHash(pending.state),
    codeVerifier: pending.codeVerifier,
    nonce: pending.nonce,
    createdAt: now,
  });
}

/** The pending sign-in of `state`, taken out (a second callback with it finds nothing), or undefined. */
export async function takeLogin(db: Db, now: Date, state: string): Promise<PendingLogin | undefined> {
  const [row] = await db
    .delete(oidcLogins)
    .where(
      and(eq(oidcLogins.stateHash, tokenHash(state)), gt(oidcLogins.createdAt, new Date(now.getTime() - LOGIN_TTL_MS))),
    )
    .returning({ codeVerifier: oidcLogins.codeVerifier, nonce: oidcLogins.nonce });
  return row && { state, ...row };
}

const secure = (config: Config) => config.publicUrl.protocol === 'https:' || !!config.tls;

export function setStateCookie(c: Context, config: Config, state: string): void {
  // Lax: sent on the provider's top-level redirect back to the callback (a GET), not on cross-site subrequests.
  setCookie(c, STATE_COOKIE, state, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(config),
    path: '/auth/oidc',
    maxAge: LOGIN_TTL_MS / 1000,
  });
}

/**
 * The callback's state when it is well-formed and the same as this browser's
 * cookie; undefined otherwise. The cookie is cleared either way: it serves one callback.
 */
export function stateOfThisBrowser(c: Context, config: Config): string | undefined {
  const state = c.req.query('state');
  const cookie = getCookie(c, STATE_COOKIE);
  if (cookie !== undefined)
    deleteCookie(c, STATE_COOKIE, { path: '/auth/oidc', secure: secure(config), httpOnly: true, sameSite: 'Lax' });
  if (!state || !STATE_SHAPE.test(state) || cookie !== state) return undefined;
  return state;
}
