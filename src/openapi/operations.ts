// The words of the OpenAPI document that the contract does not hold: each
// route's one-line summary and its area (tag). The shapes, rights and errors
// come from the contract (document.ts); a route without a summary here fails
// src/openapi/document.test.ts, so a new route is described when it is added.

/** The areas, in the reader's order, each with what it covers. */
export const TAGS = [
  { name: 'Sign-in', description: 'Password and single sign-on (OpenID Connect); what the sign-in page offers.' },
  { name: 'Setup', description: "The first administrator's one-time setup link." },
  { name: 'Administration', description: 'Groups and their rights, technicians, the EULA. The `administer` right.' },
  { name: 'Sessions', description: 'Lens sessions: invite a customer (SMS, link/PIN, e-mail), start, hold, end.' },
  { name: 'Live tools', description: 'Snapshots and the chat of a live session.' },
  {
    name: 'Records',
    description:
      'History, the report, notes, the recording, the evidence bundle, the audit log, erasure (docs/records.md).',
  },
  {
    name: 'API tokens',
    description: 'Service and personal tokens (`Authorization: Bearer loupe_…`), made in a browser.',
  },
  { name: 'Webhooks', description: 'Receivers of signed events (Standard Webhooks) and their deliveries.' },
  { name: 'API reference', description: 'This document and its reader.' },
  { name: 'Lens', description: "The customer's page: redeem a PIN or link, the EULA, photos, the chat." },
  { name: 'Health', description: 'For load balancers and monitoring.' },
  { name: 'Sockets', description: 'The console and the Lens WebSockets (src/contract/socket.ts): upgrade only.' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

/** First match wins: more specific paths before their prefixes. */
const AREAS: [RegExp, Tag][] = [
  [/^\/(api\/)?auth\//, 'Sign-in'],
  [/^\/api\/setup/, 'Setup'],
  [/^\/api\/(groups|technicians|settings)/, 'Administration'],
  [/^\/api\/sessions\/:id\/(snapshots|messages)$|^\/api\/snapshots\//, 'Live tools'],
  [
    /^\/api\/sessions\/:id\/(report|notes|recording|export)$|^\/api\/(history|recordings|evidence-key|audit|erasures)/,
    'Records',
  ],
  [/^\/api\/sessions/, 'Sessions'],
  [/^\/api\/tokens/, 'API tokens'],
  [/^\/api\/webhooks/, 'Webhooks'],
  [/^\/api\/(openapi\.json|docs)$/, 'API reference'],
  [/^\/api\/lens\//, 'Lens'],
  [/^\/healthz$/, 'Health'],
  [/^\/ws\//, 'Sockets'],
];

/** The area of a route (`METHOD /path`), undefined when no rule names it. */
export function tagOf(key: string): Tag | undefined {
  const path = key.split(' ')[1] ?? '';
  return AREAS.find(([pattern]) => pattern.test(path))?.[1];
}

/** Route key → what it does, in a line (the reader's operation title). */
export const SUMMARIES: Record<string, string> = {
  'POST /api/auth/login': 'Sign in with e-mail and password',
  'POST /api/auth/logout': 'Sign out',
  'GET /api/auth/me': 'The signed-in technician, with their rights',
  'GET /api/auth/options': 'What the sign-in page offers',
  'GET /auth/oidc/login': "Go to the identity provider's sign-in",
  'GET /auth/oidc/callback': 'Back from the identity provider',
  'GET /auth/oidc/logout': 'Sign out here and at the identity provider',
  'GET /api/setup/:token': 'Check a setup link',
  'POST /api/setup': 'Create the first administrator',

  'GET /api/groups': 'List groups',
  'POST /api/groups': 'Create a group',
  'PATCH /api/groups/:id': 'Change a group',
  'DELETE /api/groups/:id': 'Delete an empty group',
  'GET /api/technicians': 'List technicians',
  'POST /api/technicians': 'Create a technician',
  'PATCH /api/technicians/:id': 'Change a technician (name, group, disabled)',
  'POST /api/technicians/:id/password': "Set a technician's password",
  'GET /api/settings/eula': 'The EULA customers accept',
  'PUT /api/settings/eula': 'Change the EULA',

  'POST /api/sessions': 'Invite a customer (create a Lens session)',
  'GET /api/sessions': 'List open sessions',
  'GET /api/sessions/:id': 'A session',
  'POST /api/sessions/:id/start': 'Start the live video',
  'POST /api/sessions/:id/hold': 'Put the session on hold',
  'POST /api/sessions/:id/resume': 'Resume a held session',
  'POST /api/sessions/:id/end': 'End the session',
  'POST /api/sessions/:id/resend': 'Send the invitation again (SMS or e-mail, by its method)',
  'POST /api/sessions/:id/snapshots': 'Ask the phone for a photo',
  'GET /api/sessions/:id/snapshots': "The session's photos",
  'GET /api/snapshots/:id': "A photo's image",
  'POST /api/snapshots/:id/annotated': 'Store an annotated copy of a photo',
  'GET /api/sessions/:id/messages': "The session's chat",

  'GET /api/history': 'Search ended sessions',
  'GET /api/sessions/:id/report': "The session's report",
  'PUT /api/sessions/:id/notes': "Write the technician's notes",
  'GET /api/sessions/:id/recording': "The recording's state",
  'GET /api/recordings/:id': 'The recording (WebM, Range requests)',
  'GET /api/sessions/:id/export': 'The signed evidence bundle (ZIP)',
  'GET /api/evidence-key': 'The public key that signs evidence bundles',
  'GET /api/audit': 'Read the audit log',
  'GET /api/audit/export': 'Export the audit log (CSV)',
  'POST /api/erasures': 'Erase what Loupe keeps about a phone number',

  'POST /api/tokens': 'Create an API token (shown once)',
  'GET /api/tokens': 'List API tokens',
  'DELETE /api/tokens/:id': 'Revoke an API token',
  'POST /api/webhooks': 'Add a webhook receiver (its secret shown once)',
  'GET /api/webhooks': 'List webhook receivers',
  'GET /api/webhooks/:id': 'A webhook receiver',
  'PATCH /api/webhooks/:id': 'Change a webhook receiver',
  'DELETE /api/webhooks/:id': 'Remove a webhook receiver',
  'GET /api/webhooks/:id/deliveries': "A receiver's deliveries and their attempts",
  'POST /api/webhooks/:id/deliveries/:deliveryId/resend': 'Send a delivery again, now',
  'GET /api/openapi.json': 'This OpenAPI 3.1 document',
  'GET /api/docs': 'This reference, as a page',

  'GET /api/lens/capabilities': 'What the Lens page needs first (store links)',
  'POST /api/lens/redeem': 'Open a session with its PIN or link',
  'GET /api/lens/session': "The customer's session",
  'POST /api/lens/eula': 'Accept or decline the EULA',
  'POST /api/lens/end': 'Leave the session',
  'POST /api/lens/snapshots/:id': 'Upload a requested photo (the body is the image)',
  'GET /api/lens/messages': 'The chat, for the customer',

  'GET /healthz': 'Health: the database, Janus',
  'GET /ws/console': "The console's WebSocket",
  'GET /ws/lens': "The Lens's WebSocket",
};
