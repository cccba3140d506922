// The whole schema, PostgreSQL dialect (PGlite runs the same SQL).
// drizzle-kit generates migrations/ from this file: `npm run db:generate`.
// size: the core tables stay in one file that drizzle-kit and every verb read; newer groups of tables are in schema-org.ts and schema-cluster.ts.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { GroupSettings, Right } from '../contract/rights.ts';
import type { RecordingStatus } from '../contract/records.ts';
import type { SessionState } from '../contract/states.ts';

export type { GroupSettings };

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const groups = pgTable('groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  rights: text('rights').array().$type<Right[]>().notNull().default(sql`'{}'::text[]`),
  settings: jsonb('settings').$type<GroupSettings>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const technicians = pgTable(
  'technicians',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Stored lower-cased by the verbs, so the unique index is case-insensitive in effect.
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'restrict' }),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /**
     * Set when the technician signs in through OpenID Connect: the provider's
     * issuer and `sub`, which identify them there for good (an e-mail address can change).
     * A technician made at their first single sign-on has an empty `password_hash`: no password signs them in.
     */
    oidcIssuer: text('oidc_issuer'),
    oidcSubject: text('oidc_subject'),
  },
  (t) => [
    index('technicians_group_idx').on(t.groupId),
    uniqueIndex('technicians_oidc_idx').on(t.oidcIssuer, t.oidcSubject).where(sql`${t.oidcSubject} is not null`),
  ],
);

/** Server-side login sessions; the cookie holds a random token, the table only its SHA-256. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    technicianId: uuid('technician_id')
      .notNull()
      .references(() => technicians.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    address: text('address'),
    userAgent: text('user_agent'),
    /** A single sign-on's ID token, the hint for ending the provider's session too at sign-out. */
    oidcIdToken: text('oidc_id_token'),
  },
  (t) => [index('auth_sessions_technician_idx').on(t.technicianId)],
);

/** One-time links that create the first administrator. */
export const setupTokens = pgTable('setup_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: createdAt(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** Fixed-window counters shared by every limiter (login, later PIN attempts). */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull(),
});

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    // The hash chain (docs/records.md): each row's hash covers its fields and
    // the previous row's hash. The details enter through their own SHA-256, so
    // retention or erasure can remove them (`redacted_at`) and the chain holds.
    // Null only on rows written before the chain existed, until start-up seals them.
    detailsSha256: text('details_sha256'),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    redactedAt: timestamp('redacted_at', { withTimezone: true }),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId, t.id),
    index('audit_log_actor_idx').on(t.actorId, t.id),
  ],
);

export { SESSION_STATES, type SessionState } from '../contract/states.ts';

/**
 * A Lens session from invitation to its end. The PIN is kept only while the
 * invitation is live (a partial unique index makes it unique among those);
 * `live_slot` numbers a technician's live sessions 0..max-1 so the database
 * itself refuses more than the group allows, whatever races the requests run.
 */
export const lensSessions = pgTable(
  'lens_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    technicianId: uuid('technician_id')
      .notNull()
      .references(() => technicians.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    state: text('state').$type<SessionState>().notNull(),
    method: text('method').$type<'sms' | 'link' | 'email'>().notNull(),
    phone: text('phone'),
    /** The customer's address for an `email` invitation; removed with the phone number by retention and erasure. */
    email: text('email'),
    language: text('language').$type<'en' | 'nl'>().notNull(),
    pin: text('pin'),
    pinExpiresAt: timestamp('pin_expires_at', { withTimezone: true }).notNull(),
    // PIN and link token are shown to the technician while the invitation is
    // live, so they are stored as such and cleared the moment it is used or ends.
    linkToken: text('link_token'),
    // Kept after use, so a reload of the used link in the customer's own browser resumes.
    linkTokenHash: text('link_token_hash').notNull(),
    customerTokenHash: text('customer_token_hash').unique(),
    liveSlot: integer('live_slot'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    eulaAcceptedAt: timestamp('eula_accepted_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
    /** The session's private VideoRoom room while media runs (from Start to the end); its secret lets Loupe destroy it. */
    roomId: bigint('room_id', { mode: 'number' }),
    roomSecret: text('room_secret'),
    /** The Janus of the pool holding the room (its `host:port` id from JANUS_URLS; null: the one Janus): every node reads it here. */
    janusServer: text('janus_server'),
    /** Since when the customer's page has had no socket (null while connected); drives offline and timed_out. */
    customerLeftAt: timestamp('customer_left_at', { withTimezone: true }),
    /** The node (loupe_nodes.id) holding the customer's socket: only it marks the customer gone, or the leader once that node is gone. */
    customerNode: text('customer_node'),
    /** The node (loupe_nodes.id) holding the session's media (src/realtime/media-router.ts): the others send it their pages' signalling. */
    mediaNode: text('media_node'),
    /** A ticket or case number of another system, set at creation. */
    reference: text('reference'),
    /** The Lens's user agent at redeem: the report's "device and browser". */
    customerUserAgent: text('customer_user_agent'),
    /** Decided at creation from the group's `recordSessions`, so the customer is told before the EULA. */
    recorded: boolean('recorded').notNull().default(false),
    /** The technician's own notes, editable after the end; each edit is audited. */
    notes: text('notes').notNull().default(''),
    notesUpdatedAt: timestamp('notes_updated_at', { withTimezone: true }),
    notesUpdatedBy: uuid('notes_updated_by'),
    /** When retention or an erasure removed `phone` (and the SMS texts' numbers). */
    phoneRemovedAt: timestamp('phone_removed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('lens_sessions_live_pin_idx').on(t.pin).where(sql`${t.pin} is not null`),
    uniqueIndex('lens_sessions_live_link_idx').on(t.linkToken).where(sql`${t.linkToken} is not null`),
    uniqueIndex('lens_sessions_live_slot_idx').on(t.technicianId, t.liveSlot).where(sql`${t.liveSlot} is not null`),
    index('lens_sessions_technician_idx').on(t.technicianId, t.createdAt),
    index('lens_sessions_pin_expiry_idx').on(t.pinExpiresAt).where(sql`${t.state} = 'invited'`),
    index('lens_sessions_customer_left_idx').on(t.customerLeftAt).where(sql`${t.customerLeftAt} is not null`),
    index('lens_sessions_ended_idx').on(t.endedAt, t.id).where(sql`${t.endedAt} is not null`),
    index('lens_sessions_phone_idx').on(t.phone).where(sql`${t.phone} is not null`),
    check(
      'lens_sessions_state_check',
      sql`${t.state} in ('invited', 'connecting', 'waiting', 'active', 'on_hold', 'closed', 'expired', 'timed_out')`,
    ),
    check('lens_sessions_method_check', sql`${t.method} in ('sms', 'link', 'email')`),
  ],
);

export const SMS_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'failed'] as const;
export type SmsRowStatus = (typeof SMS_STATUSES)[number];

/**
 * The SMS outbox. A row is written in the same transaction as its session and
 * submitted by the outbox worker; `sending` marks a submit in flight so a
 * restart never submits it a second time.
 */
export const smsMessages = pgTable(
  'sms_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    to: text('to').notNull(),
    text: text('text').notNull(),
    status: text('status').$type<SmsRowStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    messageIds: text('message_ids').array().notNull().default(sql`'{}'::text[]`),
    // Receipts can come twice (a lost deliver_sm_resp): count distinct parts.
    deliveredIds: text('delivered_ids').array().notNull().default(sql`'{}'::text[]`),
    error: text('error'),
    claimedBy: text('claimed_by'), // the node submitting a `sending` row (src/cluster/nodes.ts)
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('sms_messages_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'queued'`),
    index('sms_messages_session_idx').on(t.sessionId, t.createdAt),
    index('sms_messages_message_ids_idx').using('gin', t.messageIds),
    check('sms_messages_status_check', sql`${t.status} in ('queued', 'sending', 'sent', 'delivered', 'failed')`),
  ],
);

/** Settings an administrator edits in the console (e.g. the EULA texts), by key. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The live chat between technician and customer: the session's transcript. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    from: text('from').$type<'technician' | 'customer'>().notNull(),
    text: text('text').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('chat_messages_session_idx').on(t.sessionId, t.sentAt),
    check('chat_messages_from_check', sql`${t.from} in ('technician', 'customer')`),
  ],
);

export const SNAPSHOT_STATUSES = ['requested', 'stored', 'failed'] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

/**
 * Photos of a session. A row is made when the technician asks (`requested`),
 * and filled in when the phone's upload is stored (`stored`): the bytes live
 * in the data directory under their SHA-256 (src/tools/snapshot-store.ts), the
 * row keeps what the gallery shows. An annotated copy is its own row, made by
 * the console, pointing at the photo it was drawn over (`source_id`).
 */
export const snapshots = pgTable(
  'snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    status: text('status').$type<SnapshotStatus>().notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    takenAt: timestamp('taken_at', { withTimezone: true }),
    width: integer('width'),
    height: integer('height'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    contentType: text('content_type'),
    frozen: boolean('frozen').notNull().default(false),
    sourceId: uuid('source_id'),
    error: text('error'),
  },
  (t) => [
    index('snapshots_session_idx').on(t.sessionId, t.requestedAt),
    check('snapshots_status_check', sql`${t.status} in ('requested', 'stored', 'failed')`),
  ],
);

/** The console's connection stats, sampled every few seconds while live: the report's quality chart. */
export const qualitySamples = pgTable(
  'quality_samples',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    bitrateKbps: doublePrecision('bitrate_kbps'),
    fps: doublePrecision('fps'),
    width: integer('width'),
    height: integer('height'),
    rttMs: doublePrecision('rtt_ms'),
    lossPercent: doublePrecision('loss_percent'),
    jitterMs: doublePrecision('jitter_ms'),
  },
  (t) => [index('quality_samples_session_idx').on(t.sessionId, t.at)],
);

export { RECORDING_STATUSES, type RecordingStatus } from '../contract/records.ts';

/**
 * A session's recording: Janus writes its raw files into `raw_dir` (under the
 * data directory) from Start; after the end janus-pp-rec and ffmpeg make one
 * WebM (`file`, relative to the data directory). A failed conversion keeps
 * the raw files and says why in `error`.
 */
export const recordings = pgTable(
  'recordings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .unique()
      .references(() => lensSessions.id, { onDelete: 'cascade' }),
    status: text('status').$type<RecordingStatus>().notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    rawDir: text('raw_dir').notNull(),
    /** The node (loupe_nodes.id) converting it: another takes it over only once that node is gone. */
    convertingNode: text('converting_node'),
    file: text('file'),
    durationMs: integer('duration_ms'),
    bytes: bigint('bytes', { mode: 'number' }),
    sha256: text('sha256'),
    error: text('error'),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
  },
  (t) => [check('recordings_status_check', sql`${t.status} in ('recording', 'converting', 'ready', 'failed')`)],
);

export * from './schema-org.ts';
export * from './schema-cluster.ts';
