// The logger writes no secret whatever it is handed (src/log.ts, src/log-redact.ts):
// real errors of drizzle, postgres-js, PGlite, Node/Bun and Loupe, secret-named
// fields, and strings with URLs, hashes and SDP in them.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DrizzleQueryError } from 'drizzle-orm';
import postgres from 'postgres';
import { Conflict } from './http/errors.ts';
import { loggablePath, scrub } from './log-redact.ts';
import { createLogger, Fault, SETUP_LINK_MESSAGE } from './log.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const EMAIL = 'secret.person@example.test';

function capture(level: 'debug' | 'warn' = 'debug') {
  const lines: string[] = [];
  const log = createLogger(level, (l) => lines.push(l));
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

/** What postgres-js throws for a unique violation: PostgreSQL's fields, `detail` naming the value. */
function postgresUniqueViolation() {
  return Object.assign(new postgres.PostgresError('duplicate key value violates unique constraint'), {
    severity: 'ERROR',
    severity_local: 'ERROR',
    code: '23505',
    detail: `Key (email)=(${EMAIL}) already exists.`,
    hint: `Use another than ${EMAIL}`,
    where: `SQL statement "insert … '${EMAIL}'"`,
    schema_name: 'public',
    table_name: 'technicians',
    constraint_name: 'technicians_email_unique',
    routine: '_bt_check_unique',
    query: 'insert into technicians …',
    parameters: [EMAIL, HASH],
  });
}

describe('an error', () => {
  test("drizzle's wrapped driver error: class, SQLSTATE and names only, no query, params, detail or message", () => {
    const { log, lines, last } = capture();
    const err = new DrizzleQueryError(
      'insert into "technicians" values ($1, $2)',
      [EMAIL, HASH],
      postgresUniqueViolation(),
    );
    log.error('unhandled error', { err });
    expect(last().err).toEqual({
      class: 'DrizzleQueryError',
      message:
        'DrizzleQueryError, caused by PostgresError 23505 (unique_violation) on table technicians, constraint technicians_email_unique',
      causes: [
        {
          class: 'PostgresError',
          code: '23505',
          severity: 'ERROR',
          schema: 'public',
          table: 'technicians',
          constraint: 'technicians_email_unique',
          routine: '_bt_check_unique',
        },
      ],
      stack: expect.stringMatching(/^DrizzleQueryError, caused by PostgresError 23505.*\n {4}at /),
    });
    for (const secret of [EMAIL, '$argon2', 'Failed query', 'params', 'Key (', 'duplicate key']) {
      expect(lines[0]).not.toContain(secret);
    }
  });

  test('a Node/Bun system error keeps its code and syscall, not the path in its message', () => {
    const { log, lines, last } = capture();
    let err: unknown;
    try {
      readFileSync('/nonexistent/reset-token-4f2a9c');
    } catch (e) {
      err = e;
    }
    log.error('failed', { err });
    expect(last().err).toMatchObject({ code: 'ENOENT', syscall: 'open', message: expect.stringContaining('ENOENT') });
    expect(lines[0]).not.toContain('reset-token-4f2a9c');
  });

  test("Loupe's own AppError: class, code and status; its message (which may quote input) is not written", () => {
    const { log, lines, last } = capture();
    log.warn('refused', {
      err: new Conflict(`A technician with the email ${EMAIL} already exists.`, 'duplicate_email'),
    });
    expect(last().err).toMatchObject({ class: 'Conflict', code: 'duplicate_email', status: 409 });
    expect(lines[0]).not.toContain(EMAIL);
  });

  test('an engine error that quotes its input (JSON.parse), a multi-line message, and a cause cycle', () => {
    const { log, lines, last } = capture();
    let parseError: unknown;
    try {
      JSON.parse('{"pin": 482913, oops');
    } catch (e) {
      parseError = e;
    }
    const multiLine = new Error(`first\n    at fake (${HASH})\n    at 482913`);
    const a = new Error('a 482913', { cause: new TypeError('b 482913') });
    (a.cause as Error).cause = a;
    log.error('x', { parseError, multiLine, a });
    expect(last().parseError).toMatchObject({ class: 'SyntaxError', message: 'SyntaxError' });
    expect(last().a).toMatchObject({ class: 'Error', causes: [{ class: 'TypeError' }] });
    expect(lines[0]).not.toContain('482913');
    expect(lines[0]).not.toContain('argon2');
  });

  test('an error class with a toJSON of its own is described all the same', () => {
    const { log, lines, last } = capture();
    class Chatty extends Error {
      toJSON() {
        return { message: this.message, params: [EMAIL], detail: EMAIL };
      }
    }
    log.error('x', { err: new Chatty(`about ${EMAIL}`) });
    expect(last().err).toMatchObject({ class: 'Chatty', message: 'Chatty' });
    expect(lines[0]).not.toContain(EMAIL);
  });

  test('a thrown non-Error and a PGlite-style error (minified class) still say what they were', () => {
    const { log, last } = capture();
    const pglite = Object.assign(new Error('violates check constraint'), {
      name: 'error',
      severity: 'ERROR',
      code: '23514',
      table: 'lens_sessions',
      constraint: 'lens_sessions_state_check',
      detail: 'Failing row contains (482913)',
    });
    log.error('x', { err: new Error('wrapped', { cause: pglite }), other: new Error('o', { cause: 'a string' }) });
    expect(last().err).toMatchObject({
      causes: [{ class: 'DatabaseError', code: '23514', table: 'lens_sessions' }],
    });
    expect(last().other).toMatchObject({ causes: [{ class: 'string' }] });
    expect(JSON.stringify(last())).not.toContain('482913');
  });
});

describe('fields', () => {
  test('a field whose name says secret is "[redacted]", at any depth', () => {
    const { log, last } = capture();
    log.info('x', {
      password: 'p1',
      passwordHash: HASH,
      newPassword: 'p2',
      pin: '482913',
      linkToken: 't1',
      setCookie: 'c1',
      cookie: 'c2',
      authorization: 'Bearer x',
      apiSecret: 's1',
      apisecret: 's2',
      roomAdminKey: 'k1',
      sdp: 'v=0',
      jsep: { type: 'offer', sdp: 'v=0' },
      text: 'Your PIN is 482913',
      params: ['a', 'b'],
      nested: [{ token: 't2', ok: 'visible' }],
      sessionId: 'visible',
      status: 200,
      missing: undefined,
    });
    const line = last();
    expect(line).toMatchObject({ sessionId: 'visible', status: 200, nested: [{ token: '[redacted]', ok: 'visible' }] });
    for (const key of ['password', 'passwordHash', 'newPassword', 'pin', 'linkToken', 'setCookie', 'cookie'])
      expect(line[key]).toBe('[redacted]');
    for (const key of ['authorization', 'apiSecret', 'apisecret', 'roomAdminKey', 'sdp', 'jsep', 'text', 'params'])
      expect(line[key]).toBe('[redacted]');
    expect('missing' in line).toBe(false);
  });

  test('strings lose URL credentials, queries, fragments and token-like path segments', () => {
    expect(scrub('smpp://loupe:s3cr3t@smsc.example:2775')).toBe('smpp://[redacted]@smsc.example:2775');
    expect(scrub('postgres://u:p@ss@db:5432/loupe')).toBe('postgres://[redacted]@db:5432/loupe');
    expect(scrub('open http://localhost:8080/setup?token=abc#x now')).toBe(
      'open http://localhost:8080/setup?[redacted]#[redacted] now',
    );
    expect(scrub('https://loupe.example/l/AbCdEfGhIjKlMnOpQrStUv')).toBe('https://loupe.example/l/[redacted]');
    const id = '2d94320e-e21f-4590-9453-31d881d6dfc1';
    expect(scrub(`ws://127.0.0.1:8188/api/sessions/${id}`)).toBe(`ws://127.0.0.1:8188/api/sessions/${id}`);
  });

  test('strings lose argon2 hashes, ICE passwords and secret-named JSON fields quoted in them', () => {
    expect(scrub(`hash ${HASH}, next`)).toBe('hash [redacted], next');
    expect(scrub('v=0\r\na=ice-ufrag:F7gI\r\na=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n')).toBe(
      'v=0\r\na=ice-ufrag:[redacted]\r\na=ice-pwd:[redacted]\r\n',
    );
    expect(scrub('answered {"janus":"error","apisecret":"janusrocks","token":42,"reason":"bad"}')).toBe(
      'answered {"janus":"error","apisecret":"[redacted]","token":"[redacted]","reason":"bad"}',
    );
  });

  test('the message itself is scrubbed too (Janus lines are logged as messages)', () => {
    const { log, last } = capture();
    log.debug('janus: a=ice-pwd:x9cml/YzichV2 from smpp://id:pw@host:1', { lastLines: [`hash ${HASH}`] });
    expect(last()).toMatchObject({
      msg: 'janus: a=ice-pwd:[redacted] from smpp://[redacted]@host:1',
      lastLines: ['hash [redacted]'],
    });
  });

  test('fields that cannot be serialised give a line, not a throw', () => {
    const { log, last } = capture();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.warn('with a cycle', { cycle, big: 10n });
    expect(last()).toMatchObject({ level: 'warn', msg: 'with a cycle', fields: 'not serialisable' });
    log.warn('big', { big: 10n });
    expect(last()).toMatchObject({ big: '10' });
  });
});

describe('request paths', () => {
  test('keep their words and UUIDs; anything else (a setup token) is :value', () => {
    const id = '2d94320e-e21f-4590-9453-31d881d6dfc1';
    expect(loggablePath('/api/setup/KUW0mv7mFSjIF9j8MIRqdQl2YyMjtvhAF0bDBJ4cf5U')).toBe('/api/setup/:value');
    expect(loggablePath(`/api/sessions/${id}/start`)).toBe(`/api/sessions/${id}/start`);
    expect(loggablePath('/api/lens/redeem')).toBe('/api/lens/redeem');
    expect(loggablePath('/api/auth/me')).toBe('/api/auth/me');
    expect(loggablePath('/api/x/482913')).toBe('/api/x/:value');
    expect(loggablePath('/api/setup/nonsense-token-value-xyz')).toBe('/api/setup/:value');
    expect(loggablePath('/api/technicians/capabilities')).toBe('/api/technicians/capabilities');
  });
});

describe('the setup link, the one exception', () => {
  test('is written whole, in its own line, at warn', () => {
    const { log, last } = capture('warn');
    const url = 'http://localhost:8080/setup?token=KUW0mv7mFSjIF9j8MIRqdQl2YyMjtvhAF0bDBJ4cf5U';
    log.setupLink(url);
    expect(last()).toMatchObject({ level: 'warn', msg: SETUP_LINK_MESSAGE, setupUrl: url });
    log.warn('elsewhere', { setupUrl: url });
    expect(last().setupUrl).toBe('http://localhost:8080/setup?[redacted]');
  });

  test('is written only by src/main.ts', () => {
    const callers: string[] = [];
    for (const file of new Bun.Glob('**/*.ts').scanSync({ cwd: import.meta.dir }))
      if (!file.endsWith('.test.ts') && /\.setupLink\(/.test(readFileSync(join(import.meta.dir, file), 'utf8')))
        callers.push(file);
    expect(callers).toEqual(['main.ts']);
  });
});

describe('a Fault', () => {
  test('keeps the message Loupe built, scrubbed, where any other error keeps only its class', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.error('janus down', { err: new Fault('no answer from ws://u:p@127.0.0.1:8188/?apisecret=x within 5000 ms') });
    log.error('other', { err: new Error('no answer within 5000 ms') });
    const [fault, other] = lines.map((l) => JSON.parse(l));
    expect(fault.err.message).toBe('Fault: no answer from ws://[redacted]@127.0.0.1:8188/?[redacted] within 5000 ms');
    expect(other.err.message).toBe('Error');
  });
});
