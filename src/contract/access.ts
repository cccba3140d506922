// Who may call each route of ROUTES (routes.ts). The authorization matrix
// (src/testing/authz-matrix.test.ts) calls every route as every kind of caller
// and checks the answer against this table; a route missing here fails it, so
// a new route must be classified. No zod here.
import type { Scope } from './org.ts';
import type { Right } from './rights.ts';

export type Access =
  /** Anyone: no sign-in, and no cookie changes the answer. */
  | { who: 'anyone' }
  /** The Lens page: the cookie of a live session, else `401 no_lens_session`; a technician's sign-in counts for nothing. */
  | { who: 'customer' }
  /**
   * A signed-in technician (else `401`; a customer's cookie counts for nothing),
   * whose group has `right` (else `403`), acting on one of their own sessions
   * when `owns` (another's, an administrator's included, is `404`, as if it did not exist).
   */
  | {
      who: 'technician';
      right?: Right;
      /**
       * Where the right depends on the row (a resend needs the invitation's
       * method's): `right` is the one the authorization matrix's request needs,
       * these are the others that do as well, each for its own kind of row.
       */
      orRights?: readonly Right[];
      owns?: 'session' | 'snapshot';
      /**
       * Instead of `owns`: the caller must be able to see the session's record
       * (else `404`, as if it did not exist): its owner, a member of the owner's
       * group whose group has `view_group_sessions`, or an administrator. It
       * names what the path's `:id` is.
       */
      sees?: 'session' | 'snapshot' | 'recording';
      /**
       * An API token (`Authorization: Bearer loupe_…`) may call the route only
       * with this scope (else `403 insufficient_scope`); a route without one is
       * for browsers only (`403 token_not_allowed`). A personal token acts as its
       * technician, with the rules above. A service token acts for the technician
       * who owns the session (`owns`/`sees`: any session), or whom the request
       * names (POST /api/sessions `technicianId`), and passes `right` checks of
       * its own (an administrator gave it the scope); lists show everyone's.
       */
      scope?: Scope;
    };

const anyone: Access = { who: 'anyone' };
const customer: Access = { who: 'customer' };
const technician: Access = { who: 'technician' };
const administer: Access = { who: 'technician', right: 'administer' };
const ownSession: Access = { who: 'technician', owns: 'session' };
const seesSession: Access = { who: 'technician', sees: 'session' };
const report: Access = { ...seesSession, scope: 'reports:read' };
const manageWebhooks: Access = { who: 'technician', right: 'administer', scope: 'webhooks:manage' };

export const ACCESS: Record<string, Access> = {
  'POST /api/auth/login': anyone,
  'POST /api/auth/logout': anyone,
  'GET /api/auth/me': technician,
  'GET /api/auth/options': anyone,
  'GET /auth/oidc/login': anyone,
  'GET /auth/oidc/callback': anyone,
  'GET /auth/oidc/logout': anyone,
  'GET /api/setup/:token': anyone,
  'POST /api/setup': anyone,

  'GET /api/groups': administer,
  'POST /api/groups': administer,
  'PATCH /api/groups/:id': administer,
  'DELETE /api/groups/:id': administer,
  'GET /api/technicians': administer,
  'POST /api/technicians': administer,
  'PATCH /api/technicians/:id': administer,
  'POST /api/technicians/:id/password': administer,
  'GET /api/settings/eula': administer,
  'PUT /api/settings/eula': administer,

  // The method's rights are checked too (use_sms_method, use_link_method or use_email_method).
  'POST /api/sessions': { who: 'technician', right: 'start_lens_sessions', scope: 'sessions:write' },
  'GET /api/sessions': { ...technician, scope: 'sessions:read' },
  'GET /api/sessions/:id': { ...ownSession, scope: 'sessions:read' },
  'POST /api/sessions/:id/start': ownSession,
  'POST /api/sessions/:id/hold': ownSession,
  'POST /api/sessions/:id/resume': ownSession,
  'POST /api/sessions/:id/end': { ...ownSession, scope: 'sessions:write' },
  // The right first: without it the answer is 403 whoever's the session. The
  // right is the invitation's method's (use_email_method for an e-mail one,
  // src/sessions/resend.ts); this table names one, the SMS's, which the
  // authorization matrix's request (an SMS invitation) needs.
  'POST /api/sessions/:id/resend': {
    who: 'technician',
    right: 'use_sms_method',
    orRights: ['use_email_method'],
    owns: 'session',
    scope: 'sessions:write',
  },
  'POST /api/sessions/:id/snapshots': ownSession,
  // Photos and transcripts are part of the record: whoever may see the session may see them.
  'GET /api/sessions/:id/snapshots': report,
  'GET /api/snapshots/:id': { who: 'technician', sees: 'snapshot', scope: 'reports:read' },
  // Drawing on a photo is the owner's, live: another's is 404.
  'POST /api/snapshots/:id/annotated': { who: 'technician', owns: 'snapshot' },
  'GET /api/sessions/:id/messages': report,
  'GET /api/history': { ...technician, scope: 'reports:read' },
  'GET /api/sessions/:id/report': report,
  // The technician's own notes: only the owner writes them.
  'PUT /api/sessions/:id/notes': ownSession,
  'GET /api/sessions/:id/recording': report,
  'GET /api/recordings/:id': { who: 'technician', sees: 'recording', scope: 'reports:read' },
  'GET /api/sessions/:id/export': report,
  // Public: a recipient of a bundle checks its signature without an account.
  'GET /api/evidence-key': anyone,
  'GET /api/audit': administer,
  'GET /api/audit/export': administer,
  'POST /api/erasures': administer,

  // Tokens are made and revoked in a browser only: no token makes another.
  // Any technician makes personal ones within their rights; service tokens are an administrator's.
  'POST /api/tokens': technician,
  // Administrators see every token; a technician their own.
  'GET /api/tokens': technician,
  'DELETE /api/tokens/:id': technician,
  'POST /api/webhooks': manageWebhooks,
  'GET /api/webhooks': manageWebhooks,
  'GET /api/webhooks/:id': manageWebhooks,
  'PATCH /api/webhooks/:id': manageWebhooks,
  'DELETE /api/webhooks/:id': manageWebhooks,
  'GET /api/webhooks/:id/deliveries': manageWebhooks,
  'POST /api/webhooks/:id/deliveries/:deliveryId/resend': manageWebhooks,
  'GET /api/openapi.json': anyone,
  'GET /api/docs': anyone,

  'GET /api/lens/capabilities': anyone,
  'POST /api/lens/redeem': anyone,
  'GET /api/lens/session': customer,
  'POST /api/lens/eula': customer,
  'POST /api/lens/end': customer,
  'POST /api/lens/snapshots/:id': customer,
  'GET /api/lens/messages': customer,

  'GET /healthz': anyone,
  'GET /ws/console': technician,
  'GET /ws/lens': customer,
};
