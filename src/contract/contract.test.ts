// The contract against what really serves and uses it: every route the app
// serves is in the table (and the table names no route that is gone), the
// check that route tests run on every answer can fail, and the web app
// declares none of the API's types itself.
import { newNodeId } from '../cluster/nodes.ts';
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { Events } from '../sessions/events.ts';
import { contractViolation, ROUTES, routeKey } from './routes.ts';
import { consoleEvent, lensEvent } from './socket.ts';

const served = () => {
  const app = createApp({
    db: {} as never,
    database: { ping: async () => {}, kind: 'pglite' },
    clock: { now: () => new Date() },
    log: silentLogger,
    config: loadConfig({}),
    events: new Events(),
    nodeId: newNodeId(),
  });
  const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  // A wildcard is the web app's files, not the API.
  return new Set(
    app.routes.filter((r) => methods.has(r.method) && !r.path.includes('*')).map((r) => `${r.method} ${r.path}`),
  );
};

const session = {
  id: '0b6f3f0e-6a39-4c8e-9a53-4a0f5b7d3c11',
  type: 'lens',
  name: 'Router',
  state: 'invited',
  method: 'link',
  phone: null,
  email: null,
  language: 'en',
  pin: '123456',
  pinExpiresAt: '2026-12-01T10:00:00.000Z',
  link: 'https://loupe.example.org/l/abcdefghijklmnop',
  createdAt: '2026-12-01T09:40:00.000Z',
  openedAt: null,
  eulaAcceptedAt: null,
  startedAt: null,
  endedAt: null,
  endReason: null,
  reference: null,
  recorded: false,
  sms: null,
  emailStatus: null,
  customer: { connected: false, leftAt: null, offlineAt: null, timesOutAt: null },
};

describe('the route table', () => {
  test('names every route the app serves, and only those', () => {
    const app = served();
    expect([...app].filter((r) => !(r in ROUTES)).sort()).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !app.has(r))).toEqual([]);
  });

  test('finds the route of a request with its parameters', () => {
    expect(routeKey('GET', `/api/sessions/${session.id}`)).toBe('GET /api/sessions/:id');
    expect(routeKey('POST', `/api/sessions/${session.id}/start`)).toBe('POST /api/sessions/:id/start');
    expect(routeKey('GET', '/api/sessions')).toBe('GET /api/sessions');
    expect(routeKey('DELETE', '/api/sessions')).toBeUndefined();
    expect(routeKey('GET', '/console')).toBeUndefined();
  });
});

describe('the answer check', () => {
  test('passes an answer as the contract says', () => {
    expect(contractViolation('GET /api/sessions/:id', 200, session)).toBeNull();
    expect(contractViolation('POST /api/auth/logout', 204, undefined)).toBeNull();
    expect(
      contractViolation('GET /api/sessions/:id', 404, { error: { code: 'not_found', message: 'No.' } }),
    ).toBeNull();
  });

  test('fails a field the contract does not name: a leaked secret cannot pass', () => {
    expect(contractViolation('GET /api/sessions/:id', 200, { ...session, linkToken: 'x' })).toContain('linkToken');
  });

  test('fails a missing field, a wrong type, an unknown state, an unlisted status and a bare error', () => {
    const { sms: _, ...noSms } = session;
    expect(contractViolation('GET /api/sessions/:id', 200, noSms)).toContain('sms');
    expect(contractViolation('GET /api/sessions/:id', 200, { ...session, pin: 123456 })).toContain('pin');
    expect(contractViolation('GET /api/sessions/:id', 200, { ...session, state: 'ringing' })).toContain('state');
    expect(contractViolation('GET /api/sessions/:id', 201, session)).toContain('201');
    expect(contractViolation('GET /api/sessions/:id', 500, 'Internal Server Error')).not.toBeNull();
    expect(contractViolation('POST /api/auth/logout', 204, { ok: true })).toContain('body');
    expect(contractViolation('GET /api/nothing', 200, {})).toContain('not in the contract');
  });
});

describe('an image answer', () => {
  const key = 'GET /api/snapshots/:id';
  test('passes the bytes of a JPEG, PNG or WebP under its own content type', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/webp'])
      expect(contractViolation(key, 200, '\u0089PNG…', type)).toBeNull();
  });

  test('fails another content type (HTML, SVG, JSON, none), an empty body, and an error that is not the error body', () => {
    for (const type of ['text/html', 'image/svg+xml', 'application/json', null])
      expect(contractViolation(key, 200, '<svg onload=alert(1)>', type)).toContain('image');
    expect(contractViolation(key, 200, undefined, 'image/png')).toContain('no image');
    expect(
      contractViolation(key, 404, { error: { code: 'not_found', message: 'No.' } }, 'application/json'),
    ).toBeNull();
    expect(contractViolation(key, 404, 'Not Found', 'text/plain')).not.toBeNull();
  });
});

describe('socket events', () => {
  test('the console and the Lens events accept what the server sends, and nothing else', () => {
    expect(consoleEvent.safeParse({ type: 'snapshot', sessions: [session] }).success).toBe(true);
    expect(consoleEvent.safeParse({ type: 'session', session: { ...session, extra: 1 } }).success).toBe(false);
    expect(lensEvent.safeParse({ type: 'media.restart', sessionId: session.id }).success).toBe(true);
    expect(lensEvent.safeParse({ type: 'snapshot', sessions: [] }).success).toBe(false);
  });
});

describe('the web app', () => {
  // Every type the contract exports, by name: the web app imports them instead.
  const contractTypes = readdirSync(import.meta.dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .flatMap((f) => [...readFileSync(join(import.meta.dir, f), 'utf8').matchAll(/^export type (\w+)/gm)])
    .map((m) => m[1]!);

  const webFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'paraglide' ? [] : webFiles(path);
      return /\.(ts|svelte)$/.test(e.name) ? [path] : [];
    });

  test('declares none of the API types itself', () => {
    expect(contractTypes).toContain('SessionView');
    const root = join(import.meta.dir, '../../web/src');
    const declared = webFiles(root).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:type|interface)\s+(\w+)\s*=?\s*[{<=]/g)]
        .map((m) => m[1]!)
        .filter((name) => contractTypes.includes(name))
        .map((name) => `${file.slice(root.length + 1)}: ${name}`),
    );
    expect(declared).toEqual([]);
  });
});
