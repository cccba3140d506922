// The OpenAPI 3.1 document of Loupe's API, made from the contract alone:
// ROUTES (routes.ts) for each route's answers, ACCESS (access.ts) for who may
// call it and so its security and refusals, ROUTE_INPUTS (requests.ts) for
// what it reads. Nothing here restates a shape, so the document cannot drift
// from what the routes validate and answer (src/openapi/document.test.ts).
import { type Access, ACCESS } from '../contract/access.ts';
import { ROUTE_INPUTS, paramSchema } from '../contract/requests.ts';
import { FILE_TYPES, type FileKind, IMAGE_TYPES, IMAGE_UPLOADS, ROUTES, type RouteAnswer } from '../contract/routes.ts';
import { errorBodySchema } from '../contract/views.ts';
import { type JsonSchema, requestSchema, responseSchema } from './json-schema.ts';
import { SUMMARIES, TAGS, tagOf } from './operations.ts';

// The cookie names, as src/auth/sessions.ts and src/sessions/customer.ts set them
// (a test checks they agree; importing those modules would pull the database in).
export const SESSION_COOKIE_NAME = 'loupe_session';
export const LENS_COOKIE_NAME = 'loupe_lens';

export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, Record<string, unknown>> };
  [field: string]: unknown;
};
export type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, Response>;
  'x-loupe-route': string;
};
type Parameter = { name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema; description?: string };
type Response = {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, { schema?: JsonSchema }>;
};

/** The security schemes: names used in every operation's `security`. */
export const SCHEMES = { cookie: 'session', bearer: 'token', lens: 'lens' } as const;
const ERROR_REF = { $ref: '#/components/schemas/Error' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `/api/sessions/:id` → `/api/sessions/{id}`, and its parameters' names. */
export function openApiPath(pattern: string): { path: string; params: string[] } {
  const params = pattern.match(/:(\w+)/g)?.map((p) => p.slice(1)) ?? [];
  return { path: pattern.replace(/:(\w+)/g, '{$1}'), params };
}

/** `POST /api/sessions/:id/start` → `postApiSessionsIdStart`. */
export function operationId(key: string): string {
  const words = key
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** Who may call the route, as OpenAPI security requirements (any one of them is enough). */
export function securityOf(access: Access): Record<string, string[]>[] {
  if (access.who === 'anyone') return [];
  if (access.who === 'customer') return [{ [SCHEMES.lens]: [] }];
  return [{ [SCHEMES.cookie]: [] }, ...(access.scope ? [{ [SCHEMES.bearer]: [access.scope] }] : [])];
}

const ERRORS: Record<number, string> = {
  400: 'The request is not valid (`invalid_request`, with `details` per field).',
  401: 'Not signed in: no sign-in cookie or token, or an unknown, expired or revoked one (`unauthorized`).',
  403: 'Refused: a right or the token scope is missing (`forbidden`, `insufficient_scope`, `token_not_allowed`), or a browser request from another site (`cross_origin`).',
  404: "Not found, or not the caller's to see: another's session answers as if it did not exist (`not_found`).",
  409: 'Not now: the state does not allow it (`invalid_state`, `live_session_limit`, a duplicate…).',
  413: 'The body is too large (`payload_too_large`; 64 KB for JSON, `image_too_large` for a photo).',
  415: 'Not the body type the route takes (`unsupported_media_type`; `unsupported_image` for a photo).',
  429: 'Too many attempts (`rate_limited`); `Retry-After` says when to try again.',
  503: 'A part Loupe needs is down (`media_unavailable`, `unavailable`); `Retry-After` says when to try again.',
};

/**
 * Refusals that follow from what a route is (routes.ts, access.ts,
 * requests.ts) rather than from what it does. `default` covers the rest
 * (409 on a state, 429, 503): every refusal has the error body.
 */
export function impliedErrors(key: string): number[] {
  const [method, pattern] = key.split(' ') as [string, string];
  const access = ACCESS[key]!;
  const input = ROUTE_INPUTS[key];
  const { params } = openApiPath(pattern);
  const upload = IMAGE_UPLOADS.has(key);
  const statuses = new Set<number>();
  if (input?.body || input?.query || params.length > 0 || upload) statuses.add(400);
  if (access.who !== 'anyone') statuses.add(401);
  const crossSite = !SAFE_METHODS.has(method) && pattern.startsWith('/api/');
  if (access.who === 'technician' || crossSite) statuses.add(403);
  if (params.length > 0 || (access.who === 'technician' && (access.owns || access.sees))) statuses.add(404);
  if (input?.body || upload) for (const status of [413, 415]) statuses.add(status);
  // A success answered with a page (the sign-in callback's refusals) is that page, not the error body.
  for (const answer of ROUTES[key] ?? []) statuses.delete(answer.status);
  return [...statuses].sort((a, b) => a - b);
}

/** What the reader says under the summary: who may call it, in words. */
function accessText(access: Access): string {
  if (access.who === 'anyone') return 'Public: no sign-in.';
  if (access.who === 'customer') return `The customer's page: the \`${LENS_COOKIE_NAME}\` cookie of a live session.`;
  const rights = access.right ? [access.right, ...(access.orRights ?? [])].map((r) => `\`${r}\``) : [];
  const lines = [
    `A signed-in technician (the \`${SESSION_COOKIE_NAME}\` cookie)${rights.length ? ` whose group has the ${rights.join(' or ')} right` : ''}.`,
  ];
  if (access.owns) lines.push(`Only on their own ${access.owns}: another's answers 404.`);
  if (access.sees)
    lines.push(`Only a ${access.sees} whose record they may see (owner, group viewer, administrator): else 404.`);
  lines.push(
    access.scope
      ? `An API token with the \`${access.scope}\` scope may call it too.`
      : 'Browsers only: an API token is refused (`403 token_not_allowed`).',
  );
  return lines.join(' ');
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: under way',
  204: 'Done, no body',
  206: 'Partial content: the requested byte range',
  302: 'A redirect (`Location`)',
  400: 'Refused: a page that says why',
  403: 'Refused: a page that says why',
};

function fileContent(kind: FileKind): Record<string, { schema?: JsonSchema }> {
  const text = kind === 'csv' || kind === 'html';
  return Object.fromEntries(FILE_TYPES[kind].map((type) => [type, text ? { schema: { type: 'string' } } : {}]));
}

function successResponse(key: string, answer: RouteAnswer): Response {
  const response: Response = { description: STATUS_TEXT[answer.status] ?? String(answer.status) };
  if (answer.body === null) {
    if (answer.status === 302)
      response.headers = { Location: { description: 'Where to go next.', schema: { type: 'string' } } };
  } else if (typeof answer.body === 'string') {
    response.content = fileContent(answer.body);
    if (answer.status === 206)
      response.headers = {
        'Content-Range': { description: 'The part sent, e.g. `bytes 0-99/1234`.', schema: { type: 'string' } },
      };
  } else {
    response.content = { 'application/json': { schema: responseSchema(answer.body) } };
  }
  if (key.startsWith('GET /healthz') && answer.status === 503) response.description = 'Something is down';
  return response;
}

function errorResponse(status: number): Response {
  const response: Response = {
    description: ERRORS[status] ?? 'Refused.',
    content: { 'application/json': { schema: ERROR_REF } },
  };
  if (status === 429 || status === 503)
    response.headers = { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } };
  return response;
}

/** The responses of `key`: its successes from ROUTES, the refusals its access implies, and `default`. */
export function responsesOf(key: string): Record<string, Response> {
  const answers = ROUTES[key]!;
  const responses: Record<string, Response> = {};
  for (const answer of answers) responses[String(answer.status)] = successResponse(key, answer);
  if (answers.length === 0)
    responses['101'] = { description: 'Switching Protocols: the WebSocket (messages: src/contract/socket.ts).' };
  for (const status of impliedErrors(key)) responses[String(status)] = errorResponse(status);
  responses.default = {
    description: 'Any other refusal (409, 429, 503…), always with the error body.',
    content: { 'application/json': { schema: ERROR_REF } },
  };
  return responses;
}

/** The path and query parameters of `key`, from the table's schemas. */
export function parametersOf(key: string): Parameter[] {
  const pattern = key.split(' ')[1]!;
  const path: Parameter[] = openApiPath(pattern).params.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: requestSchema(paramSchema(key, name)),
  }));
  const query = ROUTE_INPUTS[key]?.query;
  if (!query) return path;
  const object = requestSchema(query) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const queries: Parameter[] = Object.entries(object.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    schema,
    ...(typeof schema.description === 'string' && { description: schema.description }),
  }));
  return [...path, ...queries];
}

function requestBodyOf(key: string): Operation['requestBody'] {
  if (IMAGE_UPLOADS.has(key))
    return {
      required: true,
      description:
        "The image's bytes (JPEG, PNG or WebP, checked by content; SNAPSHOT_BYTES_MAX in src/contract/limits.ts).",
      content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, {}])),
    };
  const body = ROUTE_INPUTS[key]?.body;
  if (!body) return undefined;
  return { required: true, content: { 'application/json': { schema: requestSchema(body) } } };
}

export function operationOf(key: string): Operation {
  const access = ACCESS[key];
  if (!access) throw new Error(`${key} has no entry in src/contract/access.ts`);
  const requestBody = requestBodyOf(key);
  return {
    operationId: operationId(key),
    summary: SUMMARIES[key] ?? key,
    description: accessText(access),
    tags: [tagOf(key) ?? 'Other'],
    security: securityOf(access),
    parameters: parametersOf(key),
    ...(requestBody && { requestBody }),
    responses: responsesOf(key),
    'x-loupe-route': key,
  };
}

const DESCRIPTION = `Loupe's HTTP API: the console and the Lens use exactly this API. Generated from the contract in \`src/contract/\` (the zod schemas the routes validate with); docs/api.md explains each part.

- **Browsers** sign in with \`POST /api/auth/login\` (or single sign-on), which sets the \`${SESSION_COOKIE_NAME}\` cookie. A \`POST\`, \`PUT\`, \`PATCH\` or \`DELETE\` from another site's page is refused (\`403 cross_origin\`).
- **Integrations** send \`Authorization: Bearer loupe_…\`, an API token an administrator or technician made in the console. A route says which scope it needs; a route without one is for browsers only.
- **Bodies** are JSON objects (\`application/json\`, at most 64 KB), strict: an unknown field is refused. Text is cleaned before its length is checked (docs/text-input.md). Photos are uploaded as their bytes.
- **Errors** are always \`{"error":{"code","message","details"?}}\`.`;

/** The whole document. `server`: where Loupe is reached (LOUPE_PUBLIC_URL). */
export function buildDocument(opts: { version: string; server: string }): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const key of Object.keys(ROUTES)) {
    const [method, pattern] = key.split(' ') as [string, string];
    const { path } = openApiPath(pattern);
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = operationOf(key);
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'Loupe API', version: opts.version, description: DESCRIPTION },
    servers: [{ url: opts.server, description: 'This Loupe (LOUPE_PUBLIC_URL)' }],
    tags: TAGS.map((t) => ({ ...t })),
    paths,
    components: {
      schemas: { Error: responseSchema(errorBodySchema) },
      securitySchemes: {
        [SCHEMES.cookie]: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE_NAME,
          description: 'A technician signed in in a browser (POST /api/auth/login or single sign-on).',
        },
        [SCHEMES.bearer]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'loupe_…',
          description: 'An API token (POST /api/tokens); each route names the scope it needs.',
        },
        [SCHEMES.lens]: {
          type: 'apiKey',
          in: 'cookie',
          name: LENS_COOKIE_NAME,
          description: "A customer's live Lens session (POST /api/lens/redeem).",
        },
      },
    },
  };
}
