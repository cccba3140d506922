// What route tests share: the real app on a real (PGlite or PostgreSQL)
// database with a fake clock, and small helpers to call it like a browser.
import { newNodeId } from '../cluster/nodes.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import { createApp } from '../app.ts';
import { contractViolation, routeKey } from '../contract/routes.ts';
import { errorBodySchema } from '../contract/views.ts';
import { ensureFirstAdministrator } from '../auth/setup.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { freshTestDatabase, rows } from '../db/testing.ts';
import type { Clock, Deps } from '../deps.ts';
import { silentLogger, type Logger } from '../log.ts';
import { Events } from '../sessions/events.ts';

/** For the hook that prepares the database: the first one of a run creates PGlite (~5 s). */
export const DATABASE_HOOK = { timeout: 60_000 };

export const ORIGIN = 'http://localhost:8080';
export const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };

export type FakeClock = Clock & { advance(ms: number): void; set(d: Date): void };

export function fakeClock(start = new Date('2026-11-25T09:00:00Z')): FakeClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    set: (d) => {
      now = d.getTime();
    },
  };
}

export type Harness = Deps & { app: Hono; database: Database; clock: FakeClock; call: Caller };

/** `bytes`: a binary body (an image upload), sent under `headers['content-type']` or application/octet-stream. */
type CallOptions = {
  cookie?: string;
  body?: unknown;
  raw?: string;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
};
export type Caller = (method: string, path: string, opts?: CallOptions) => Promise<Response>;

/** `log`: a real logger, for a test that reads what the app logs (src/log-secrets.test.ts). */
export async function harness(env: Record<string, string> = {}, { log }: { log?: Logger } = {}): Promise<Harness> {
  const database = await freshTestDatabase();
  const config: Config = loadConfig({ LOUPE_PUBLIC_URL: ORIGIN, LOUPE_DATA_DIR: testDataDir(), ...env });
  const clock = fakeClock();
  const deps: Deps = {
    db: database.db,
    clock,
    log: log ?? silentLogger,
    config,
    events: new Events(),
    nodeId: newNodeId(),
  };
  const app = createApp({ ...deps, database });
  return { ...deps, clock, app, database, call: callerFor(app) };
}

let dataDir: string | undefined;
/**
 * One data directory per test process (snapshot files: content-addressed, so
 * harnesses can share it), under the system's temporary directory and removed
 * when the process exits: never the checkout's ./data.
 */
export function testDataDir(): string {
  if (!dataDir) {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-test-data-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  return dataDir;
}

/** Calls `app` like a browser; every answer is checked against the contract (keepsContract). */
export function callerFor(app: Hono): Caller {
  return (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: string | Uint8Array<ArrayBuffer> | undefined = opts.raw;
    if (opts.bytes) {
      body = opts.bytes as Uint8Array<ArrayBuffer>;
      headers['content-type'] ??= 'application/octet-stream';
    }
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(app.request(`${ORIGIN}${path}`, { method, headers, body })).then((res) =>
      keepsContract(method, path, res),
    );
  };
}

/**
 * Every answer a route test gets is checked against the contract's table
 * (src/contract/routes.ts): a route that answers a body the contract rejects
 * fails the test that called it, whatever that test asserts.
 */
export async function keepsContract(method: string, path: string, res: Response): Promise<Response> {
  const pathname = new URL(path, ORIGIN).pathname;
  const key = routeKey(method, pathname);
  if (!key && !pathname.startsWith('/api/')) return res;
  const text = await res.clone().text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  const problem = key
    ? contractViolation(key, res.status, body, res.headers.get('content-type'))
    : errorBodySchema.safeParse(body).success
      ? null
      : `${method} ${pathname} (no such route) answered ${res.status} without the error body`;
  if (problem) throw new Error(`Contract: ${problem}`);
  return res;
}

/** The `name=value` part of the session cookie a response set. */
export function sessionCookie(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='));
  if (!set) throw new Error(`no session cookie in response ${res.status}`);
  return set.split(';')[0]!;
}

export async function signIn(h: Harness, email: string, password: string): Promise<string> {
  const res = await h.call('POST', '/api/auth/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return sessionCookie(res);
}

/** Creates the first administrator as start-up does, and signs in. */
export async function signInAsAdmin(h: Harness): Promise<string> {
  await ensureFirstAdministrator({ ...h, config: { ...h.config, admin: ADMIN } });
  return signIn(h, ADMIN.email, ADMIN.password);
}

/** Row counts of every table, to prove a refused request wrote nothing. */
export async function tableCounts(h: Pick<Harness, 'db'>): Promise<Record<string, number>> {
  const result = await h.db.execute(sql`
    select 'groups' as t, count(*)::int as n from groups union all
    select 'technicians', count(*)::int from technicians union all
    select 'auth_sessions', count(*)::int from auth_sessions union all
    select 'setup_tokens', count(*)::int from setup_tokens union all
    select 'audit_log', count(*)::int from audit_log union all
    select 'lens_sessions', count(*)::int from lens_sessions union all
    select 'sms_messages', count(*)::int from sms_messages union all
    select 'settings', count(*)::int from settings union all
    select 'snapshots', count(*)::int from snapshots union all
    select 'api_tokens', count(*)::int from api_tokens union all
    select 'webhooks', count(*)::int from webhooks union all
    select 'webhook_deliveries', count(*)::int from webhook_deliveries union all
    select 'email_messages', count(*)::int from email_messages union all
    select 'oidc_logins', count(*)::int from oidc_logins`);
  return Object.fromEntries(rows<{ t: string; n: number }>(result).map((r) => [r.t, r.n]));
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; details?: unknown[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; details?: unknown[] } };
  return body.error;
}
