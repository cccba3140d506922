// What the API accepts: the request bodies. Strict: an unknown field is an
// error, not ignored. The server validates with these (src/http/validate.ts);
// the web app uses the limits in limits.ts for its forms rather than these
// schemas, so zod stays off the Lens's critical path.
import { z } from 'zod';
import {
  EMAIL_MAX,
  EULA_MAX,
  GROUP_NAME_MAX,
  LANGUAGES,
  PASSWORD_MAX,
  PASSWORD_MIN,
  PERSON_NAME_MAX,
  PHONE_INPUT_MAX,
  REFERENCE_MAX,
  SESSION_NAME_MAX,
} from './limits.ts';
import { GROUP_SETTING_LIMITS, RIGHTS } from './rights.ts';
import { cleanText, type TextKind } from './text.ts';

/**
 * A string under one of text.ts's rules (no NUL or other control characters,
 * no unpaired surrogates, NFC, and for names no invisible or look-alike
 * characters), cleaned; the schema piped after it checks the cleaned length.
 */
export const text = (kind: TextKind) =>
  z.string().transform((raw, ctx) => {
    const result = cleanText(kind, raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });

const id = z.uuid('Not a valid id.');
/** A path parameter naming a row. */
export const idParam = id;

/**
 * The documented rule: 12 to 256 characters. Length beats composition rules
 * (NIST SP 800-63B); any printable character, stored NFC-normalised (RFC 8265), so the same
 * password typed on another device still matches. Control characters are refused: no one can
 * type one into a password field.
 */
export const passwordSchema = text('password').pipe(
  z
    .string()
    .min(PASSWORD_MIN, `The password must be at least ${PASSWORD_MIN} characters.`)
    .max(PASSWORD_MAX, `The password must be at most ${PASSWORD_MAX} characters.`),
);

export const emailSchema = text('line').pipe(
  z
    .string()
    .toLowerCase()
    .max(EMAIL_MAX, `The email must be at most ${EMAIL_MAX} characters.`)
    .pipe(z.email('This is not a valid email address.')),
);

const personName = text('name').pipe(
  z
    .string()
    .min(1, 'The name must not be empty.')
    .max(PERSON_NAME_MAX, `The name must be at most ${PERSON_NAME_MAX} characters.`),
);

export const rightSchema = z.enum(RIGHTS);

const setting = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);
export const groupSettingsSchema = z.strictObject({
  maxLiveLensSessions: setting(GROUP_SETTING_LIMITS.maxLiveLensSessions),
  pinLifetimeMinutes: setting(GROUP_SETTING_LIMITS.pinLifetimeMinutes),
  recordSessions: z.boolean({ error: 'recordSessions must be true or false.' }),
  snapshotRetentionDays: setting(GROUP_SETTING_LIMITS.snapshotRetentionDays),
  recordingRetentionDays: setting(GROUP_SETTING_LIMITS.recordingRetentionDays),
  chatRetentionDays: setting(GROUP_SETTING_LIMITS.chatRetentionDays),
  phoneRetentionDays: setting(GROUP_SETTING_LIMITS.phoneRetentionDays),
});

// ---- sign-in and setup

// A refused body is no sign-in attempt: no password is checked, so the login
// limiter (src/auth/login.ts) counts nothing, as for an empty field.
export const loginInput = z.strictObject({
  // Not the full email rule: a malformed address is simply a wrong login.
  email: text('line').pipe(z.string().min(1, 'Enter your email.').max(EMAIL_MAX)),
  // Checked, not changed: login.ts tries the NFC form and the text as typed (passwordForms).
  password: z
    .string()
    .min(1, 'Enter your password.')
    .max(PASSWORD_MAX)
    .superRefine((typed, ctx) => {
      const result = cleanText('password', typed);
      if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
    }),
});

// ---- administration

export const createGroupInput = z.strictObject({
  name: text('name').pipe(
    z
      .string()
      .min(1, 'The group name must not be empty.')
      .max(GROUP_NAME_MAX, `The group name must be at most ${GROUP_NAME_MAX} characters.`),
  ),
  rights: z
    .array(rightSchema)
    .max(32)
    .transform((r) => [...new Set(r)]),
  settings: groupSettingsSchema.partial().optional(),
});
export const updateGroupInput = createGroupInput
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');

export const createTechnicianInput = z.strictObject({
  email: emailSchema,
  name: personName,
  password: passwordSchema,
  groupId: id,
});
export const updateTechnicianInput = z
  .strictObject({
    email: emailSchema.optional(),
    name: personName.optional(),
    groupId: id.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');

export const resetPasswordInput = z.strictObject({ password: passwordSchema });

/** The first administrator, with the one-time setup link's token. */
export const setupInput = createTechnicianInput.omit({ groupId: true }).extend({
  // base64url (src/auth/tokens.ts)
  token: z.string().regex(/^[\w-]{1,100}$/, 'This setup link is not valid.'),
});

// Line breaks and tabs are kept (the Lens shows the text with its paragraphs).
const eulaText = text('text').pipe(
  z
    .string()
    .min(1, 'The EULA cannot be empty.')
    .max(EULA_MAX, `At most ${EULA_MAX.toLocaleString('en')} characters.`),
);
export const updateEulaInput = z
  .strictObject({ en: eulaText.optional(), nl: eulaText.optional() })
  .refine((v) => v.en !== undefined || v.nl !== undefined, 'Send "en", "nl" or both.');

export type CreateGroupInput = z.output<typeof createGroupInput>;
export type UpdateGroupInput = z.output<typeof updateGroupInput>;
export type CreateTechnicianInput = z.output<typeof createTechnicianInput>;
export type UpdateTechnicianInput = z.output<typeof updateTechnicianInput>;
export type UpdateEulaInput = z.output<typeof updateEulaInput>;

// ---- Lens sessions

// Names end up in lists, tabs and the customer's page: the name rule, 1–64 characters.
const sessionName = text('name').pipe(
  z.string().min(1, 'Give the session a name.').max(SESSION_NAME_MAX, `At most ${SESSION_NAME_MAX} characters.`),
);

export const createSessionInput = z
  .strictObject({
    type: z.literal('lens', { error: 'Only "lens" sessions can be created.' }),
    name: sessionName,
    method: z.enum(['sms', 'link', 'email'], { error: 'method must be "sms", "link" or "email".' }),
    phone: text('phone')
      .pipe(z.string().min(1).max(PHONE_INPUT_MAX, `At most ${PHONE_INPUT_MAX} characters.`))
      .optional(),
    /** The customer's address, for `"method":"email"` only. */
    email: emailSchema.optional(),
    /**
     * Only a service token (docs/integrations.md) sends it, and must: the
     * technician the session is for, whose rights decide. Anyone else's request
     * with it is refused.
     */
    technicianId: id.optional(),
    language: z.enum(LANGUAGES, { error: 'language must be "en" or "nl".' }).optional(),
    /** A ticket or case number the session belongs to: shown in the console, the report and the history search. */
    reference: text('line')
      .pipe(
        z
          .string()
          .min(1, 'Leave the reference out, or fill it in.')
          .max(REFERENCE_MAX, `At most ${REFERENCE_MAX} characters.`),
      )
      .optional(),
  })
  .superRefine((input, ctx) => {
    if (input.method === 'sms' && !input.phone)
      ctx.addIssue({ code: 'custom', path: ['phone'], message: "Enter the customer's phone number." });
    if (input.method !== 'sms' && input.phone)
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'Only an SMS invitation has a phone number.' });
    if (input.method === 'email' && !input.email)
      ctx.addIssue({ code: 'custom', path: ['email'], message: "Enter the customer's e-mail address." });
    if (input.method !== 'email' && input.email)
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'Only an e-mail invitation has an e-mail address.' });
  });
export type CreateSessionInput = z.output<typeof createSessionInput>;

// ---- the customer's page

export const redeemInput = z.union(
  [
    z.strictObject({ pin: z.string().regex(/^\d{6}$/, 'The PIN has 6 digits.') }),
    z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'This link is not valid.') }),
  ],
  { error: 'Send {"pin"} or {"token"}.' },
);
export type RedeemInput = z.output<typeof redeemInput>;

export const eulaInput = z.strictObject({
  accept: z.boolean({ error: 'accept must be true or false.' }),
  /** The language the Lens showed the EULA in (the customer may have switched); the session's when absent. */
  language: z.enum(LANGUAGES, { error: 'language must be en or nl.' }).optional(),
});
export type EulaInput = z.output<typeof eulaInput>;

// ---- snapshots (the bodies are images, checked by content: src/tools/snapshot-upload.ts)

/** POST /api/lens/snapshots/:id?frozen=1: the photo is the phone's frozen frame, not a new one. */
export const snapshotFrozenParam = z.enum(['0', '1'], { error: 'frozen must be 0 or 1.' }).optional();
