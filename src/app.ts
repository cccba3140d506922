// Builds the Hono app from its parts. No side effects on import: main.ts and
// the tests call createApp with the dependencies they built.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { auditRoutes } from './audit/routes.ts';
import { authRoutes, setupRoutes } from './auth/routes.ts';
import type { Database } from './db/client.ts';
import type { Deps } from './deps.ts';
import { IMAGE_UPLOADS, routeKey } from './contract/routes.ts';
import { AppError, errorBody, PayloadTooLarge } from './http/errors.ts';
import { refuseCrossSite, securityHeaders } from './http/security.ts';
import { healthRoutes } from './health/routes.ts';
import type { Mail } from './cluster/mail.ts';
import type { MediaService } from './media/service.ts';
import { MediaRouter } from './realtime/media-router.ts';
import type { JanusStatus } from './media/supervisor.ts';
import { loggablePath } from './log-redact.ts';
import { SocketRegistry } from './realtime/registry.ts';
import { realtimeRoutes } from './realtime/routes.ts';
import { recordRoutes } from './records/routes.ts';
import { recordingRoutes } from './records/recording-routes.ts';
import { erasureRoutes } from './records/erasure-routes.ts';
import { lensRoutes } from './sessions/lens-routes.ts';
import { Starts } from './sessions/live.ts';
import { sessionRoutes } from './sessions/routes.ts';
import { reportRoutes } from './records/report-routes.ts';
import { settingsRoutes } from './settings/routes.ts';
import { snapshotRoutes } from './tools/snapshot-routes.ts';
import { groupRoutes, technicianRoutes } from './technicians/routes.ts';
import { serveWeb, type WebBuild } from './web/static.ts';
import { oidcRoutes } from './oidc/routes.ts';
import type { EvidenceKeyPair } from './records/evidence-key.ts';
import { evidenceRoutes } from './records/evidence-routes.ts';
import { buildReport } from './records/report.ts';
import { tokenRoutes } from './tokens/routes.ts';
import { openApiRoutes } from './openapi/routes.ts';
import type { Metrics } from './metrics/metrics.ts';
import { webhookRoutes } from './webhooks/routes.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export type AppParts = Deps & {
  database: Pick<Database, 'ping' | 'kind'>;
  web?: WebBuild;
  startedAt?: Date;
  sockets?: SocketRegistry;
  /** The Janus supervisor, for /healthz. */
  janus?: { status(): JanusStatus };
  /** Relays media signalling to Janus; without it Start answers 503. */
  media?: MediaService;
  /** Several nodes (src/cluster/mail.ts): a session's media signalling goes to the node holding its media. */
  mail?: Mail;
  /** The key that signs evidence bundles, loaded by main.ts at start; without it, loaded from the data directory when first needed. */
  evidenceKey?: EvidenceKeyPair;
  /** Prometheus metrics (src/metrics): when given, every request is counted and timed by its route key. */
  metrics?: Metrics;
  /** The webhook worker (src/webhooks/service.ts), woken by a resend; without it the resend waits for its next poll. */
  webhooks?: { wake(): void };
};

export function createApp(parts: AppParts): Hono {
  const { config, log } = parts;
  const app = new Hono();
  const media = new MediaRouter(parts, parts.media, parts.mail); // signalling, on the session's media node

  app.onError((err, c) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(errorBody(err.code, err.message, err.details), err.status as 400);
    }
    // The logger writes the error's class and code, never its message (a failed query's carries its parameters).
    log.error('unhandled error', { err, method: c.req.method, path: loggablePath(c.req.path) });
    return c.json(errorBody('internal', 'Something went wrong on the server. The error was logged.'), 500);
  });

  // First, so its time covers every other middleware; it observes after next(), with no query.
  if (parts.metrics) app.use('*', parts.metrics.middleware);

  app.use('/api/*', async (c, next) => {
    const started = performance.now();
    await next();
    log.info('request', {
      method: c.req.method,
      path: loggablePath(c.req.path), // no token: GET /api/setup/<token> is /api/setup/:value
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  app.use(
    '*',
    securityHeaders({
      scriptHashes: parts.web?.scriptHashes ?? [],
      https: config.publicUrl.protocol === 'https:' || !!config.tls,
    }),
  );
  const jsonLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLarge(MAX_BODY_BYTES);
    },
  });
  // A photo's upload streams to disk under its own limit (SNAPSHOT_BYTES_MAX, src/tools/snapshot-upload.ts).
  app.use('/api/*', (c, next) => (isImageUpload(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  app.use('/api/*', refuseCrossSite([config.publicUrl.origin]));

  // Each router at its prefix, so its middleware (sign-in, rights) runs once per request.
  app.route(
    '/healthz',
    healthRoutes({ database: parts.database, log, startedAt: parts.startedAt ?? new Date(), media: parts.janus }),
  );
  app.route('/api/auth', authRoutes(parts));
  app.route('/api/setup', setupRoutes(parts));
  app.route('/api/groups', groupRoutes(parts));
  app.route('/api/technicians', technicianRoutes(parts));
  app.route('/api/settings', settingsRoutes(parts));
  const evidence = evidenceRoutes(parts, { report: buildReport, key: parts.evidenceKey });
  app.route('/api/sessions', evidence.exportRoute);
  app.route('/api/evidence-key', evidence.keyRoute);
  // Before the session routes: the record's routes under /api/sessions/:id/… answer first (src/records/routes.ts).
  app.route('/api', recordRoutes(parts));
  // The report and notes first: their own sign-in check then answers, not the session routes' as well.
  app.route('/api/sessions', reportRoutes(parts));
  // One Starts per app: a double click on Start opens one room (src/sessions/live.ts).
  app.route('/api/sessions', sessionRoutes(parts, { media: parts.media && media.rooms, starts: new Starts() }));
  app.route('/api/snapshots', snapshotRoutes(parts));
  app.route('/api/lens', lensRoutes(parts));
  app.route('/api/audit', auditRoutes(parts));
  app.route('/api', recordingRoutes(parts));
  app.route('/api/erasures', erasureRoutes(parts));
  app.route('/api/tokens', tokenRoutes(parts));
  // The OpenAPI document and its reader (src/openapi/), public.
  app.route('/api', openApiRoutes(parts));
  app.route('/api/webhooks', webhookRoutes(parts, { wake: () => parts.webhooks?.wake() }));
  // Single sign-on: browser redirects and pages, not the JSON API (src/oidc/routes.ts).
  app.route('/auth/oidc', oidcRoutes(parts));
  app.route('/ws', realtimeRoutes(parts, parts.sockets ?? new SocketRegistry(), media));
  app.get('*', serveWeb(parts.web));
  app.notFound((c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}.`), 404));
  return app;
}

const isImageUpload = (method: string, path: string) =>
  method === 'POST' && path.includes('/snapshots/') && IMAGE_UPLOADS.has(routeKey(method, path) ?? '');
