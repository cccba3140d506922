// The tables of issue 21, the fit into an organisation: API tokens, webhooks
// and their outbox, the e-mail outbox, and the short-lived state of an OpenID
// Connect sign-in. Re-exported by schema.ts (drizzle-kit reads both files).
import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Scope, WebhookEvent } from '../contract/org.ts';
import { lensSessions, technicians } from './schema.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/**
 * API tokens (`Authorization: Bearer loupe_…`). The secret is shown once; the
 * table keeps only its SHA-256 (a 256-bit random token needs no slow hash) and
 * a prefix to recognise it by. `technician_id` null: a service token, made by
 * an administrator, that names the technician it acts for per request;
 * otherwise a personal token, limited to that technician's rights.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    technicianId: uuid('technician_id').references(() => technicians.id, { onDelete: 'cascade' }),
    scopes: text('scopes').array().$type<Scope[]>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The first characters of the token (`loupe_AbCd`), shown in lists. */
    prefix: text('prefix').notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_technician_idx').on(t.technicianId)],
);

/** A receiver of signed events (Standard Webhooks). The secret signs; it must be kept to sign. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  events: text('events').array().$type<WebhookEvent[]>().notNull(),
  description: text('description').notNull().default(''),
  /** `whsec_` + base64 of 32 random bytes. */
  secret: text('secret').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  createdBy: uuid('created_by').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const WEBHOOK_DELIVERY_STATUSES = ['queued', 'sending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * The webhook outbox: one row per event and receiver. `message_id` is the
 * Standard Webhooks `webhook-id`, the same on every attempt so a receiver can
 * drop a repeat. Rows of one session go out in `seq` order.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    event: text('event').$type<WebhookEvent>().notNull(),
    sessionId: uuid('session_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<WebhookDeliveryStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While `sending`: until when this node holds it; another takes it over after. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'queued'`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.seq),
    index('webhook_deliveries_session_idx').on(t.sessionId, t.seq),
    check('webhook_deliveries_status_check', sql`${t.status} in ('queued', 'sending', 'delivered', 'failed')`),
  ],
);

/** Each attempt of a delivery: what the receiver answered and how long it took. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** The HTTP status, null when there was no answer (refused, timed out). */
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id)],
);

export const EMAIL_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type EmailRowStatus = (typeof EMAIL_STATUSES)[number];

/** The e-mail outbox, like the SMS one (sms_messages): written with its session, sent by a worker. */
export const emailMessages = pgTable(
  'email_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    status: text('status').$type<EmailRowStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** The node (loupe_nodes.id) sending a `sending` row: once that node is gone, the send's outcome is unknown. */
    claimedBy: text('claimed_by'),
    /** The SMTP server's Message-ID / queue id once accepted. */
    messageId: text('message_id'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('email_messages_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'queued'`),
    index('email_messages_session_idx').on(t.sessionId, t.createdAt),
    check('email_messages_status_check', sql`${t.status} in ('queued', 'sending', 'sent', 'failed')`),
  ],
);

/**
 * An OpenID Connect sign-in between the redirect to the provider and its
 * callback: the PKCE verifier and nonce, found by the SHA-256 of `state`.
 * Used once, and worthless after a few minutes.
 */
export const oidcLogins = pgTable('oidc_logins', {
  stateHash: text('state_hash').primaryKey(),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  createdAt: createdAt(),
});
