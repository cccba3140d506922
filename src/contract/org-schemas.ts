// Issue 21's requests and answers: API tokens, webhooks and their deliveries,
// the e-mail invitation's status. Names are org.ts; the design is docs/integrations.md.
import { z } from 'zod';
import { text } from './inputs.ts';
import { SCOPES, TOKEN_NAME_MAX, WEBHOOK_DESCRIPTION_MAX, WEBHOOK_EVENTS, WEBHOOK_URL_MAX } from './org.ts';

const time = z.iso.datetime();
const scope = z.enum(SCOPES, { error: `A scope is one of ${SCOPES.join(', ')}.` });
const event = z.enum(WEBHOOK_EVENTS, { error: `An event is one of ${WEBHOOK_EVENTS.join(', ')}.` });

// ---- API tokens

/**
 * POST /api/tokens. Without `technicianId`: a service token (administrators
 * only), which names per request the technician it acts for. With it: a
 * personal token of that technician (one's own; an administrator's for anyone),
 * whose scopes must be within that technician's rights.
 */
export const createTokenInput = z.strictObject({
  name: text('name').pipe(
    z.string().min(1, 'Give the token a name.').max(TOKEN_NAME_MAX, `At most ${TOKEN_NAME_MAX} characters.`),
  ),
  scopes: z
    .array(scope)
    .min(1, 'Give the token at least one scope.')
    .max(SCOPES.length)
    .transform((s) => [...new Set(s)]),
  technicianId: z.uuid('Not a valid id.').optional(),
});
export type CreateTokenInput = z.output<typeof createTokenInput>;

export const tokenViewSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['service', 'personal']),
  /** The personal token's technician; null for a service token. */
  technicianId: z.uuid().nullable(),
  scopes: z.array(scope),
  /** The token's first characters (`loupe_AbCd`), to recognise it by; never the rest. */
  prefix: z.string(),
  createdAt: time,
  lastUsedAt: time.nullable(),
  revokedAt: time.nullable(),
});
export type TokenView = z.output<typeof tokenViewSchema>;

/** 201: the token, shown this once. */
export const createdTokenSchema = z.strictObject({
  token: z.string().regex(/^loupe_[\w-]{43}$/),
  tokenInfo: tokenViewSchema,
});

// ---- webhooks

// Printable ASCII only: a URL parser silently drops tabs and line feeds, and an
// invisible character would make the address shown differ from the one called.
const webhookUrl = z
  .string()
  .max(WEBHOOK_URL_MAX, `At most ${WEBHOOK_URL_MAX} characters.`)
  .regex(
    /^[\x21-\x7e]+$/,
    'A URL has no spaces or invisible characters (percent-encode them; an international host name in its xn-- form).',
  )
  .pipe(z.url({ protocol: /^https?$/, error: 'Give an https:// URL.' }));
const description = text('line').pipe(
  z.string().max(WEBHOOK_DESCRIPTION_MAX, `At most ${WEBHOOK_DESCRIPTION_MAX} characters.`),
);
const events = z
  .array(event)
  .min(1, 'Choose at least one event.')
  .max(WEBHOOK_EVENTS.length)
  .transform((e) => [...new Set(e)]);

/** POST /api/webhooks. Whether the URL may be used (https, no private address) is checked by the server (src/webhooks/target.ts). */
export const createWebhookInput = z.strictObject({
  url: webhookUrl,
  events,
  description: description.optional(),
});
export const updateWebhookInput = z
  .strictObject({
    url: webhookUrl.optional(),
    events: events.optional(),
    description: description.optional(),
    enabled: z.boolean({ error: 'enabled must be true or false.' }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');
export type CreateWebhookInput = z.output<typeof createWebhookInput>;
export type UpdateWebhookInput = z.output<typeof updateWebhookInput>;

export const webhookViewSchema = z.strictObject({
  id: z.uuid(),
  url: z.string(),
  events: z.array(event),
  description: z.string(),
  enabled: z.boolean(),
  createdAt: time,
  updatedAt: time,
});
export type WebhookView = z.output<typeof webhookViewSchema>;

/** 201: the receiver and its signing secret, shown this once. */
export const createdWebhookSchema = z.strictObject({
  id: z.uuid(),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{20,}$/),
  webhook: webhookViewSchema,
});

export const webhookAttemptSchema = z.strictObject({
  at: time,
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int().min(0),
  error: z.string().nullable(),
});
export const webhookDeliverySchema = z.strictObject({
  id: z.uuid(),
  /** The `webhook-id` header: the same on every attempt. */
  messageId: z.string(),
  event,
  sessionId: z.uuid().nullable(),
  status: z.enum(['queued', 'sending', 'delivered', 'failed']),
  attempts: z.array(webhookAttemptSchema),
  nextAttemptAt: time.nullable(),
  createdAt: time,
  deliveredAt: time.nullable(),
});
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;
export const webhookDeliveryPageSchema = z.strictObject({
  deliveries: z.array(webhookDeliverySchema),
  nextCursor: z.string().nullable(),
});

/** GET /api/webhooks/:id/deliveries: newest first; `cursor` is the previous page's `nextCursor`. */
export const webhookDeliveriesQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'This is not a cursor from a previous page.')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

// ---- e-mail invitations

export const emailViewSchema = z.strictObject({
  status: z.enum(['queued', 'sending', 'sent', 'failed']),
  error: z.string().nullable(),
  updatedAt: time,
  /** When POST /api/sessions/:id/resend may send it again; null while it is on its way or the session is past `invited`. */
  resendAvailableAt: time.nullable(),
});
export type EmailView = z.output<typeof emailViewSchema>;
