// The whole schema, PostgreSQL dialect (PGlite runs the same SQL).
// drizzle-kit generates migrations/ from this file: `npm run db:generate`.
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export type GroupSettings = { maxLiveLensSessions: number; pinLifetimeMinutes: number };

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const groups = pgTable('groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  rights: text('rights').array().notNull().default(sql`'{}'::text[]`),
  settings: jsonb('settings').$type<GroupSettings>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const technicians = pgTable('technicians', {
  id: uuid('id').primaryKey().defaultRandom(),
  // Stored lower-cased by the verbs, so the unique index is case-insensitive in effect.
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  groupId: uuid('group_id').notNull().references(() => groups.id, { onDelete: 'restrict' }),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
}, (t) => [index('technicians_group_idx').on(t.groupId)]);

/** Server-side login sessions; the cookie holds a random token, the table only its SHA-256. */
export const authSessions = pgTable('auth_sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  tokenHash: text('token_hash').notNull().unique(),
  technicianId: uuid('technician_id').notNull().references(() => technicians.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  address: text('address'),
  userAgent: text('user_agent'),
}, (t) => [index('auth_sessions_technician_idx').on(t.technicianId)]);

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

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  actorType: text('actor_type').notNull(),
  actorId: text('actor_id'),
  action: text('action').notNull(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  details: jsonb('details').$type<Record<string, unknown>>(),
}, (t) => [index('audit_log_at_idx').on(t.at)]);
