// The OpenAPI document against the contract it is made from: a valid OpenAPI
// 3.1 document (Scalar's own parser, which the reader runs, and checks of our
// own), every route of ROUTES in it and nothing else, security and refusals
// as ACCESS says, requests as ROUTE_INPUTS says, answers as ROUTES says — and
// made from them, not copied: change a ROUTES entry and the document follows.
import { describe, expect, test } from 'bun:test';
import { validate } from '@scalar/openapi-parser';
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { ACCESS } from '../contract/access.ts';
import { ROUTE_INPUTS } from '../contract/requests.ts';
import { FILE_TYPES, IMAGE_TYPES, IMAGE_UPLOADS, ROUTES } from '../contract/routes.ts';
import { errorBodySchema } from '../contract/views.ts';
import { LENS_COOKIE } from '../sessions/customer.ts';
import {
  buildDocument,
  LENS_COOKIE_NAME,
  type OpenApiDocument,
  type Operation,
  openApiPath,
  operationOf,
  SCHEMES,
  SESSION_COOKIE_NAME,
} from './document.ts';
import { type JsonSchema, requestSchema, responseSchema } from './json-schema.ts';
import { SUMMARIES, TAGS, tagOf } from './operations.ts';

const doc = buildDocument({ version: '1.2.3', server: 'https://loupe.example.org' });
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document with the route key it names. */
function operations(d: OpenApiDocument = doc): { path: string; method: string; op: Operation }[] {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );
}
const byRoute = new Map(operations().map((o) => [o.op['x-loupe-route'], o]));
const op = (key: string) => byRoute.get(key)!.op;

describe('an OpenAPI 3.1 document', () => {
  test("Scalar's parser (the reader's own) finds it valid, and finds a broken one invalid", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = structuredClone(doc) as OpenApiDocument;
    (broken.paths['/api/sessions']!.post as unknown as Record<string, unknown>).responses = 'none';
    expect((await validate(broken as never)).valid).toBe(false);
  });

  test('has the fields OpenAPI 3.1 requires, and sound ones', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Loupe API', version: '1.2.3' });
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    const ids = operations().map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      expect(path, where).toStartWith('/');
      expect(METHODS, where).toContain(method);
      expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses)) {
        expect(status, where).toMatch(/^([1-5]\d\d|default)$/);
        expect(response.description, `${where} ${status}`).toBeTruthy();
      }
      for (const tag of op.tags) expect(tags.has(tag), `${where} tag ${tag}`).toBe(true);
      for (const requirement of op.security)
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
      // Every {name} in the path is a required path parameter, and no other is.
      const named = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = op.parameters.filter((p) => p.in === 'path');
      expect(
        declared.map((p) => p.name),
        where,
      ).toEqual(named as string[]);
      for (const p of declared) expect(p.required, `${where} ${p.name}`).toBe(true);
    }
  });

  test('every $ref points at something in the document, and no schema repeats the dialect', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"$schema"');
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      const target = ref!
        .slice(2)
        .split('/')
        .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], doc);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('every route of the contract', () => {
  test('is an operation at its path and method, and the document has no other', () => {
    const keys = Object.keys(ROUTES);
    expect([...byRoute.keys()].sort()).toEqual([...keys].sort());
    for (const key of keys) {
      const [method, pattern] = key.split(' ') as [string, string];
      const found = byRoute.get(key)!;
      expect(`${found.method} ${found.path}`).toBe(`${method.toLowerCase()} ${openApiPath(pattern).path}`);
    }
  });

  test('a route missing from ROUTES is missing from the document', () => {
    const key = 'GET /api/sessions/:id/report';
    const answers = ROUTES[key]!;
    delete ROUTES[key];
    try {
      const without = buildDocument({ version: '1', server: 'https://x.example' });
      expect(operations(without).some((o) => o.op['x-loupe-route'] === key)).toBe(false);
    } finally {
      ROUTES[key] = answers;
    }
  });

  test('has a summary and an area, and the summaries name only routes', () => {
    for (const key of Object.keys(ROUTES)) {
      expect(SUMMARIES[key], key).toBeTruthy();
      expect(tagOf(key), key).toBeDefined();
    }
    expect(Object.keys(SUMMARIES).filter((k) => !(k in ROUTES))).toEqual([]);
    // Every declared area has a route (no empty group in the reader).
    const used = new Set(Object.keys(ROUTES).map(tagOf));
    expect(TAGS.map((t) => t.name).filter((t) => !used.has(t))).toEqual([]);
  });
});

describe('security, from ACCESS', () => {
  test('public routes need nothing, the Lens its cookie, technicians the sign-in cookie or a token with the scope', () => {
    for (const key of Object.keys(ROUTES)) {
      const access = ACCESS[key]!;
      const want: Record<string, string[]>[] =
        access.who === 'anyone'
          ? []
          : access.who === 'customer'
            ? [{ [SCHEMES.lens]: [] }]
            : [{ [SCHEMES.cookie]: [] }, ...(access.scope ? [{ [SCHEMES.bearer]: [access.scope] }] : [])];
      expect(op(key).security, key).toEqual(want);
    }
  });

  test("the schemes are Loupe's real cookies and its bearer tokens", () => {
    expect(SESSION_COOKIE_NAME).toBe(SESSION_COOKIE);
    expect(LENS_COOKIE_NAME).toBe(LENS_COOKIE);
    expect(doc.components.securitySchemes).toEqual({
      [SCHEMES.cookie]: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }),
      [SCHEMES.bearer]: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'loupe_…' }),
      [SCHEMES.lens]: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: LENS_COOKIE }),
    });
  });

  test('the refusals the access rule implies are documented, with the error body', () => {
    const errorRef = { $ref: '#/components/schemas/Error' };
    expect(doc.components.schemas.Error).toEqual(responseSchema(errorBodySchema));
    for (const key of Object.keys(ROUTES)) {
      const access = ACCESS[key]!;
      const { responses } = op(key);
      const statuses = Object.keys(responses);
      const has = (status: number) => statuses.includes(String(status));
      expect(has(401), `${key} 401`).toBe(access.who !== 'anyone');
      if (access.who === 'technician') {
        expect(has(403), `${key} 403`).toBe(true);
        if (access.owns || access.sees) expect(has(404), `${key} 404`).toBe(true);
      }
      if (ROUTE_INPUTS[key]?.body) for (const s of [400, 413, 415]) expect(has(s), `${key} ${s}`).toBe(true);
      if (ROUTE_INPUTS[key]?.query) expect(has(400), `${key} 400`).toBe(true);
      expect(responses.default?.content?.['application/json']?.schema, key).toEqual(errorRef);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const success = ROUTES[key]!.some((a) => String(a.status) === status);
        if (!success)
          expect(responses[status]!.content?.['application/json']?.schema, `${key} ${status}`).toEqual(errorRef);
      }
    }
  });
});

describe('requests, from ROUTE_INPUTS', () => {
  test('the table names only routes of the contract', () => {
    expect(Object.keys(ROUTE_INPUTS).filter((k) => !(k in ROUTES))).toEqual([]);
  });

  test("each route's body and query in the document are its table schemas; the others take none", () => {
    for (const key of Object.keys(ROUTES)) {
      const input = ROUTE_INPUTS[key];
      const { requestBody, parameters } = op(key);
      if (input?.body) expect(requestBody?.content['application/json']?.schema, key).toEqual(requestSchema(input.body));
      else if (IMAGE_UPLOADS.has(key)) expect(Object.keys(requestBody?.content ?? {}), key).toEqual([...IMAGE_TYPES]);
      else expect(requestBody, key).toBeUndefined();
      const query = parameters.filter((p) => p.in === 'query');
      if (!input?.query) {
        expect(query, key).toEqual([]);
        continue;
      }
      const object = requestSchema(input.query) as { properties: Record<string, JsonSchema>; required?: string[] };
      expect(Object.fromEntries(query.map((p) => [p.name, p.schema])), key).toEqual(object.properties);
      for (const p of query) expect(p.required, `${key} ${p.name}`).toBe(object.required?.includes(p.name) ?? false);
    }
  });

  test("a cleaned text field shows the rule after cleaning (zod's input side alone would drop it)", () => {
    const body = op('POST /api/sessions').requestBody!.content['application/json']!.schema as {
      properties: Record<string, { maxLength?: number; minLength?: number }>;
    };
    expect(body.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 64 });
    expect(body.properties.reference).toMatchObject({ type: 'string', minLength: 1, maxLength: 100 });
  });
});

describe('answers, from ROUTES', () => {
  test("each success answer's content is made from its ROUTES entry: JSON schema, file types or none", () => {
    for (const [key, answers] of Object.entries(ROUTES)) {
      const { responses } = op(key);
      if (answers.length === 0) expect(Object.keys(responses), key).toContain('101');
      for (const answer of answers) {
        const response = responses[String(answer.status)]!;
        const where = `${key} ${answer.status}`;
        if (answer.body === null) expect(response.content, where).toBeUndefined();
        else if (typeof answer.body === 'string')
          expect(Object.keys(response.content!), where).toEqual([...FILE_TYPES[answer.body]]);
        else expect(response.content, where).toEqual({ 'application/json': { schema: responseSchema(answer.body) } });
      }
    }
  });

  test('a changed ROUTES entry changes the document: the schema is generated, not kept', () => {
    const key = 'GET /api/auth/options';
    const answers = ROUTES[key]!;
    ROUTES[key] = [{ status: 200, body: z.strictObject({ changed: z.literal(true) }) }];
    try {
      const schema = operationOf(key).responses['200']!.content!['application/json']!.schema;
      expect(schema).toMatchObject({ properties: { changed: { const: true } }, required: ['changed'] });
    } finally {
      ROUTES[key] = answers;
    }
    expect(operationOf(key)).toEqual(op(key));
  });
});
