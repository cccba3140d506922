// Generators for the fuzz tests, made from the contract's own zod schemas
// (through their JSON Schema, z.toJSONSchema): valid values, almost-valid
// ones (one field missing, of the wrong type, too long, or one key too many)
// and hostile ones (wrong types, huge and deeply nested values, control,
// zero-width and bidi characters, lone surrogates, non-NFC text, prototype
// keys, extreme numbers, other people's ids).
import fc from 'fast-check';
import { z } from 'zod';

/** The part of JSON Schema that z.toJSONSchema writes for the contract's schemas. */
export type JsonSchema = {
  /** Several for a nullable number (`["number", "null"]`). */
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema | false;
  /** A tuple's items, one schema each (then `items` is false): a point [x, y]. */
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
};

/** More valid values for a property, by its name: real ids, PINs, phone numbers, an SDP. */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

/** A request body: a JSON value, or raw text under a content type. */
export type Body = { json: unknown } | { raw: string; type: string };

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // The input side: what a client sends, before trims and transforms.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** An own property, even for `__proto__`: an assignment would set the prototype instead. */
export function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const branches = (s: JsonSchema) => s.anyOf ?? s.oneOf;

// ---- valid values

/** Values `schema` accepts (refinements across fields aside, e.g. a phone for method "sms"). */
export function validValue(schema: JsonSchema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  const plain = plainValid(schema, hints);
  const hinted = name === undefined ? undefined : hints[name];
  return hinted ? fc.oneof(hinted, plain) : plain;
}

function plainValid(s: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const alternatives = branches(s);
  if (alternatives) return fc.oneof(...alternatives.map((b) => validValue(b, hints)));
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => plainValid({ ...s, type }, hints)));
  switch (s.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum === undefined ? -1e6 : s.exclusiveMinimum + 1);
      return fc.integer({ min, max: Math.min(s.maximum ?? 1e6, 2 ** 31 - 1) });
    }
    case 'number': {
      // A coordinate, a zoom level: inside the bounds, the bounds themselves included.
      const min = s.minimum ?? -1e6;
      const max = s.maximum ?? 1e6;
      return fc.oneof(fc.double({ min, max, noNaN: true }), fc.constantFrom(min, max));
    }
    case 'string':
      return validString(s);
    case 'array':
      if (s.prefixItems) return fc.tuple(...s.prefixItems.map((item) => validValue(item, hints)));
      return fc.array(validValue(s.items || {}, hints), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 6, 6),
      });
    case 'object':
      return validObject(s, hints);
  }
  throw new Error(`arbitraries: no generator for the schema ${JSON.stringify(s).slice(0, 200)}`);
}

function validString(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'uuid') return fc.uuid();
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 200;
  if (s.pattern) {
    const matching = fc.stringMatching(new RegExp(s.pattern), { maxLength: Math.min(max, 400) });
    return matching.filter((v) => v.length >= min && v.length <= max);
  }
  const short = fc.string({ minLength: min, maxLength: Math.min(max, min + 24), unit: 'grapheme' });
  // Exactly at the limit, in UTF-16 units as zod counts them.
  const full = fc.constantFrom('a', 'é', 'Z').map((c) => c.repeat(max));
  return fc.oneof({ arbitrary: short, weight: 5 }, { arbitrary: full, weight: 1 });
}

function validObject(s: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, prop] of Object.entries(s.properties ?? {})) model[key] = validValue(prop, hints, key);
  return fc.record(model, { requiredKeys: s.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

// ---- hostile values

/** Characters that a database, a terminal or a person reading a name can trip over. */
export const NASTY = [
  '\u0000', // NUL: PostgreSQL refuses it in text
  '\u0001',
  '\u0008',
  '\u001b', // ESC: terminal escapes in a log
  '\u007f',
  '\u0085', // C1 NEL
  '\u009b', // C1 CSI
  '\r\n',
  '\t',
  '\u200b', // zero-width space
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202e', // right-to-left override
  '\u2066',
  '\ud800', // lone surrogates
  '\udfff',
  'e\u0301', // not NFC (é decomposed)
  '\u212b', // Angstrom sign, NFC is Å
  '\ufb01',
  'аdmin', // Cyrillic а
  '__proto__',
  'constructor',
  "'; drop table technicians; --",
  '%00',
  '\\u0000',
  '$' + '{7*7}', // a template placeholder, for whatever renders names
  '<script>alert(1)</script>',
  '../../etc/passwd',
];

const HUGE_LENGTHS = [257, 1_025, 20_001, 60_000, 1_000_000];

/** Strings built from NASTY, random code points of every kind, and huge runs. */
export function hostileString(): fc.Arbitrary<string> {
  const piece = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 4 }));
  const mixed = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
  const huge = fc
    .tuple(fc.constantFrom(...HUGE_LENGTHS), fc.constantFrom('a', '\u0000', '\u200b', '😀', '\ud800'))
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));
  return fc.oneof(
    { arbitrary: mixed, weight: 6 },
    { arbitrary: fc.constantFrom(...NASTY), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
    { arbitrary: huge, weight: 1 },
  );
}

/** `depth` nested arrays around `inner`, built without recursion. */
export function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function protoObject(): Record<string, unknown> {
  const o = withKey({}, '__proto__', { isAdmin: true, rights: ['administer'] });
  withKey(o, 'constructor', { prototype: { polluted: true } });
  return o;
}

/** Any JSON value a client could send in place of the right one. */
export function hostileValue(): fc.Arbitrary<unknown> {
  const numbers = fc.constantFrom(-0, 1e308, -1e308, 5e-324, 2 ** 53, -(2 ** 53), 2 ** 31, -1, 0.5, 1e21);
  const odd = fc.constantFrom(null, true, false, '', [], {}, [null], { type: 'ping' });
  return fc.oneof(
    { arbitrary: hostileString(), weight: 6 },
    { arbitrary: numbers, weight: 2 },
    { arbitrary: odd, weight: 2 },
    { arbitrary: fc.double(), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
    { arbitrary: fc.constantFrom(100, 2_000).map((d) => nested(d)), weight: 1 },
    { arbitrary: fc.constant(null).map(protoObject), weight: 1 },
  );
}

// ---- almost valid

type Mutation = (value: Record<string, unknown>) => Record<string, unknown>;
const setKey =
  (k: string, v: unknown): Mutation =>
  (o) =>
    withKey({ ...o }, k, v);

/** One thing wrong with an otherwise valid object. */
function mutations(s: JsonSchema): fc.Arbitrary<Mutation> {
  const props = Object.entries(s.properties ?? {});
  const texts = props.filter(([, p]) => p.type === 'string' && !p.format && !p.pattern).map(([k]) => k);
  const all: fc.WeightedArbitrary<Mutation>[] = [];
  const extraKey = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'id', 'isAdmin', 'rights', ''),
    hostileString().filter((k) => k.length < 200),
  );
  all.push({ arbitrary: fc.tuple(extraKey, hostileValue()).map(([k, v]) => setKey(k, v)), weight: 1 });
  if (s.required?.length) {
    const drop =
      (k: string): Mutation =>
      (o) =>
        Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));
    all.push({ arbitrary: fc.constantFrom(...s.required).map(drop), weight: 1 });
  }
  if (props.length) {
    const keys = fc.constantFrom(...props.map(([k]) => k));
    all.push({ arbitrary: fc.tuple(keys, hostileValue()).map(([k, v]) => setKey(k, v)), weight: 2 });
    const bound = fc.constantFrom(...props).chain(([k, p]) => outOfBounds(p).map((v) => setKey(k, v)));
    all.push({ arbitrary: bound, weight: 2 });
  }
  // The class that reaches the database: a name or text that is fine but for one character.
  if (texts.length) {
    const text = fc.tuple(fc.constantFrom(...texts), fc.constantFrom(...NASTY), fc.constantFrom('', 'Name '));
    all.push({ arbitrary: text.map(([k, c, pre]) => setKey(k, `${pre}${c}x`)), weight: 3 });
  }
  return fc.oneof(...all);
}

/** A value just past the property's limits. */
function outOfBounds(p: JsonSchema): fc.Arbitrary<unknown> {
  const alternatives = branches(p);
  const s = alternatives?.find((b) => b.type !== 'null') ?? p;
  const bad: unknown[] = [];
  if (s.type === 'string') {
    if (s.maxLength !== undefined) bad.push('x'.repeat(s.maxLength + 1), '\u0000'.repeat(s.maxLength + 1));
    if (s.minLength) bad.push('x'.repeat(s.minLength - 1));
    bad.push(' ', '\u0000', 'a\u0000b', '\u200b', ' \t ');
  }
  if (s.type === 'integer') bad.push((s.maximum ?? 0) + 1, (s.minimum ?? 0) - 1, 1.5, -0, '1', 1e308);
  if (s.type === 'number') bad.push((s.maximum ?? 0) + 0.001, (s.minimum ?? 0) - 0.001, '0.5', 1e308, null);
  if (s.prefixItems) bad.push([], [0.5], [0.5, 0.5, 0.5], ['0', '0'], [2, 0], [0, -1]);
  if (s.type === 'array') bad.push(Array(Math.min((s.maxItems ?? 64) + 1, 10_000)).fill('administer'), [{}], 'x');
  if (s.type === 'boolean') bad.push('true', 1, 0, null);
  if (s.enum || 'const' in s) bad.push('ADMINISTER', 'lens ', `${String(s.const ?? s.enum?.[0])}\u0000`);
  if (bad.length === 0) bad.push(null);
  return fc.constantFrom(...bad);
}

/** A valid object (from the schema, or one of `examples`) with one mutation; for a union, of one of its branches. */
export function almostValid(
  schema: JsonSchema,
  hints: Hints = {},
  examples: Record<string, unknown>[] = [],
): fc.Arbitrary<unknown> {
  const alternatives = branches(schema);
  if (alternatives) return fc.oneof(...alternatives.map((b) => almostValid(b, hints, examples)));
  if (schema.type !== 'object') return hostileValue();
  const mine = examples.filter((e) => Object.keys(e).every((k) => k in (schema.properties ?? {})));
  const base = mine.length
    ? fc.oneof(validObject(schema, hints), fc.constantFrom(...mine))
    : validObject(schema, hints);
  return fc.tuple(base, mutations(schema)).map(([value, mutate]) => mutate(value as Record<string, unknown>));
}

// ---- whole bodies

const DEEP = 10_000;
const RAW = [
  '',
  'null',
  '[]',
  '"text"',
  '42',
  'NaN',
  '{"a":NaN}',
  '{"a":1e999}',
  '{',
  '{"a":1,}',
  '\u0000',
  '\ufeff{}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"name":"a","name":"b"}',
  '['.repeat(DEEP) + ']'.repeat(DEEP),
  `{"name":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
  `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`,
  'x'.repeat(1_100_000),
];
const TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/evil+json'];

/** Raw text that is not the JSON object a route wants, under a content type. */
export function rawBody(): fc.Arbitrary<{ raw: string; type: string }> {
  const text = fc.oneof(fc.constantFrom(...RAW), hostileString());
  return fc.record({ raw: text, type: fc.constantFrom(...TYPES) });
}

/** Bodies for a route that takes `schema`: valid (generated, or one of the known-good `examples`), almost valid, hostile. */
export function bodyFor(
  schema: JsonSchema,
  hints: Hints,
  examples: Record<string, unknown>[] = [],
): fc.Arbitrary<Body> {
  const known = examples.length ? fc.constantFrom(...examples) : validValue(schema, hints);
  return fc.oneof(
    { arbitrary: validValue(schema, hints).map((json) => ({ json })), weight: 2 },
    { arbitrary: known.map((json) => ({ json })), weight: 2 },
    { arbitrary: almostValid(schema, hints, examples).map((json) => ({ json })), weight: 5 },
    { arbitrary: hostileValue().map((json) => ({ json })), weight: 1 },
    { arbitrary: rawBody(), weight: 1 },
  );
}

/** Bodies for a route that takes none: nothing, an empty object, or anything else. */
export function bodyForBodiless(): fc.Arbitrary<Body | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.constant({ json: {} }), weight: 1 },
    { arbitrary: hostileValue().map((json) => ({ json })), weight: 1 },
    { arbitrary: rawBody(), weight: 1 },
  );
}

const RAW_SEGMENTS = ['%00', '%ZZ', '%', '..', '%2e%2e', '%2F', 'a%20b', '%E2%80%AE', '%ED%A0%80', 'null', '-1'];

/** A path segment (already encoded): one of the world's real ids, a random uuid, or anything else. */
export function pathSegment(ids: string[]): fc.Arbitrary<string> {
  const encode = (s: string) => {
    try {
      return encodeURIComponent(s.slice(0, 8_000));
    } catch {
      return '%ED%A0%80'; // a lone surrogate cannot be encoded: its UTF-8-looking bytes instead
    }
  };
  return fc.oneof(
    { arbitrary: fc.constantFrom(...ids), weight: 4 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.constantFrom(...ids).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
    { arbitrary: hostileString().map(encode), weight: 2 },
  );
}
