// The contract's zod schemas as OpenAPI 3.1 Schema Objects (JSON Schema
// 2020-12, OpenAPI 3.1's own dialect), by zod 4's z.toJSONSchema: the
// document says what the routes check because it is made from the same schemas.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

type Def = { type: string; in?: z.ZodType; out?: z.ZodType };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } })._zod?.def;

/**
 * The contract's `text()` cleaner (inputs.ts): a string piped into a
 * transform. Its input side is a bare string, and the rule that follows it
 * (`.pipe(z.string().min(1).max(64))`) is what a client must keep.
 */
const isTextCleaner = (schema: unknown) => {
  const def = defOf(schema);
  return def?.type === 'pipe' && defOf(def.out)?.type === 'transform';
};

/**
 * What a client sends: the input side of `schema` (before transforms and
 * defaults). A cleaned text field shows the rule applied after cleaning
 * (lengths, formats), which zod's input side would otherwise drop.
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  return strip(
    z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        const def = defOf(zodSchema);
        if (def?.type === 'pipe' && isTextCleaner(def.in)) Object.assign(jsonSchema, requestSchema(def.out!));
      },
    }),
  );
}

/** What the server answers: the output side of `schema`. */
export function responseSchema(schema: z.ZodType): JsonSchema {
  return strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }));
}

/** The document names its dialect once (`jsonSchemaDialect`); a Schema Object need not repeat it. */
function strip(json: Record<string, unknown>): JsonSchema {
  const { $schema: _dialect, ...rest } = json;
  return rest;
}
