// Sizes the API accepts, shared by the server's validation and the web app's
// forms (maxlength, hints). No zod here (the web app imports this file).

export const LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** 12 to 256 characters, no composition rules (NIST SP 800-63B). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export const EMAIL_MAX = 254;
/** A technician's display name. */
export const PERSON_NAME_MAX = 100;
export const GROUP_NAME_MAX = 64;
/** A session's name, shown in lists and on its tab. */
export const SESSION_NAME_MAX = 64;
/** A phone number as typed, before it is parsed into E.164. */
export const PHONE_INPUT_MAX = 32;
export const EULA_MAX = 20_000;
/** A session's reference: a ticket or case number of another system. */
export const REFERENCE_MAX = 100;

export const PIN_DIGITS = 6;

/** A socket message larger than this is refused unread. */
export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;
/** An SDP for one audio and one video stream is 3–6 KB. */
export const SDP_MAX = 14_000;
export const CANDIDATE_MAX = 1024;

// ---- live tools (src/contract/tools.ts)

/** A chat message: enough for a serial number, a link or a few sentences. */
export const CHAT_TEXT_MAX = 1000;
/** A text label drawn on the picture. */
export const LABEL_TEXT_MAX = 40;
/** Points one stroke message may add (a freehand stroke streams in many messages). */
export const STROKE_POINTS_MAX = 64;
/** Points one stroke may hold in all; a longer freehand stroke is ended and a new one begun. */
export const STROKE_TOTAL_POINTS_MAX = 2048;
/** Strokes kept on one picture (older ones are dropped first). */
export const STROKES_MAX = 200;
/** A snapshot's upload: a 12-megapixel JPEG is 3–8 MB. */
export const SNAPSHOT_BYTES_MAX = 16 * 1024 * 1024;
/** A snapshot's side, in pixels (a 108-megapixel sensor is 12000 × 9000). */
export const SNAPSHOT_SIDE_MAX = 16_384;
/** How long the phone has to upload a requested snapshot before it counts as failed. */
export const SNAPSHOT_UPLOAD_MS = 30_000;

// ---- the session record (src/contract/records.ts)

/** The technician's own notes on a session. */
export const NOTES_MAX = 10_000;
/** A history search's words (matched against name, phone and reference). */
export const SEARCH_MAX = 100;
/** Rows per page of the history and the audit view. */
export const PAGE_MAX = 100;
export const PAGE_DEFAULT = 25;
/** How often the console samples its connection stats for the report. */
export const QUALITY_SAMPLE_MS = 5_000;
