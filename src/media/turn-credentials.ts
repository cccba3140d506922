// Ephemeral TURN credentials, the "TURN REST API" scheme coturn checks with
// `use-auth-secret`: the username is `<unix expiry>:<label>` and the password
// base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC from the
// shared secret and refuses an expired username, so Loupe hands out
// credentials without storing any, and a leaked one stops working by itself.
import { createHmac } from 'node:crypto';

export type TurnCredential = { username: string; credential: string; expiresAt: Date };

// The label is readable by anyone holding the credential: a role, never a secret or a person.
const LABEL = /^[\w.-]{1,64}$/;

export function turnCredential(secret: string, label: string, expiresAt: Date): TurnCredential {
  if (!LABEL.test(label)) throw new Error(`TURN credential label must be 1-64 letters, digits, . _ or -: ${label}`);
  if (!secret) throw new Error('TURN credential needs a secret');
  const username = `${Math.floor(expiresAt.getTime() / 1000)}:${label}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
}

/** A credential valid for ttlMs from now. */
export function freshTurnCredential(secret: string, label: string, ttlMs: number, now = new Date()): TurnCredential {
  return turnCredential(secret, label, new Date(now.getTime() + ttlMs));
}
