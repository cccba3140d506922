// The metrics listener with the real app on the test database: requests,
// sockets, sessions and outboxes change what a scrape of /metrics says, the
// route label is the contract's route key (no id or token of a path reaches
// it), the listener answers only /metrics, and it is off unless configured.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { websocket } from '../realtime/bun-socket.ts';
import { SocketRegistry } from '../realtime/registry.ts';
import { openTestSocket } from '../realtime/test-socket.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { callerFor, type Caller, DATABASE_HOOK, harness, type Harness, ORIGIN } from '../testing/harness.ts';
import { Metrics } from './metrics.ts';
import { type MetricsServer, startMetricsServer } from './server.ts';
import { scrape } from './testing.ts';

let h: Harness;
let metrics: Metrics;
let listener: MetricsServer;
let call: Caller;
let tess: TestTechnician;
let sockets: SocketRegistry;
let main: ReturnType<typeof Bun.serve>;
const open: WebSocket[] = [];

beforeEach(async () => {
  h = await harness();
  metrics = new Metrics();
  sockets = new SocketRegistry();
  const app = createApp({ ...h, database: h.database, sockets, metrics });
  metrics.collectFrom({ db: h.db, sockets });
  call = callerFor(app);
  main = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => app.fetch(req, srv), websocket });
  listener = startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
  tess = await technician(h, { settings: { maxLiveLensSessions: 5 } });
}, DATABASE_HOOK);

afterEach(async () => {
  for (const ws of open.splice(0)) ws.close();
  await listener.stop();
  await main.stop(true);
});

const requests = (route: string, method: string, status: string) => ({ route, method, status });

describe('GET /metrics', () => {
  test('counts each answer by route key, method and status, and times it by route', async () => {
    const before = await scrape(listener.url);
    expect((await call('GET', '/api/auth/me', { cookie: tess.cookie })).status).toBe(200);
    expect((await call('GET', '/api/auth/me')).status).toBe(401);
    expect((await call('GET', '/api/auth/me')).status).toBe(401);
    expect((await call('GET', '/api/no-such-route')).status).toBe(404);
    const after = await scrape(listener.url);

    const count = (s: typeof after, labels: Record<string, string>) =>
      s.value('loupe_http_requests_total', labels) ?? 0;
    expect(
      count(after, requests('GET /api/auth/me', 'GET', '200')) -
        count(before, requests('GET /api/auth/me', 'GET', '200')),
    ).toBe(1);
    expect(
      count(after, requests('GET /api/auth/me', 'GET', '401')) -
        count(before, requests('GET /api/auth/me', 'GET', '401')),
    ).toBe(2);
    expect(count(after, requests('other', 'GET', '404'))).toBe(1);
    expect(after.value('loupe_http_request_duration_seconds_count', { route: 'GET /api/auth/me', method: 'GET' })).toBe(
      3,
    );
    expect(after.value('loupe_http_request_duration_seconds_bucket', { route: 'GET /api/auth/me', le: '+Inf' })).toBe(
      3,
    );
    expect(after.types.get('loupe_http_request_duration_seconds')).toBe('histogram');
    expect(after.types.get('loupe_http_requests_total')).toBe('counter');
    // The scrape itself is on another listener: the app never saw it.
    expect(after.samples.some((s) => s.labels.route?.includes('metrics'))).toBe(false);
  });

  test('the route label is the route key: ids, tokens and PINs of paths never reach the scrape', async () => {
    const setupToken = 'Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW4xMjM0NTY3ODk';
    const s = (await (
      await call('POST', '/api/sessions', {
        cookie: tess.cookie,
        body: { type: 'lens', name: 'Boiler', method: 'link' },
      })
    ).json()) as SessionView;
    await call('GET', `/api/setup/${setupToken}`);
    await call('GET', `/api/sessions/${s.id}`, { cookie: tess.cookie });
    await call('GET', `/api/sessions/${crypto.randomUUID()}`, { cookie: tess.cookie });
    const redeemed = await call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
    expect(redeemed.status).toBe(200);
    const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;

    const { text, value } = await scrape(listener.url);
    expect(value('loupe_http_requests_total', requests('GET /api/sessions/:id', 'GET', '200'))).toBe(1);
    expect(value('loupe_http_requests_total', requests('GET /api/sessions/:id', 'GET', '404'))).toBe(1);
    expect(value('loupe_http_requests_total', { route: 'GET /api/setup/:token', method: 'GET' })).toBe(1);
    expect(value('loupe_http_requests_total', requests('POST /api/lens/redeem', 'POST', '200'))).toBe(1);
    const secrets = [setupToken, s.id, s.pin!, s.link!, tess.cookie.split('=')[1]!, customer.split('=')[1]!];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\/api\/sessions\/[0-9a-f]/);
  });

  test('sessions by state, outbox depth by status and open sockets by kind, read at scrape time', async () => {
    const create = (method: 'link' | 'sms') =>
      call('POST', '/api/sessions', {
        cookie: tess.cookie,
        body: { type: 'lens', name: 'Router', method, ...(method === 'sms' && { phone: '+31612345678' }) },
      }).then((r) => r.json() as Promise<SessionView>);
    const a = await create('link');
    await create('sms'); // its SMS waits in the outbox: no worker runs here
    const b = await create('link');
    expect((await call('POST', `/api/sessions/${b.id}/end`, { cookie: tess.cookie })).status).toBe(200);
    await call('POST', '/api/lens/redeem', { body: { pin: a.pin } });
    // The other outboxes' rows, as their workers' verbs would write them.
    await h.db.execute(sql`insert into email_messages (session_id, "to", subject, text, html, status)
      values (${a.id}, 'customer@example.test', 'Invitation', 'text', '<p>html</p>', 'failed')`);
    await h.db.execute(sql`with w as (
        insert into webhooks (url, events, secret, created_by) values ('https://hooks.example.test/in', '{session.created}', 'whsec_c2VjcmV0c2VjcmV0', ${tess.id}) returning id)
      insert into webhook_deliveries (webhook_id, message_id, event, payload) select id, 'msg_1', 'session.created', '{}'::jsonb from w`);
    const sock = openTestSocket(`ws://127.0.0.1:${main.port}/ws/console`, {
      origin: `http://127.0.0.1:${main.port}`,
      cookie: tess.cookie,
    });
    open.push(sock.ws);
    await sock.next(); // the snapshot: the socket is registered

    const m = await scrape(listener.url);
    expect(m.value('loupe_sessions', { state: 'invited' })).toBe(1);
    expect(m.value('loupe_sessions', { state: 'connecting' })).toBe(1);
    expect(m.value('loupe_sessions', { state: 'closed' })).toBe(1);
    expect(m.value('loupe_sessions', { state: 'active' })).toBe(0); // every state is a series, 0 when none
    expect(m.value('loupe_outbox_messages', { outbox: 'sms', status: 'queued' })).toBe(1);
    expect(m.value('loupe_outbox_messages', { outbox: 'sms', status: 'sent' })).toBe(0);
    expect(m.value('loupe_outbox_messages', { outbox: 'email', status: 'failed' })).toBe(1);
    expect(m.value('loupe_outbox_messages', { outbox: 'webhook', status: 'queued' })).toBe(1);
    expect(m.value('loupe_sockets_open', { kind: 'console' })).toBe(1);
    expect(m.value('loupe_sockets_open', { kind: 'lens' })).toBe(0);
    expect(m.value('loupe_db_up')).toBe(1);
    expect(m.text).not.toContain('+31612345678');
    expect(m.text).not.toContain('whsec_');

    sock.ws.close();
    await sock.closed;
    const deadline = Date.now() + 5_000;
    while (sockets.count('console') > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect((await scrape(listener.url)).value('loupe_sockets_open', { kind: 'console' })).toBe(0);
  });

  // The results counters' counting goes through the real outboxes and worker: outbox-metrics.test.ts.
  test('process metrics work under Bun, and the results counters start at 0', async () => {
    const m = await scrape(listener.url);
    expect(m.value('loupe_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('loupe_process_cpu_seconds_total')).toBeGreaterThan(0);
    for (const result of ['sent', 'retried', 'failed']) {
      expect(m.value('loupe_sms_results_total', { result })).toBe(0);
      expect(m.value('loupe_email_results_total', { result })).toBe(0);
    }
    for (const outcome of ['delivered', 'retried', 'failed'])
      expect(m.value('loupe_webhook_attempts_total', { outcome })).toBe(0);
    expect(m.value('loupe_webhook_attempt_seconds_count')).toBe(0);
  });
});

describe('the listener', () => {
  test('answers only GET /metrics: other paths 404, other methods 405, and the app is not there', async () => {
    const base = listener.url.replace(/\/metrics$/, '');
    for (const path of ['/', '/metrics/', '/api/auth/me', '/healthz', '/metrics.json'])
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    const post = await fetch(listener.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(listener.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const res = await fetch(listener.url);
    expect(res.headers.get('content-type')).toStartWith('text/plain; version=0.0.4');
    // Nor is /metrics on the main port.
    expect((await fetch(`http://127.0.0.1:${main.port}/metrics`)).status).not.toBe(200);
  });

  test('a second app has a registry of its own', async () => {
    await call('GET', '/api/auth/me');
    const other = new Metrics();
    const text = await other.scrape();
    expect(text).toContain('loupe_http_requests_total');
    expect(text).not.toContain('GET /api/auth/me');
  });

  test('is off by default: no LOUPE_METRICS_PORT, no metrics', () => {
    const config = loadConfig({ LOUPE_PUBLIC_URL: ORIGIN });
    expect(config.metrics).toBeUndefined();
    expect(loadConfig({ LOUPE_PUBLIC_URL: ORIGIN, LOUPE_METRICS_PORT: '9464' }).metrics).toEqual({
      port: 9464,
      host: '127.0.0.1',
    });
  });
});
