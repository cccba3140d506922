// The session record (issue 20): history, the report, the recording, the
// audit view, erasure and the evidence bundle's key. The shapes the API
// answers and the queries it accepts; the design is docs/records.md.
// The web app imports only the types from here (`import type`), never zod.
import { z } from 'zod';
import { NOTES_MAX, PAGE_MAX, PHONE_INPUT_MAX, SEARCH_MAX } from './limits.ts';
import { ENDED_STATES, type SessionState } from './states.ts';
import { emailSchema, text } from './inputs.ts';
import { chatMessageViewSchema, snapshotViewSchema } from './tools.ts';

const time = z.iso.datetime();
const endedState = z.enum(ENDED_STATES as [SessionState, ...SessionState[]]);

// ---- queries (GET parameters, all optional; strings because they come from a URL)

/** A day or an instant: `2026-12-01` (that day from 00:00 UTC) or an ISO date-time. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'Give a date (2026-12-01) or an ISO date-time.',
});
/** An opaque position in a list, as the previous page's `nextCursor` gave it. */
const cursor = z.string().regex(/^[\w-]{1,200}$/, 'This is not a cursor from a previous page.');
const limit = z.coerce.number().int().min(1).max(PAGE_MAX).optional();

/** GET /api/history: ended sessions the caller may see, newest first. */
export const historyQuery = z.strictObject({
  /** Words found in the name, the phone number or the reference (case-insensitive). */
  q: text('line')
    .pipe(z.string().max(SEARCH_MAX, `At most ${SEARCH_MAX} characters.`))
    .optional(),
  technicianId: z.uuid('Not a valid id.').optional(),
  /** Ended on or after `from`, before `to` (a date `to` includes that whole day). */
  from: instant.optional(),
  to: instant.optional(),
  endState: endedState.optional(),
  cursor: cursor.optional(),
  limit,
});
export type HistoryQuery = z.output<typeof historyQuery>;

/** GET /api/audit and /api/audit/export: the audit rows, newest first. */
export const auditQuery = z.strictObject({
  /** The acting technician (or customer session) id. */
  actorId: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'Not a valid actor id.')
    .optional(),
  sessionId: z.uuid('Not a valid id.').optional(),
  /** An action (`session.started`) or its prefix with a dot (`session.`). */
  kind: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]*)*$/, 'A kind is an action such as session.started, or a prefix such as session.')
    .max(64)
    .optional(),
  from: instant.optional(),
  to: instant.optional(),
  cursor: cursor.optional(),
  limit,
});
export type AuditQuery = z.output<typeof auditQuery>;

// ---- bodies

export const notesInput = z.strictObject({
  // Line breaks kept: notes are paragraphs.
  text: text('text').pipe(z.string().max(NOTES_MAX, `At most ${NOTES_MAX.toLocaleString('en')} characters.`)),
});

/**
 * POST /api/erasures: everything Loupe keeps about one data subject (their
 * request), found by their phone number or by their e-mail address (an
 * e-mail invitation has no number): exactly one of the two.
 */
export const erasureInput = z
  .strictObject({
    phone: text('phone').pipe(z.string().min(1, 'Enter the phone number.').max(PHONE_INPUT_MAX)).optional(),
    /** Read as session creation reads it (lower-cased, as sessions store it): any case finds it. */
    email: emailSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.phone !== undefined && input.email !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'Give "phone" or "email", not both: an erasure is for one phone number or one e-mail address.',
      });
    else if (input.phone === undefined && input.email === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'Give "phone" (a phone number) or "email" (an e-mail address): whose data to erase.',
      });
  });

// ---- answers

export const RECORDING_STATUSES = ['recording', 'converting', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/**
 * A session's recording. `failed`: the conversion failed and the raw Janus
 * files are kept (`error` says why); nothing is deleted for a failure.
 */
export const recordingViewSchema = z.strictObject({
  id: z.uuid(),
  sessionId: z.uuid(),
  status: z.enum(RECORDING_STATUSES),
  startedAt: time,
  endedAt: time.nullable(),
  durationSeconds: z.number().min(0).nullable(),
  /** The playable WebM's size and SHA-256 once `ready`. */
  bytes: z.number().int().min(0).nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  error: z.string().nullable(),
});
export type RecordingView = z.output<typeof recordingViewSchema>;

const person = z.strictObject({ id: z.uuid(), name: z.string() });

/** One ended session in the history list. */
export const historyItemSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  reference: z.string().nullable(),
  /** Null when there was none, or it was removed (retention or erasure: `phoneRemoved`). */
  phone: z.string().nullable(),
  phoneRemoved: z.boolean(),
  state: endedState,
  endReason: z.string().nullable(),
  technician: person,
  createdAt: time,
  startedAt: time.nullable(),
  endedAt: time,
  /** From Start to the end, less nothing: on hold counts as live. Null when never started. */
  liveSeconds: z.number().int().min(0).nullable(),
  snapshotCount: z.number().int().min(0),
  recording: z.enum(RECORDING_STATUSES).nullable(),
});
export type HistoryItem = z.output<typeof historyItemSchema>;

export const historyPageSchema = z.strictObject({
  sessions: z.array(historyItemSchema),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: cursor.nullable(),
});

const actorSchema = z.strictObject({
  type: z.enum(['technician', 'customer', 'system']),
  id: z.string().nullable(),
  /** The technician's name; "Customer" and "System" are for the page to translate. */
  name: z.string().nullable(),
});

/**
 * One event of a session's timeline. `kind` is an audit action or one of the
 * record's own: session.invited, sms.queued|sent|delivered|failed,
 * session.opened, session.eula_accepted (details.eulaSha256), session.started,
 * session.on_hold, session.resumed, tool.used (details.tool), snapshot.taken,
 * chat.message (details.from), recording.*, notes.edited, and the end:
 * session.closed|expired|timed_out (details.reason). docs/records.md lists them.
 */
export const timelineEntrySchema = z.strictObject({
  at: time,
  kind: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/),
  actor: actorSchema,
  details: z.record(z.string(), z.unknown()),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;

/** The console's connection stats at one moment (each null when the browser did not report it). */
export const qualitySampleSchema = z.strictObject({
  at: time,
  bitrateKbps: z.number().min(0).nullable(),
  fps: z.number().min(0).nullable(),
  width: z.number().int().min(0).nullable(),
  height: z.number().int().min(0).nullable(),
  rttMs: z.number().min(0).nullable(),
  lossPercent: z.number().min(0).max(100).nullable(),
  jitterMs: z.number().min(0).nullable(),
});
export type QualitySample = z.output<typeof qualitySampleSchema>;

// Bounds well past any real connection: a sample outside them is not a measurement.
const measured = (max: number) => z.number().min(0).max(max).nullable();
/** What the console sends in `stats.sample` (socket.ts): a sample without its time (the server stamps it). */
export const qualitySampleInput = z.strictObject({
  bitrateKbps: measured(1_000_000),
  fps: measured(1_000),
  width: z.number().int().min(0).max(100_000).nullable(),
  height: z.number().int().min(0).max(100_000).nullable(),
  rttMs: measured(600_000),
  lossPercent: measured(100),
  jitterMs: measured(600_000),
});
export type QualitySampleInput = z.output<typeof qualitySampleInput>;

export const notesViewSchema = z.strictObject({
  text: z.string(),
  updatedAt: time.nullable(),
  updatedBy: person.nullable(),
});
export type NotesView = z.output<typeof notesViewSchema>;

/** GET /api/sessions/:id/report: everything known about one session. */
export const reportSchema = z.strictObject({
  session: historyItemSchema.extend({
    state: z.enum(['invited', 'connecting', 'waiting', 'active', 'on_hold', 'closed', 'expired', 'timed_out']),
    endedAt: time.nullable(),
    method: z.enum(['sms', 'link', 'email']),
    language: z.enum(['en', 'nl']),
    groupName: z.string(),
    openedAt: time.nullable(),
    eulaAcceptedAt: time.nullable(),
    recorded: z.boolean(),
  }),
  /** The customer's device and browser, e.g. "Chrome 131 on Android 14 (Pixel 8)", and the full user agent. */
  device: z.strictObject({ summary: z.string().nullable(), userAgent: z.string().nullable() }),
  timeline: z.array(timelineEntrySchema),
  quality: z.array(qualitySampleSchema),
  snapshots: z.array(snapshotViewSchema),
  messages: z.array(chatMessageViewSchema),
  recording: recordingViewSchema.nullable(),
  notes: notesViewSchema,
  generatedAt: time,
});
export type Report = z.output<typeof reportSchema>;

/**
 * One audit row. `hash` = SHA-256 over the row's fields and `prevHash` (the
 * chain, docs/records.md); `redacted`: its details were removed by retention or
 * erasure, and the chain still holds through `detailsSha256`.
 */
export const auditRowSchema = z.strictObject({
  id: z.number().int().min(1),
  at: time,
  actor: actorSchema,
  action: z.string(),
  subject: z.strictObject({ type: z.string(), id: z.string() }).nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  redacted: z.boolean(),
  detailsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditRow = z.output<typeof auditRowSchema>;

export const auditPageSchema = z.strictObject({ rows: z.array(auditRowSchema), nextCursor: cursor.nullable() });

/** What an erasure removed: counts and the sessions touched, never the number or address itself beyond the request's answer. */
export const erasureReceiptSchema = z.strictObject({
  /** The number as Loupe stores it (E.164); null for an erasure by e-mail address. */
  phone: z.string().nullable(),
  /** The address as Loupe stores it (lower-cased); null for an erasure by phone number. */
  email: z.string().nullable(),
  erasedAt: time,
  sessionIds: z.array(z.uuid()),
  removed: z.strictObject({
    phoneNumbers: z.number().int().min(0),
    smsMessages: z.number().int().min(0),
    snapshots: z.number().int().min(0),
    recordings: z.number().int().min(0),
    chatMessages: z.number().int().min(0),
    auditRowsRedacted: z.number().int().min(0),
    /** E-mail invitations' addresses removed (on the sessions; an erasure by phone number finds none: such a session has no number). */
    emailAddresses: z.number().int().min(0),
  }),
  /** The audit row that records the erasure. */
  auditId: z.number().int().min(1),
});
export type ErasureReceipt = z.output<typeof erasureReceiptSchema>;

/** GET /api/evidence-key: the public half of the key that signs evidence bundles. */
export const evidenceKeySchema = z.strictObject({
  algorithm: z.literal('Ed25519'),
  /** The raw 32-byte public key, base64url. */
  publicKey: z.string().regex(/^[\w-]{43}$/),
  /** SHA-256 of the raw key, hex: what a recipient compares by phone or in a letter. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: time,
});
export type EvidenceKey = z.output<typeof evidenceKeySchema>;
