// What the logger (src/log.ts) writes instead of what it is handed, so that no
// secret reaches a log line, whoever wrote the call:
//
// - An Error becomes its class, its code and a message built here from fields
//   that cannot carry user data (a PostgreSQL SQLSTATE, constraint, table and
//   column names; a Node syscall). Never its own message: drizzle's reads
//   "Failed query: … params: <the values>", PostgreSQL's `detail` reads
//   "Failing row contains (…, $argon2id$…)", a JSON.parse error quotes its
//   input, and Loupe's own messages interpolate input too. Its `cause` chain
//   is walked the same way; its stack keeps its frames (code locations) under
//   a first line rebuilt from those parts.
// - A field whose name says secret (password, hash, pin, token, cookie, secret,
//   authorization, sdp, text, body, params, link, …) is written as "[redacted]".
// - Any string (the message too) loses what would give access if it were
//   copied from the log: a URL's userinfo, query, fragment and token-like path
//   segments (a Lens link is /l/<token>), argon2 hashes, SDP ICE passwords,
//   and secret-named keys of JSON quoted inside it.
export const REDACTED = '[redacted]';

/**
 * An error whose message Loupe built from its own constants and configuration
 * (a timeout, an address it was configured with), never from input: the log
 * keeps its message (scrubbed like any string), so an operator still reads
 * "no answer from ws://127.0.0.1:8188 within 5000 ms" instead of a bare class.
 */
export class Fault extends Error {
  override name = 'Fault';
}

// Matched against the words of a key (camelCase, snake_case and kebab-case split).
const SECRET_WORDS = new Set([
  'auth',
  'authorization',
  'body',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'csrf',
  'detail',
  'hash',
  'hashes',
  'headers',
  'jsep',
  'key',
  'link',
  'links',
  'otp',
  'params',
  'parameters',
  'pass',
  'passphrase',
  'passwd',
  'password',
  'passwords',
  'pin',
  'pins',
  'pwd',
  'query',
  'sdp',
  'secret',
  'secrets',
  'sql',
  'text',
  'token',
  'tokens',
]);
// And inside the whole key, for run-together names (`apisecret`, `adminkey`).
const SECRET_INSIDE = /password|passwd|secret|token|cookie|credential|authoriz|apikey|adminkey|sdp/i;

/** Whether a field named `key` must not be written. */
export function isSecretKey(key: string): boolean {
  if (SECRET_INSIDE.test(key)) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]+/gi;
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/is;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Loupe's tokens are 22 or 43 base64url characters; ids are UUIDs, route words are short.
const TOKEN_LIKE = /^[A-Za-z0-9_%-]{16,}$/;
// PHC strings: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
const ARGON2 = /\$argon2(?:id|i|d)(?:\$[A-Za-z0-9+/=,]*[A-Za-z0-9+/=])+/g;
const ICE_PASSWORD = /(a=ice-(?:pwd|ufrag):)[^\s"\\]*/gi;
const JSON_FIELD = /"([^"\\]{1,60})"(\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]]+)/g;

function scrubUrl(url: string): string {
  const parts = URL_PARTS.exec(url);
  if (!parts) return REDACTED;
  const [, scheme, userinfo, host, path = '', query, fragment] = parts;
  const segments = path.split('/').map((s) => (TOKEN_LIKE.test(s) && !UUID.test(s) ? REDACTED : s));
  return (
    `${scheme}${userinfo === undefined ? '' : `${REDACTED}@`}${host}${segments.join('/')}` +
    `${query ? `?${REDACTED}` : ''}${fragment ? `#${REDACTED}` : ''}`
  );
}

/** A string as it may be written: see the head of this file. */
export function scrub(text: string): string {
  return text
    .replace(URL_IN_TEXT, scrubUrl)
    .replace(ARGON2, REDACTED)
    .replace(ICE_PASSWORD, `$1${REDACTED}`)
    .replace(JSON_FIELD, (whole, key: string, colon: string) =>
      isSecretKey(key) ? `"${key}"${colon}"${REDACTED}"` : whole,
    );
}

/**
 * A request path as it may be written: short lowercase words (the API's own)
 * and UUIDs stay, anything else (the setup token in /api/setup/<token>,
 * whatever a client sent) is `:value`.
 */
export function loggablePath(path: string): string {
  return path
    .split('/')
    .map((s) => (s === '' || /^[a-z][a-z_-]{0,15}$/.test(s) || UUID.test(s) ? s : ':value'))
    .join('/');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
// SQL names: what PostgreSQL reports as the schema, table, column, data type or constraint.
const SQL_NAME = /^[\p{L}\p{N}_$ .-]{1,128}$/u;
// PostgreSQL (PGlite and postgres-js name them differently), then Node/Bun.
const NAME_FIELDS: [string, string[]][] = [
  ['severity', ['severity']],
  ['schema', ['schema', 'schema_name']],
  ['table', ['table', 'table_name']],
  ['column', ['column', 'column_name']],
  ['dataType', ['dataType', 'data type_name']], // sic: postgres-js's key
  ['constraint', ['constraint', 'constraint_name']],
  ['routine', ['routine']],
  ['syscall', ['syscall']],
];
const SQLSTATE_NAMES: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22021': 'character_not_in_repertoire',
  '22P02': 'invalid_text_representation',
  '23001': 'restrict_violation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42P01': 'undefined_table',
  '42703': 'undefined_column',
  '53300': 'too_many_connections',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
};

type Described = Record<string, string | number>;

function className(err: Error & Record<string, unknown>): string {
  const ctor = err.constructor?.name;
  if (ctor && ctor.length > 2 && ctor !== 'Error' && IDENTIFIER.test(ctor)) return ctor;
  // PGlite's class name is minified away.
  if (typeof err.severity === 'string' && typeof err.code === 'string') return 'DatabaseError';
  if (typeof err.name === 'string' && IDENTIFIER.test(err.name)) return err.name;
  return 'Error';
}

/** One error's safe fields (no message, no stack). */
function safeFields(err: Error): Described {
  const e = err as Error & Record<string, unknown>;
  const out: Described = { class: className(e) };
  if ((typeof e.code === 'string' && CODE.test(e.code)) || (typeof e.code === 'number' && Number.isFinite(e.code)))
    out.code = e.code;
  if (typeof e.errno === 'number') out.errno = e.errno;
  if (typeof e.status === 'number') out.status = e.status;
  for (const [name, keys] of NAME_FIELDS)
    for (const k of keys)
      if (typeof e[k] === 'string' && SQL_NAME.test(e[k] as string) && !(name in out)) out[name] = e[k] as string;
  return out;
}

function summary(d: Described): string {
  const code = d.code === undefined ? '' : ` ${d.code}`;
  const named = typeof d.code === 'string' && SQLSTATE_NAMES[d.code] ? ` (${SQLSTATE_NAMES[d.code]})` : '';
  const where = [
    d.table && `table ${d.table}`,
    d.column && `column ${d.column}`,
    d.constraint && `constraint ${d.constraint}`,
    d.syscall && `syscall ${d.syscall}`,
  ].filter(Boolean);
  return `${d.class}${code}${named}${where.length ? ` on ${where.join(', ')}` : ''}`;
}

const MAX_CAUSES = 5;
const MAX_FRAMES = 15;

/** The log's view of an Error: see the head of this file. */
export function describeError(err: Error): Record<string, unknown> {
  const own = safeFields(err);
  const causes: Described[] = [];
  const seen = new Set<unknown>([err]);
  for (let c = err.cause; c !== undefined && causes.length < MAX_CAUSES && !seen.has(c); c = (c as Error).cause) {
    seen.add(c);
    if (!(c instanceof Error)) {
      causes.push({ class: typeof c });
      break;
    }
    causes.push(safeFields(c));
  }
  const said = err instanceof Fault ? `: ${scrub(err.message)}` : '';
  const message = `${[own, ...causes].map(summary).join(', caused by ')}${said}`;
  // Frames only from after the message, so a message with "\n    at …" in it adds nothing.
  const stack = err.stack ?? '';
  const afterMessage = err.message && stack.includes(err.message) ? stack.indexOf(err.message) + err.message.length : 0;
  const frames = stack
    .slice(afterMessage)
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, MAX_FRAMES);
  return {
    ...own,
    message,
    ...(causes.length ? { causes } : {}),
    ...(frames.length ? { stack: [message, ...frames].join('\n') } : {}),
  };
}
