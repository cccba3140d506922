// Loupe's Prometheus metrics (docs/integrations.md, "Metrics"). One Metrics
// per app, on its own prom-client Registry (never the global default one), so
// tests can build several. Three ways in:
// - per request, the HTTP middleware (app.ts): a counter and a histogram,
//   labelled by the contract's route key (route-label.ts), never the path;
// - per query, the database hook (src/db/query-timing.ts, given to openDatabase);
// - per scrape, the rest: sockets, Janus and media are read from the objects
//   that know them; sessions and outboxes by one query (tables.ts).
// Nothing here queries the database per request.
import type { MiddlewareHandler } from 'hono';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { JanusStatus } from '../media/supervisor.ts';
import { SOCKET_KINDS, type SocketRegistry } from '../realtime/registry.ts';
import type { QueryObserver } from '../db/query-timing.ts';
import { OTHER_ROUTE, RouteLabels } from './route-label.ts';
import { readPoolConnections, readTableCounts } from './tables.ts';

/** What the scrape reads; each is optional (a test, or a part Loupe runs without). */
export type MetricSources = {
  db?: Db;
  /** Which database `db` is: PostgreSQL's pool is read from pg_stat_activity, PGlite has one connection. */
  dbKind?: 'pglite' | 'postgres';
  log?: Logger;
  sockets?: Pick<SocketRegistry, 'count'>;
  janus?: { status(): Pick<JanusStatus, 'state' | 'restarts'> };
  media?: { status(): { connected: boolean; sessions: number } };
};

/** What one SMS submit came to (src/sms/outbox.ts): accepted, put back for a retry, or given up. */
export type SmsResult = 'sent' | 'retried' | 'failed';
const SMS_RESULTS: readonly SmsResult[] = ['sent', 'retried', 'failed'];
/** What one e-mail send came to (src/email/outbox.ts): accepted, put back for a retry, or failed. */
export type EmailResult = 'sent' | 'retried' | 'failed';
/** What one webhook delivery attempt came to (src/webhooks/worker.ts): a 2xx, a retry later, given up. */
export type WebhookOutcome = 'delivered' | 'retried' | 'failed';
const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = ['delivered', 'retried', 'failed'];
/** Seconds; a receiver on the same network answers in ms, WEBHOOK_TIMEOUT_MS cuts an attempt off at 10 s. */
export const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Seconds; from a cached API answer (~1 ms) to a slow upload or report (10 s). */
export const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; an embedded PGlite lookup is ~0.05 ms, a PostgreSQL round trip ~0.5 ms. */
export const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A scrape never waits longer than this for the database; Prometheus's own timeout is 10 s. */
export const SCRAPE_QUERY_TIMEOUT_MS = 5_000;

/** A client may send any method name: only these become a label value, the rest `OTHER`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type RouteSeries = { count: Map<number, Counter.Internal>; duration: Histogram.Internal<string> };

export class Metrics implements QueryObserver {
  readonly registry = new Registry();
  private sources: MetricSources = {};
  private readonly routes = new RouteLabels();
  /** route key (or `other METHOD`) → its children, so a request hashes no label object. */
  private readonly series = new Map<string, RouteSeries>();
  private refreshing: Promise<void> | undefined;

  private readonly requests = new Counter({
    name: 'loupe_http_requests_total',
    help: 'HTTP requests answered, by route (the API contract route key, "other" outside it), method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'loupe_http_request_duration_seconds',
    help: 'Time from the request to its answer (headers), by route and method.',
    labelNames: ['route', 'method'],
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly queries = new Histogram({
    name: 'loupe_db_query_duration_seconds',
    help: 'Database query time as Loupe sees it, the wait for the connection (pool or PGlite lock) included.',
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  private readonly queryErrors = new Counter({
    name: 'loupe_db_query_errors_total',
    help: 'Database queries that failed (a constraint refusal included).',
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'loupe_db_queries_in_flight',
    help: 'Database queries sent and not yet answered; above loupe_db_pool_connections they wait for a connection.',
    registers: [this.registry],
  });
  private readonly pool = new Gauge({
    name: 'loupe_db_pool_connections',
    help: "Database connections by state: max (the pool may open; 1 for PGlite), open (this node has, from pg_stat_activity), in_use (busy or in a transaction, the scrape's own not counted).",
    labelNames: ['state'],
    registers: [this.registry],
  });
  private poolMax = 0;
  /** loupe_db_queries_in_flight's value, for PGlite's one connection in use. */
  private running = 0;
  private readonly dbUp = new Gauge({
    name: 'loupe_db_up',
    help: "1 when this scrape's count query answered, else 0 (the session and outbox gauges then keep the last counts).",
    registers: [this.registry],
  });
  private readonly collectSeconds = new Gauge({
    name: 'loupe_metrics_collect_duration_seconds',
    help: "Time this scrape's count query took.",
    registers: [this.registry],
  });
  private readonly sessions = new Gauge({
    name: 'loupe_sessions',
    help: 'Lens sessions by state.',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly outbox = new Gauge({
    name: 'loupe_outbox_messages',
    help: 'Outbox rows by outbox (sms, email, webhook) and status; "queued" is the depth still to send.',
    labelNames: ['outbox', 'status'],
    registers: [this.registry],
  });
  private readonly smsResults = new Counter({
    name: 'loupe_sms_results_total',
    help: 'SMS submits by result: sent (the SMSC accepted it), retried (put back in the queue), failed.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly emailResults = new Counter({
    name: 'loupe_email_results_total',
    help: 'E-mail sends by result: sent (the server accepted it), retried (put back in the queue), failed.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: 'loupe_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome: delivered (2xx), retried (queued again), failed (given up).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly webhookSeconds = new Histogram({
    name: 'loupe_webhook_attempt_seconds',
    help: "Time of one webhook delivery attempt, from the request to the receiver's answer (or the timeout).",
    buckets: WEBHOOK_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    const sources = () => this.sources;
    new Gauge({
      name: 'loupe_sockets_open',
      help: 'Open WebSockets by kind: console (technicians) and lens (customers).',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const sockets = sources().sockets;
        for (const kind of SOCKET_KINDS) this.set({ kind }, sockets?.count(kind) ?? 0);
      },
    });
    new Gauge({
      name: 'loupe_janus_up',
      help: 'Janus, the media gateway: 1 when running (bundled) or reachable (JANUS_URL) and connected, else 0.',
      registers: [this.registry],
      collect() {
        const { janus, media } = sources();
        const state = janus?.status().state;
        const running = state === 'running' || state === 'external';
        this.set(running && (media?.status().connected ?? true) ? 1 : 0);
      },
    });
    new Counter({
      name: 'loupe_janus_restarts_total',
      help: 'Times the supervisor restarted the bundled Janus since Loupe started.',
      registers: [this.registry],
      collect() {
        this.reset();
        const restarts = sources().janus?.status().restarts ?? 0;
        if (restarts) this.inc(restarts);
      },
    });
    new Gauge({
      name: 'loupe_media_sessions',
      help: 'Sessions with media state in this Loupe (a VideoRoom room, or one being made).',
      registers: [this.registry],
      collect() {
        this.set(sources().media?.status().sessions ?? 0);
      },
    });
    for (const result of SMS_RESULTS) {
      this.smsResults.inc({ result }, 0);
      this.emailResults.inc({ result }, 0);
    }
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'loupe_' });
  }

  /** The parts a scrape reads; main.ts sets them once they exist (the database hook comes first). */
  collectFrom(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** The app's first middleware (app.ts): counts and times every answer. */
  readonly middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    await next();
    this.observeRequest(c.req.method, c.req.path, c.res.status, (performance.now() - started) / 1000);
  };

  observeRequest(method: string, path: string, status: number, seconds: number): void {
    const route = this.routes.match(method, path);
    const label = METHODS.has(method) ? method : 'OTHER';
    const key = route === OTHER_ROUTE ? `${OTHER_ROUTE} ${label}` : route;
    let series = this.series.get(key);
    if (!series) {
      series = { count: new Map(), duration: this.duration.labels(route, label) };
      this.series.set(key, series);
    }
    let count = series.count.get(status);
    if (!count) {
      count = this.requests.labels(route, label, String(status));
      series.count.set(status, count);
    }
    count.inc();
    series.duration.observe(seconds);
  }

  /** An SMS submit's outcome (src/sms/outbox.ts's onResult). */
  smsResult(result: SmsResult): void {
    this.smsResults.inc({ result });
  }

  /** An e-mail send's outcome (src/email/outbox.ts's onResult). */
  emailResult(result: EmailResult): void {
    this.emailResults.inc({ result });
  }

  /** A webhook delivery attempt (src/webhooks/worker.ts's onAttempt). */
  webhookAttempt(outcome: WebhookOutcome, seconds: number): void {
    this.webhookAttempts.inc({ outcome });
    this.webhookSeconds.observe(seconds);
  }

  queryStarted(): number {
    this.inFlight.inc();
    this.running++;
    return performance.now();
  }

  queryEnded(started: number, failed: boolean): void {
    this.inFlight.dec();
    this.running--;
    this.queries.observe((performance.now() - started) / 1000);
    if (failed) this.queryErrors.inc();
  }

  poolSize(connections: number): void {
    this.poolMax = connections;
    this.pool.set({ state: 'max' }, connections);
  }

  /** The text Prometheus reads: the counts read now, then every metric. */
  async scrape(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One count query at a time: scrapes that come together share it. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.readTables().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readTables(): Promise<void> {
    const { db, log } = this.sources;
    if (!db) return;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the count query took too long')), SCRAPE_QUERY_TIMEOUT_MS);
      });
      const counts = await Promise.race([readTableCounts(db), timeout]);
      for (const [state, n] of counts.sessions) this.sessions.set({ state }, n);
      for (const outbox of ['sms', 'email', 'webhook'] as const)
        for (const [status, n] of counts[outbox]) this.outbox.set({ outbox, status }, n);
      await this.readPool(db, timeout);
      this.dbUp.set(1);
    } catch (err) {
      this.dbUp.set(0);
      log?.warn('metrics: the session and outbox counts could not be read', { err });
    } finally {
      clearTimeout(timer);
      this.collectSeconds.set((performance.now() - started) / 1000);
    }
  }

  /**
   * postgres-js shows no pool statistics (only `options.max`), so PostgreSQL
   * tells which connections are this node's: those of its application_name
   * (src/cluster sets one per node). PGlite is one connection, busy while a query runs.
   */
  private async readPool(db: Db, timeout: Promise<never>): Promise<void> {
    if (this.sources.dbKind === 'postgres') {
      const pool = await Promise.race([readPoolConnections(db), timeout]);
      this.pool.set({ state: 'open' }, pool.open);
      this.pool.set({ state: 'in_use' }, pool.inUse);
    } else if (this.sources.dbKind === 'pglite') {
      this.pool.set({ state: 'open' }, 1);
      this.pool.set({ state: 'in_use' }, Math.min(1, this.running));
    }
    if (!this.poolMax && this.sources.dbKind === 'pglite') this.poolSize(1);
  }
}
