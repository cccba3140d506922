// Every route of the API with the body it answers on success. A refusal
// answers `errorBodySchema` with any 4xx/5xx status. Route tests check every
// answer they get against this table (src/testing/harness.ts), and
// routes.test.ts checks that the app serves no route missing from it.
import { z } from 'zod';
import { iceServersField } from './ice.ts';
import {
  errorBodySchema,
  eulaSchema,
  groupSchema,
  healthSchema,
  lensViewSchema,
  meSchema,
  sessionViewSchema,
  technicianSchema,
} from './views.ts';
import { chatMessageViewSchema, snapshotRequestViewSchema, snapshotViewSchema } from './tools.ts';
import {
  auditPageSchema,
  erasureReceiptSchema,
  evidenceKeySchema,
  historyPageSchema,
  notesViewSchema,
  recordingViewSchema,
  reportSchema,
} from './records.ts';
import {
  createdTokenSchema,
  createdWebhookSchema,
  tokenViewSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookViewSchema,
} from './org-schemas.ts';

/**
 * `body`: the JSON schema of the answer, null for none, or a kind of file
 * (FILE_TYPES) answered as its bytes under its own content type (not JSON):
 * `'image'` a JPEG, PNG or WebP, `'video'` the WebM recording, `'zip'` the
 * evidence bundle, `'csv'` the audit export.
 */
export type RouteAnswer = { status: number; body: z.ZodType | null | FileKind };
/** The content types of an `'image'` answer. */
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const FILE_TYPES = {
  image: IMAGE_TYPES,
  video: ['video/webm'],
  zip: ['application/zip'],
  csv: ['text/csv; charset=utf-8'],
  html: ['text/html; charset=utf-8'],
} as const satisfies Record<string, readonly string[]>;
export type FileKind = keyof typeof FILE_TYPES;
const isFileKind = (body: unknown): body is FileKind => typeof body === 'string' && body in FILE_TYPES;
type Answers = RouteAnswer[];

const ok = (body: z.ZodType, status = 200): Answers => [{ status, body }];
const noContent: Answers = [{ status: 204, body: null }];
const technician = z.strictObject({ technician: meSchema });
const session = sessionViewSchema;
const lens = z.strictObject({ session: lensViewSchema, iceServers: iceServersField });

/** `METHOD /path/:param` → the success answers it may give. */
export const ROUTES: Record<string, Answers> = {
  'POST /api/auth/login': ok(technician),
  'POST /api/auth/logout': noContent,
  'GET /api/auth/me': ok(technician),
  // What the login page offers: the password form, single sign-on (docs/integrations.md).
  'GET /api/auth/options': ok(
    z.strictObject({
      passwordLogin: z.boolean(),
      oidc: z.strictObject({ displayName: z.string() }).nullable(),
      /** Whether "e-mail" is offered as an invitation method (SMTP_URL is set). */
      emailInvitations: z.boolean(),
    }),
  ),
  // Single sign-on, OpenID Connect: a redirect to the provider, and back. A
  // refused callback answers an HTML page that says why (not JSON: a person reads it).
  // The provider unreachable (503) and too many starts from one address (429) are pages as well.
  'GET /auth/oidc/login': [
    { status: 302, body: null },
    { status: 429, body: 'html' },
    { status: 503, body: 'html' },
  ],
  'GET /auth/oidc/callback': [
    { status: 302, body: null },
    { status: 403, body: 'html' },
    { status: 400, body: 'html' },
    { status: 503, body: 'html' },
  ],
  // Sign-out of a single sign-on: ends Loupe's sign-in (as POST /api/auth/logout)
  // and sends the browser on to the provider's end_session_endpoint, else to /login.
  'GET /auth/oidc/logout': [{ status: 302, body: null }],
  'GET /api/setup/:token': ok(z.strictObject({ valid: z.literal(true) })),
  'POST /api/setup': ok(technician, 201),

  'GET /api/groups': ok(z.strictObject({ groups: z.array(groupSchema) })),
  'POST /api/groups': ok(groupSchema, 201),
  'PATCH /api/groups/:id': ok(groupSchema),
  'DELETE /api/groups/:id': noContent,
  'GET /api/technicians': ok(z.strictObject({ technicians: z.array(technicianSchema) })),
  'POST /api/technicians': ok(technicianSchema, 201),
  'PATCH /api/technicians/:id': ok(technicianSchema),
  'POST /api/technicians/:id/password': noContent,
  'GET /api/settings/eula': ok(z.strictObject({ eula: eulaSchema })),
  'PUT /api/settings/eula': ok(z.strictObject({ eula: eulaSchema })),

  'POST /api/sessions': ok(session, 201),
  'GET /api/sessions': ok(z.strictObject({ sessions: z.array(sessionViewSchema) })),
  'GET /api/sessions/:id': ok(session),
  'POST /api/sessions/:id/start': ok(session),
  'POST /api/sessions/:id/hold': ok(session),
  'POST /api/sessions/:id/resume': ok(session),
  'POST /api/sessions/:id/end': ok(session),
  'POST /api/sessions/:id/resend': ok(session),
  // The live tools (src/contract/tools.ts).
  'POST /api/sessions/:id/snapshots': ok(z.strictObject({ snapshot: snapshotRequestViewSchema }), 202),
  'GET /api/sessions/:id/snapshots': ok(z.strictObject({ snapshots: z.array(snapshotViewSchema) })),
  'GET /api/snapshots/:id': [{ status: 200, body: 'image' }],
  'POST /api/snapshots/:id/annotated': ok(z.strictObject({ snapshot: snapshotViewSchema }), 201),
  'GET /api/sessions/:id/messages': ok(z.strictObject({ messages: z.array(chatMessageViewSchema) })),
  // The session record (src/contract/records.ts).
  'GET /api/history': ok(historyPageSchema),
  'GET /api/sessions/:id/report': ok(reportSchema),
  'PUT /api/sessions/:id/notes': ok(z.strictObject({ notes: notesViewSchema })),
  'GET /api/sessions/:id/recording': ok(z.strictObject({ recording: recordingViewSchema.nullable() })),
  // The playable WebM; a Range request gets 206 with that part.
  'GET /api/recordings/:id': [
    { status: 200, body: 'video' },
    { status: 206, body: 'video' },
  ],
  // The evidence bundle (docs/records.md), streamed.
  'GET /api/sessions/:id/export': [{ status: 200, body: 'zip' }],
  'GET /api/evidence-key': ok(evidenceKeySchema),
  'GET /api/audit': ok(auditPageSchema),
  'GET /api/audit/export': [{ status: 200, body: 'csv' }],
  'POST /api/erasures': ok(z.strictObject({ receipt: erasureReceiptSchema }), 201),

  // Issue 21 (src/contract/org-schemas.ts, docs/integrations.md).
  'POST /api/tokens': ok(createdTokenSchema, 201),
  'GET /api/tokens': ok(z.strictObject({ tokens: z.array(tokenViewSchema) })),
  'DELETE /api/tokens/:id': noContent,
  'POST /api/webhooks': ok(createdWebhookSchema, 201),
  'GET /api/webhooks': ok(z.strictObject({ webhooks: z.array(webhookViewSchema) })),
  'GET /api/webhooks/:id': ok(z.strictObject({ webhook: webhookViewSchema })),
  'PATCH /api/webhooks/:id': ok(z.strictObject({ webhook: webhookViewSchema })),
  'DELETE /api/webhooks/:id': noContent,
  'GET /api/webhooks/:id/deliveries': ok(webhookDeliveryPageSchema),
  // Queues the delivery again, now (an administrator's resend).
  'POST /api/webhooks/:id/deliveries/:deliveryId/resend': ok(z.strictObject({ delivery: webhookDeliverySchema }), 202),
  // The OpenAPI 3.1 document of this table, and its reader (served by Loupe, no CDN).
  'GET /api/openapi.json': ok(
    z.looseObject({ openapi: z.string().startsWith('3.1'), paths: z.record(z.string(), z.unknown()) }),
  ),
  'GET /api/docs': [{ status: 200, body: 'html' }],

  'GET /api/lens/capabilities': ok(
    z.strictObject({ appStore: z.strictObject({ ios: z.url().nullable(), android: z.url().nullable() }) }),
  ),
  'POST /api/lens/redeem': ok(lens),
  'GET /api/lens/session': ok(lens),
  'POST /api/lens/eula': ok(lens),
  'POST /api/lens/end': ok(lens),
  // The phone's upload of a requested snapshot (the body is the image's bytes).
  'POST /api/lens/snapshots/:id': ok(z.strictObject({ snapshot: snapshotViewSchema }), 201),
  'GET /api/lens/messages': ok(z.strictObject({ messages: z.array(chatMessageViewSchema) })),

  // 503 with the same body when something is down.
  'GET /healthz': [
    { status: 200, body: healthSchema },
    { status: 503, body: healthSchema },
  ],
  // Only an upgrade succeeds (101, no body); any other request is refused.
  'GET /ws/console': [],
  'GET /ws/lens': [],
};

/**
 * Routes whose request body is an image's bytes, up to SNAPSHOT_BYTES_MAX
 * (limits.ts), instead of JSON up to 64 KB: streamed to disk and checked by
 * content (src/tools/snapshot-upload.ts).
 */
export const IMAGE_UPLOADS: ReadonlySet<string> = new Set([
  'POST /api/snapshots/:id/annotated',
  'POST /api/lens/snapshots/:id',
]);

/** The table's key of a request, e.g. `GET /api/sessions/:id`; undefined for a path outside the API. */
export function routeKey(method: string, path: string): string | undefined {
  const exact = `${method} ${path}`;
  if (exact in ROUTES) return exact;
  const parts = path.split('/');
  return Object.keys(ROUTES).find((key) => {
    const [m, pattern] = key.split(' ') as [string, string];
    const want = pattern.split('/');
    return m === method && want.length === parts.length && want.every((p, i) => p.startsWith(':') || p === parts[i]);
  });
}

/**
 * Why an answer breaks the contract, or null when it keeps it. `body` is the
 * parsed JSON (undefined for an empty body; the text when it is not JSON),
 * `contentType` the answer's header.
 */
export function contractViolation(
  key: string,
  status: number,
  body: unknown,
  contentType?: string | null,
): string | null {
  const answers = ROUTES[key];
  if (!answers) return `${key} is not in the contract (src/contract/routes.ts)`;
  const expected = answers.find((a) => a.status === status);
  const schema = expected ? expected.body : status >= 400 ? errorBodySchema : undefined;
  if (schema === undefined) return `${key} answered ${status}, which the contract does not list`;
  if (schema === null)
    return body === undefined ? null : `${key} answered ${status} with a body; the contract has none`;
  if (isFileKind(schema)) {
    if (!(FILE_TYPES[schema] as readonly string[]).includes(contentType ?? ''))
      return `${key} answered ${status} as ${contentType ?? 'no content type'}; the contract has ${schema === 'image' ? 'an' : 'a'} ${schema}`;
    return body === undefined ? `${key} answered ${status} with no ${schema}` : null;
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return `${key} answered ${status} with a body the contract rejects: ${issue?.message} at ${issue?.path.join('.') || '(root)'}`;
}
