// What the API answers: the shapes the console and the Lens read. Strict, so a
// field the contract does not name (a hash, a token) fails the route tests
// that check every answer against these (src/contract/routes.ts).
// The web app imports only the types from here (`import type`), never zod.
import { z } from 'zod';
import { emailViewSchema } from './org-schemas.ts';
import { LANGUAGES } from './limits.ts';
import { RIGHTS } from './rights.ts';
import { SESSION_STATES, SMS_STATUSES } from './states.ts';

const time = z.iso.datetime();
const language = z.enum(LANGUAGES);

export const meSchema = z.strictObject({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  groupId: z.uuid(),
  groupName: z.string(),
  rights: z.array(z.enum(RIGHTS)),
});
/** The signed-in technician (`/api/auth/me`, login, setup). */
export type Me = z.output<typeof meSchema>;

export const groupSettingsViewSchema = z.strictObject({
  maxLiveLensSessions: z.number().int(),
  pinLifetimeMinutes: z.number().int(),
  recordSessions: z.boolean(),
  snapshotRetentionDays: z.number().int(),
  recordingRetentionDays: z.number().int(),
  chatRetentionDays: z.number().int(),
  phoneRetentionDays: z.number().int(),
});

export const groupSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  rights: z.array(z.enum(RIGHTS)),
  settings: groupSettingsViewSchema,
  technicianCount: z.number().int().min(0),
  createdAt: time,
});
export type Group = z.output<typeof groupSchema>;

export const technicianSchema = z.strictObject({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  groupId: z.uuid(),
  groupName: z.string(),
  disabled: z.boolean(),
  createdAt: time,
  lastLoginAt: time.nullable(),
});
export type Technician = z.output<typeof technicianSchema>;

export const smsViewSchema = z.strictObject({
  status: z.enum(SMS_STATUSES),
  error: z.string().nullable(),
  /** 'console' means no SMS gateway is configured: the text only went to the server log. */
  gateway: z.enum(['smpp', 'console']),
  updatedAt: time,
  resendAvailableAt: time.nullable(),
});
export type SmsView = z.output<typeof smsViewSchema>;

/** A Lens session as the technician sees it (GET /api/sessions and /ws/console). */
export const sessionViewSchema = z.strictObject({
  id: z.uuid(),
  type: z.literal('lens'),
  name: z.string(),
  state: z.enum(SESSION_STATES),
  method: z.enum(['sms', 'link', 'email']),
  /** E.164, e.g. "+31612345678". */
  phone: z.string().nullable(),
  /** The customer's address of an e-mail invitation. */
  email: z.string().nullable(),
  language,
  /** Six digits, only while the state is 'invited'. */
  pin: z
    .string()
    .regex(/^\d{6}$/)
    .nullable(),
  pinExpiresAt: time,
  /** The customer's link, only while the state is 'invited'. */
  link: z.url().nullable(),
  createdAt: time,
  /** When the customer redeemed the PIN or link. */
  openedAt: time.nullable(),
  eulaAcceptedAt: time.nullable(),
  startedAt: time.nullable(),
  endedAt: time.nullable(),
  endReason: z.string().nullable(),
  /** A ticket or case number, as given at creation. */
  reference: z.string().nullable(),
  /** The session is recorded from Start (the group's `recordSessions` when it was created). */
  recorded: z.boolean(),
  sms: smsViewSchema.nullable(),
  /** The e-mail invitation's delivery (src/contract/org-schemas.ts). */
  emailStatus: emailViewSchema.nullable(),
  /** The customer's page: connected, or since when it is gone, when that counts as offline, when the session times out. */
  customer: z.strictObject({
    connected: z.boolean(),
    leftAt: time.nullable(),
    offlineAt: time.nullable(),
    timesOutAt: time.nullable(),
  }),
});
export type SessionView = z.output<typeof sessionViewSchema>;

export const eulaSchema = z.strictObject({ en: z.string(), nl: z.string() });
/** The EULA texts per language. */
export type Eula = z.output<typeof eulaSchema>;

/** What the customer's page sees of its session (/api/lens/*, /ws/lens). */
export const lensViewSchema = z.strictObject({
  state: z.enum(SESSION_STATES),
  /** The session's name as the technician typed it. */
  name: z.string(),
  technicianName: z.string(),
  language,
  /** The EULA in `language`. */
  eula: z.string(),
  pinExpiresAt: time,
  /** The EULA in every language, so the page can follow the customer's language switch. */
  eulas: eulaSchema,
  /** Why it ended (`technician`, `customer`, `customer_declined`, …), so the page can say so. */
  endReason: z.string().nullable(),
  /** The session will be recorded from Start: the page says so before the EULA and shows a mark while live. */
  recorded: z.boolean(),
});
export type LensView = z.output<typeof lensViewSchema>;

export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+$/),
    message: z.string().min(1),
    details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});
/** Every refusal: `{ "error": { "code", "message", "details"? } }`. */
export type ErrorBody = z.output<typeof errorBodySchema>;

export const healthSchema = z.strictObject({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  version: z.string(),
  database: z.enum(['pglite', 'postgres']),
  uptimeSeconds: z.number().int().min(0),
  checks: z.strictObject({
    database: z.enum(['ok', 'error']),
    janus: z.string().optional(),
    janusRestarts: z.number().int().min(0).optional(),
  }),
});
