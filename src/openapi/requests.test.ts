// Every body and query a route reads is in ROUTE_INPUTS (src/contract/requests.ts),
// which the OpenAPI document and the HTTP fuzz are made from: found by reading
// the route sources for the calls that read a request (jsonBody, parse of the
// query, c.req.query), so a route that starts reading one without saying so
// in the table fails here.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { BODIES, QUERIES, ROUTE_INPUTS } from '../contract/requests.ts';
import { ROUTES } from '../contract/routes.ts';
import { requestSchema } from './json-schema.ts';

const SRC = new URL('..', import.meta.url).pathname;

/** The server's sources, tests and the web app aside. */
function sources(): { file: string; text: string }[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('web/') && !f.includes('testing'))
    .map((file) => ({ file, text: readFileSync(join(SRC, file), 'utf8') }));
}

/** Every schema the contract exports, by name. */
async function contractSchemas(): Promise<Map<string, unknown>> {
  const dir = join(SRC, 'contract');
  const named = new Map<string, unknown>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const module = (await import(join(dir, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) named.set(name, value);
  }
  return named;
}

const uses = (pattern: RegExp) =>
  sources().flatMap(({ file, text }) => [...text.matchAll(pattern)].map((m) => ({ file, name: m[1]! })));

describe('the request table', () => {
  test('holds every schema a route reads its JSON body with', async () => {
    const schemas = await contractSchemas();
    const bodies = new Set(Object.values(BODIES));
    const found = uses(/\bjsonBody\(\s*c\s*,\s*(\w+)\s*\)/g);
    expect(found.length).toBeGreaterThan(10);
    const missing = found.filter((u) => !bodies.has(schemas.get(u.name) as z.ZodType));
    expect(missing.map((u) => `${u.file}: ${u.name}`)).toEqual([]);
  });

  test('holds every schema a route parses its whole query with', async () => {
    const schemas = await contractSchemas();
    const queries = new Set(Object.values(QUERIES));
    const found = uses(/\bparse\(\s*(\w+)\s*,\s*(?:queryOf\(c\)|c\.req\.(?:query|queries)\(\))/g);
    expect(found.length).toBeGreaterThan(1);
    const missing = found.filter((u) => !queries.has(schemas.get(u.name) as z.ZodType));
    expect(missing.map((u) => `${u.file}: ${u.name}`)).toEqual([]);
  });

  test('names every single query parameter a route reads', () => {
    const declared = new Set(
      Object.values(QUERIES).flatMap((q) =>
        Object.keys((requestSchema(q) as { properties?: object }).properties ?? {}),
      ),
    );
    const found = uses(/\bc\.req\.query\(\s*'(\w+)'\s*\)/g);
    expect(found.length).toBeGreaterThan(1);
    expect(found.filter((u) => !declared.has(u.name)).map((u) => `${u.file}: ${u.name}`)).toEqual([]);
  });

  test('names routes of the contract only, and each of its entries reads something', () => {
    for (const [key, input] of Object.entries(ROUTE_INPUTS)) {
      expect(ROUTES[key], key).toBeDefined();
      expect(Boolean(input.body || input.query || input.params), key).toBe(true);
    }
  });
});
