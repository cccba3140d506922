// Route input: JSON bodies and path ids, validated with zod before any verb runs.
import type { Context } from 'hono';
import type { z } from 'zod';
import { Invalid, UnsupportedMediaType, type ErrorDetail } from './errors.ts';

export function describeIssues(error: z.ZodError): { message: string; details: ErrorDetail[] } {
  const details = error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}.` : issue.message,
  }));
  const first = details[0]!;
  return { message: first.path ? `${first.path}: ${first.message}` : first.message, details };
}

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const { message, details } = describeIssues(result.error);
    throw new Invalid(message, details);
  }
  return result.data;
}

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new UnsupportedMediaType();
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch {
    throw new Invalid('The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Invalid('The body must be a JSON object.');
  return parse(schema, value);
}
