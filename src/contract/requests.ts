// What each route of ROUTES (routes.ts) reads from its request: the JSON body,
// the URL query and the path's parameters, as the zod schemas the route
// validates with. The OpenAPI document (src/openapi/) describes requests from
// this table and the HTTP fuzz (src/testing/fuzz) generates them from it, so
// a route's input is written once. A route that reads a body or a query and
// is missing here fails src/openapi/requests.test.ts.
import { z } from 'zod';
import * as inputs from './inputs.ts';
import { createTokenInput, createWebhookInput, updateWebhookInput, webhookDeliveriesQuery } from './org-schemas.ts';
import { auditQuery, erasureInput, historyQuery, notesInput } from './records.ts';

export type RouteInput = {
  /** The JSON body (`application/json`, a JSON object, at most 64 KB). */
  body?: z.ZodType;
  /** The URL query, as one object of strings (a parameter given twice is refused). */
  query?: z.ZodType;
  /** A path parameter's schema, where it is not a row's id (`idParam`, the default). */
  params?: Record<string, z.ZodType>;
};

/** `?download=1`: the browser saves the file instead of showing it (Content-Disposition: attachment). */
export const downloadQuery = z.strictObject({
  download: z.enum(['1'], { error: 'download is 1 or left out.' }).optional(),
});

/**
 * What the provider sends back to the callback (RFC 6749 §4.1.2, OpenID
 * Connect's `iss`): read and checked by openid-client, not by zod, so loose.
 */
export const oidcCallbackQuery = z.looseObject({
  code: z.string().optional(),
  state: z.string().optional(),
  iss: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** Route key → what it reads. A route absent here reads nothing but its path's ids. */
export const ROUTE_INPUTS: Record<string, RouteInput> = {
  'POST /api/auth/login': { body: inputs.loginInput },
  'GET /auth/oidc/callback': { query: oidcCallbackQuery },
  // The setup link's token: checked against the stored hash, any string up to 100 characters.
  'GET /api/setup/:token': { params: { token: z.string().min(1).max(100) } },
  'POST /api/setup': { body: inputs.setupInput },

  'POST /api/groups': { body: inputs.createGroupInput },
  'PATCH /api/groups/:id': { body: inputs.updateGroupInput },
  'POST /api/technicians': { body: inputs.createTechnicianInput },
  'PATCH /api/technicians/:id': { body: inputs.updateTechnicianInput },
  'POST /api/technicians/:id/password': { body: inputs.resetPasswordInput },
  'PUT /api/settings/eula': { body: inputs.updateEulaInput },

  'POST /api/sessions': { body: inputs.createSessionInput },
  'GET /api/snapshots/:id': { query: downloadQuery },
  'GET /api/history': { query: historyQuery },
  'PUT /api/sessions/:id/notes': { body: notesInput },
  'GET /api/recordings/:id': { query: downloadQuery },
  'GET /api/audit': { query: auditQuery },
  // The same filters; the whole selection, so cursor and limit are ignored.
  'GET /api/audit/export': { query: auditQuery },
  'POST /api/erasures': { body: erasureInput },

  'POST /api/tokens': { body: createTokenInput },
  'POST /api/webhooks': { body: createWebhookInput },
  'PATCH /api/webhooks/:id': { body: updateWebhookInput },
  'GET /api/webhooks/:id/deliveries': { query: webhookDeliveriesQuery },

  'POST /api/lens/redeem': { body: inputs.redeemInput },
  'POST /api/lens/eula': { body: inputs.eulaInput },
  'POST /api/lens/snapshots/:id': { query: z.strictObject({ frozen: inputs.snapshotFrozenParam }) },
};

/** The schema of a path parameter of `key`: the table's, else a row's id. */
export const paramSchema = (key: string, name: string): z.ZodType =>
  ROUTE_INPUTS[key]?.params?.[name] ?? inputs.idParam;

/** The routes' JSON bodies, for whoever needs only those (the fuzz). */
export const BODIES: Record<string, z.ZodType> = Object.fromEntries(
  Object.entries(ROUTE_INPUTS).flatMap(([key, input]) => (input.body ? [[key, input.body]] : [])),
);
/** The routes' URL queries. */
export const QUERIES: Record<string, z.ZodType> = Object.fromEntries(
  Object.entries(ROUTE_INPUTS).flatMap(([key, input]) => (input.query ? [[key, input.query]] : [])),
);
