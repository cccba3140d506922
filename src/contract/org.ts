// Names of issue 21's contract that the web app needs too: API token scopes,
// webhook events, size limits. No zod here (the web app imports this file);
// the schemas are org-schemas.ts. The design is docs/integrations.md.

/**
 * What an API token may do. A route's scope is in access.ts (`scope`); a
 * token without it gets `403 insufficient_scope`, and a route with none is
 * not open to tokens at all (`403 token_not_allowed`).
 */
export const SCOPES = ['sessions:write', 'sessions:read', 'reports:read', 'webhooks:manage'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The rights a personal token's scope needs its technician to have (at creation
 * and at each use: a technician who loses a right loses it for their tokens too).
 * Empty: any technician. `webhooks:manage` is an administrator's.
 */
export const SCOPE_RIGHTS: Record<Scope, readonly ('administer' | 'start_lens_sessions')[]> = {
  'sessions:write': ['start_lens_sessions'],
  'sessions:read': [],
  'reports:read': [],
  'webhooks:manage': ['administer'],
};

/** `loupe_` + 43 base64url characters (32 random bytes). */
export const TOKEN_PREFIX = 'loupe_';
export const TOKEN_NAME_MAX = 64;
/** Tokens per technician (personal) and service tokens in all. */
export const TOKENS_MAX = 50;

export const WEBHOOK_EVENTS = [
  'session.created',
  'session.state_changed',
  'session.ended',
  'sms.status_changed',
  'email.status_changed',
  'snapshot.created',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_URL_MAX = 2048;
export const WEBHOOK_DESCRIPTION_MAX = 200;
export const WEBHOOKS_MAX = 50;
/** Retries with exponential back-off stop after this long: the delivery is then `failed`. */
export const WEBHOOK_RETRY_HOURS = 24;
/** A receiver that has not answered in this long counts as a failed attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
