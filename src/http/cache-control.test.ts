// No answer that may carry a PIN, a link, a token or a person's data is kept
// by a cache: every route of the contract (src/contract/routes.ts), signed in
// and signed out, success and error, answers `Cache-Control: no-store`; so do
// the web app's pages (the Lens's /l/<token> holds the link's token in its
// URL, /setup the setup token). Only the build's content-hashed assets are
// cached, and the service worker's script is revalidated.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Hono } from 'hono';
import { createApp } from '../app.ts';
import { ensureFirstAdministrator } from '../auth/setup.ts';
import { ROUTES, routeKey } from '../contract/routes.ts';
import { rateLimits, smsMessages } from '../db/schema.ts';
import { startFakeMedia } from '../media/testing.ts';
import { SMS_RIGHTS } from '../sessions/testing.ts';
import { harness, keepsContract, ORIGIN, type Harness } from '../testing/harness.ts';
import { storeReadyRecording } from '../records/recording-testing.ts';
import { png } from '../tools/test-images.ts';
import { loadWebBuild } from '../web/static.ts';

type Seen = { status: number; cacheControl: string | null };
const seen = new Map<string, Seen[]>();
let h: Harness;
let app: Hono;
let media: Awaited<ReturnType<typeof startFakeMedia>>;

/** Calls the app as a browser would and notes the answer's Cache-Control under its route. */
async function call(
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; bytes?: Uint8Array<ArrayBuffer>; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const body = opts.bytes ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await keepsContract(method, path, await app.request(`${ORIGIN}${path}`, { method, headers, body }));
  const key = routeKey(method, new URL(path, ORIGIN).pathname) ?? `${method} (unknown route)`;
  seen.set(key, [...(seen.get(key) ?? []), { status: res.status, cacheControl: res.headers.get('cache-control') }]);
  return res;
}
async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`);
  return (status === 204 ? undefined : await r.json()) as T;
}
const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))!
    .split(';')[0]!;

/** Setup, sign-in and administration, each route once with success. */
async function administration(): Promise<{ admin: string; groupId: string }> {
  const link = await ensureFirstAdministrator(h);
  if (link.outcome !== 'setup_link') throw new Error(`expected a setup link, got ${link.outcome}`);
  const token = new URL(link.url).searchParams.get('token')!;
  await ok(call('GET', `/api/setup/${token}`));
  const admin = { email: 'admin@example.test', name: 'Ada Admin', password: 'admin password 123' };
  await ok(call('POST', '/api/setup', { body: { ...admin, token } }), 201);
  const login = await call('POST', '/api/auth/login', { body: { email: admin.email, password: admin.password } });
  const cookie = cookieOf(login, 'loupe_session');
  await ok(call('GET', '/api/auth/me', { cookie }));
  await ok(call('GET', '/api/groups', { cookie }));
  const group = await ok<{ id: string }>(
    call('POST', '/api/groups', {
      cookie,
      body: { name: 'Field', rights: [...SMS_RIGHTS, 'use_link_method'], settings: { maxLiveLensSessions: 5 } },
    }),
    201,
  );
  await ok(call('PATCH', `/api/groups/${group.id}`, { cookie, body: { name: 'Field service' } }));
  const empty = await ok<{ id: string }>(
    call('POST', '/api/groups', { cookie, body: { name: 'Empty', rights: [] } }),
    201,
  );
  await ok(call('DELETE', `/api/groups/${empty.id}`, { cookie }), 204);
  await ok(call('GET', '/api/settings/eula', { cookie }));
  await ok(call('PUT', '/api/settings/eula', { cookie, body: { en: 'Be nice.' } }));
  await ok(call('GET', '/api/audit?limit=5', { cookie }));
  const csv = await call('GET', '/api/audit/export', { cookie });
  if (csv.status !== 200) throw new Error(`expected the audit CSV, got ${csv.status}`);
  await ok(call('POST', '/api/erasures', { cookie, body: { phone: '+31 6 11223344' } }), 201);
  // The token's answer holds the token itself: the answer a cache must least keep.
  const made = await ok<{ tokenInfo: { id: string } }>(
    call('POST', '/api/tokens', { cookie, body: { name: 'Ticket system', scopes: ['sessions:read'] } }),
    201,
  );
  await ok(call('GET', '/api/tokens', { cookie }));
  await ok(call('DELETE', `/api/tokens/${made.tokenInfo.id}`, { cookie }), 204);
  return { admin: cookie, groupId: group.id };
}

/** A technician's sessions and the customer's Lens, each route once with success. */
async function sessions(admin: string, groupId: string) {
  const tech = { email: 'tess@example.test', name: 'Tess', password: 'tech password 123', groupId };
  const t = await ok<{ id: string }>(call('POST', '/api/technicians', { cookie: admin, body: tech }), 201);
  await ok(call('GET', '/api/technicians', { cookie: admin }));
  await ok(call('PATCH', `/api/technicians/${t.id}`, { cookie: admin, body: { name: 'Tess T.' } }));
  await ok(
    call('POST', `/api/technicians/${t.id}/password`, { cookie: admin, body: { password: tech.password } }),
    204,
  );
  const cookie = cookieOf(
    await call('POST', '/api/auth/login', { body: { email: tech.email, password: tech.password } }),
    'loupe_session',
  );
  const body = { type: 'lens', name: 'Boiler', method: 'sms', phone: '06 12345678' };
  const s = await ok<{ id: string; pin: string }>(call('POST', '/api/sessions', { cookie, body }), 201);
  await ok(call('GET', '/api/sessions', { cookie }));
  await ok(call('GET', `/api/sessions/${s.id}`, { cookie }));
  await h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, s.id));
  h.clock.advance(61_000);
  await ok(call('POST', `/api/sessions/${s.id}/resend`, { cookie }));

  await ok(call('GET', '/api/lens/capabilities'));
  const customer = cookieOf(await call('POST', '/api/lens/redeem', { body: { pin: s.pin } }), 'loupe_lens');
  await ok(call('GET', '/api/lens/session', { cookie: customer }));
  await ok(call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true } }));
  await ok(call('POST', `/api/sessions/${s.id}/start`, { cookie }));
  await snapshots(s.id, cookie, customer);
  for (const step of ['hold', 'resume']) await ok(call('POST', `/api/sessions/${s.id}/${step}`, { cookie }));
  await ok(call('GET', `/api/sessions/${s.id}/messages`, { cookie }));
  await ok(call('GET', '/api/lens/messages', { cookie: customer }));
  await ok(call('POST', `/api/sessions/${s.id}/end`, { cookie }));
  await evidence(s.id, cookie);
  await ok(call('GET', '/api/history?q=boiler', { cookie }));
  await recording(s.id, cookie);
  await ok(call('PUT', `/api/sessions/${s.id}/notes`, { cookie, body: { text: 'Checked the boiler.' } }));
  await ok(call('GET', `/api/sessions/${s.id}/report`, { cookie }));

  const byLink = await ok<{ pin: string }>(
    call('POST', '/api/sessions', { cookie, body: { type: 'lens', name: 'Meter', method: 'link' } }),
    201,
  );
  const other = cookieOf(await call('POST', '/api/lens/redeem', { body: { pin: byLink.pin } }), 'loupe_lens');
  await ok(call('POST', '/api/lens/end', { cookie: other }));
  await ok(call('POST', '/api/auth/logout', { cookie }), 204);
  await ok(call('GET', '/healthz'));
}

/** A photo asked for, uploaded by the phone, listed, opened and annotated. */
async function snapshots(sessionId: string, cookie: string, customer: string) {
  const { snapshot } = await ok<{ snapshot: { id: string } }>(
    call('POST', `/api/sessions/${sessionId}/snapshots`, { cookie }),
    202,
  );
  const bytes = png(8, 6) as Uint8Array<ArrayBuffer>;
  await ok(call('POST', `/api/lens/snapshots/${snapshot.id}`, { cookie: customer, bytes }), 201);
  await ok(call('GET', `/api/sessions/${sessionId}/snapshots`, { cookie }));
  const image = await call('GET', `/api/snapshots/${snapshot.id}`, { cookie });
  if (image.status !== 200) throw new Error(`expected the image, got ${image.status}`);
  await ok(call('POST', `/api/snapshots/${snapshot.id}/annotated`, { cookie, bytes }), 201);
}

/** The evidence bundle of the ended session, and the key that signs it (public). */
async function evidence(sessionId: string, cookie: string) {
  await ok(call('GET', '/api/evidence-key'));
  const bundle = await call('GET', `/api/sessions/${sessionId}/export`, { cookie });
  if (bundle.status !== 200) throw new Error(`expected the bundle, got ${bundle.status}`);
}

/** The recording's state, and its WebM whole and in part. */
async function recording(sessionId: string, cookie: string) {
  await ok(call('GET', `/api/sessions/${sessionId}/recording`, { cookie }));
  const { id } = await storeReadyRecording(h, sessionId);
  for (const headers of [{}, { range: 'bytes=0-99' }] as Record<string, string>[]) {
    const res = await call('GET', `/api/recordings/${id}`, { cookie, headers });
    if (res.status !== 200 && res.status !== 206) throw new Error(`expected the recording, got ${res.status}`);
  }
}

const LOGOUT = 'POST /api/auth/logout';

/** Every route once signed out, once signed in with a body or id it refuses, and once from another site. */
async function refusals(admin: string) {
  await call('GET', '/api/no-such-route');
  await call('POST', '/api/no-such-route', { cookie: admin });
  await call('POST', '/api/groups', { cookie: admin, body: { name: 'Field service', rights: [] } }); // 409 duplicate_name
  // Refusals made by middleware and limits rather than by a route: 413, 415, 429.
  await call('PUT', '/api/settings/eula', { cookie: admin, body: { en: 'x'.repeat(70_000) } });
  await call('PUT', '/api/settings/eula', { cookie: admin, headers: { 'content-type': 'text/plain' } });
  await h.db
    .insert(rateLimits)
    .values({ key: 'login:address:unknown', windowStart: h.clock.now(), count: 1_000 })
    .onConflictDoUpdate({ target: rateLimits.key, set: { windowStart: h.clock.now(), count: 1_000 } });
  await call('POST', '/api/auth/login', { body: { email: 'a@example.test', password: 'whatever it is' } });

  const id = '00000000-0000-4000-8000-000000000000';
  // Sign-out last: it ends the administrator's sign-in the others are refused with.
  const keys = Object.keys(ROUTES).sort((a, b) => Number(a === LOGOUT) - Number(b === LOGOUT));
  for (const key of keys) {
    const [method, pattern] = key.split(' ') as [string, string];
    const path = pattern.replace(':id', id).replace(':token', 'no-such-token');
    const body = method === 'GET' || method === 'DELETE' ? undefined : { unknown: true };
    await call(method, path, { body });
    if (method !== 'GET')
      await call(method, path, { cookie: admin, body, headers: { origin: 'https://evil.example' } });
    await call(method, path.replace(id, 'not-a-uuid'), { cookie: admin, body });
  }
}

beforeAll(async () => {
  h = await harness();
  media = await startFakeMedia();
  app = createApp({ ...h, database: h.database, media: media.media });
  const { admin, groupId } = await administration();
  await sessions(admin, groupId);
  await refusals(admin);
}, 60_000);
afterAll(() => media?.stop());

/** Routes that refuse nothing a test can send: /healthz only when something is down, the Lens's capabilities never. */
// The evidence key is public and takes nothing to refuse.
const NEVER_REFUSED = new Set(['GET /healthz', 'GET /api/lens/capabilities', 'GET /api/evidence-key']);

describe('Cache-Control on the API', () => {
  test('every answer of every route, success and refusal, signed in and out, is no-store', () => {
    const cached = [...seen].flatMap(([key, answers]) =>
      answers.filter((a) => a.cacheControl !== 'no-store').map((a) => `${key} ${a.status}: ${a.cacheControl}`),
    );
    expect(cached).toEqual([]);
  });

  test('the scenario reached every route in the contract with a success and a refusal', () => {
    const missing: string[] = [];
    for (const [key, answers] of Object.entries(ROUTES)) {
      const statuses = (seen.get(key) ?? []).map((a) => a.status);
      // A socket succeeds only by upgrading (101, no headers to set).
      if (answers.length > 0 && !statuses.some((s) => answers.some((a) => a.status === s)))
        missing.push(`${key}: no success`);
      if (!NEVER_REFUSED.has(key) && !statuses.some((s) => s >= 400)) missing.push(`${key}: no refusal`);
    }
    expect(missing).toEqual([]);
    const statuses = new Set([...seen.values()].flat().map((a) => a.status));
    for (const status of [200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 429]) expect(statuses).toContain(status);
    expect(seen.get('GET (unknown route)')?.length).toBeGreaterThan(0);
    expect(seen.get('POST (unknown route)')?.length).toBeGreaterThan(0);
  });
});

describe('Cache-Control on the web app', () => {
  let root: string;
  let web: Hono;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'loupe-cache-'));
    mkdirSync(join(root, '_app/immutable'), { recursive: true });
    writeFileSync(join(root, '200.html'), '<!doctype html><div>app</div>');
    writeFileSync(join(root, 'lens-offline.html'), '<!doctype html><div>offline</div>');
    writeFileSync(join(root, '_app/immutable/start.js'), 'console.log(1)');
    writeFileSync(join(root, '_app/version.json'), '{"version":"1"}');
    writeFileSync(join(root, 'service-worker.js'), 'self.addEventListener("fetch", () => {})');
    writeFileSync(join(root, 'manifest.webmanifest'), '{}');
    web = createApp({ ...h, database: h.database, web: loadWebBuild(root) });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cacheOf = async (a: Hono, path: string) => (await a.request(`${ORIGIN}${path}`)).headers.get('cache-control');

  test('pages, the Lens with its link token above all, are no-store', async () => {
    for (const path of [
      '/l',
      '/l/Abcdefghijklmnopqrstuv',
      '/l?pin=1',
      '/setup?token=abc',
      '/console',
      '/',
      '/lens-offline.html',
    ])
      expect(`${path}: ${await cacheOf(web, path)}`).toBe(`${path}: no-store`);
  });

  test("hashed assets keep their year; the service worker's script and other files are revalidated", async () => {
    expect(await cacheOf(web, '/_app/immutable/start.js')).toBe('public, max-age=31536000, immutable');
    for (const path of ['/service-worker.js', '/manifest.webmanifest', '/_app/version.json'])
      expect(`${path}: ${await cacheOf(web, path)}`).toBe(`${path}: no-cache`);
  });

  test('without a build, and for missing files, the answer is not cached either', async () => {
    expect(await cacheOf(app, '/l/Abcdefghijklmnopqrstuv')).toBe('no-store'); // 503: not built
    expect(await cacheOf(web, '/_app/immutable/gone.js')).toBe('no-store'); // 404
  });
});
