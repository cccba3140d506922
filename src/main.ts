// Process entry: read config, open and migrate the database, make sure there
// is an administrator (or a setup link), serve, and shut down cleanly.
import { mkdirSync } from 'node:fs';
import { createApp } from './app.ts';
import { sealAuditChain } from './audit/audit.ts';
import { deleteExpiredAuthSessions } from './auth/sessions.ts';
import { ensureFirstAdministrator } from './auth/setup.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/client.ts';
import { systemClock, type Deps } from './deps.ts';
import { createLogger } from './log.ts';
import { deleteExpired as deleteExpiredRateLimits } from './ratelimit/limiter.ts';
import { loadWebBuild } from './web/static.ts';
import { heapStats as jscHeapStats } from 'bun:jsc';
import { websocket } from './realtime/bun-socket.ts';
import { MAX_SOCKET_MESSAGE_BYTES } from './realtime/messages.ts';
import { SocketRegistry } from './realtime/registry.ts';
import { expireInvitations } from './sessions/end.ts';
import { Events } from './sessions/events.ts';
import { joinCluster } from './cluster/cluster.ts';
import { actsOnMedia, nodeApplicationName, takeOverMediaOfGoneNodes } from './cluster/media-home.ts';
import { forgetGoneNodes, newNodeId } from './cluster/nodes.ts';
import { deleteOldClusterMessages } from './cluster/relay.ts';
import { createConsoleGateway } from './sms/console-gateway.ts';
import type { SmsGateway } from './sms/gateway.ts';
import { Outbox } from './sms/outbox.ts';
import { createSmppGateway } from './sms/smpp-gateway.ts';
import { destroyLeftoverRoomsOnConnect, followSessions, roomStore } from './media/lifecycle.ts';
import { janusPool } from './media/janus-pool.ts';
import { MediaService } from './media/service.ts';
import { JanusSupervisor } from './media/supervisor.ts';
import { TurnSupervisor } from './media/turn-supervisor.ts';
import { markCustomersOfGoneNodesAway, timeOutAbsentCustomers } from './sessions/presence.ts';
import { EvidenceKeyError, loadEvidenceKey } from './records/evidence-key.ts';
import { RecordingJobs } from './records/recording-job.ts';
import { startRetention } from './records/retention.ts';
import { Metrics } from './metrics/metrics.ts';
import { startMetricsServer } from './metrics/server.ts';
import { EmailOutbox } from './email/outbox.ts';
import { createSmtpSender } from './email/smtp.ts';
import { startWebhooks } from './webhooks/service.ts';

const HOUSEKEEPING_MS = 15 * 60_000;
// PIN lifetimes are minutes long: expiring within a few seconds of the deadline is plenty.
const EXPIRY_CHECK_MS = 5_000;
/** How often the leader looks for sessions whose media node died: a killed node's pages are back within seconds. */
const MEDIA_TAKEOVER_MS = 1_000;

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          msg: `invalid configuration: ${err.message}`,
          variable: err.variable,
        }),
      );
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = createLogger(config.logLevel);
const startedAt = new Date();

mkdirSync(config.dataDir, { recursive: true });
// Made at first start; an unreadable key stops the start, before the database is opened
// (a new key would orphan every bundle already sent).
const evidenceKey = await loadEvidenceKey(config.dataDir).catch((err) => {
  if (!(err instanceof EvidenceKeyError)) throw err;
  log.error(`evidence key: ${err.message}`);
  process.exit(2);
});
log.info('evidence key', { fingerprint: evidenceKey.view.fingerprint });

// Prometheus metrics, with LOUPE_METRICS_PORT only: made first, so the database's queries are timed from the start.
const metrics = config.metrics ? new Metrics() : undefined;
const nodeId = newNodeId();
// Its connections carry the node's name: the other nodes see them close when it dies (src/cluster/media-home.ts).
const database = await openDatabase({
  url: config.databaseUrl,
  dataDir: config.dataDir,
  queryObserver: metrics,
  applicationName: nodeApplicationName(nodeId),
});
await database.migrate();
// Audit rows written before the hash chain existed join it, in id order, before anything adds a row.
const sealed = await sealAuditChain(database.db);
if (sealed) log.info('audit rows sealed into the hash chain', { rows: sealed });
log.info('database ready', { kind: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined });

const events = new Events();
// Before anything emits or claims: the heartbeat, the leader election and the
// event relay to the other nodes (PostgreSQL only; docs/architecture.md, "Several nodes").
const cluster = await joinCluster({ database, events, log, clock: systemClock, nodeId });
const deps: Deps = { db: database.db, clock: systemClock, log, config, events, nodeId };

const admin = await ensureFirstAdministrator(deps);
if (admin.outcome !== 'present' && admin.outcome !== 'setup_link') {
  log.info(`administrator ${admin.outcome} from LOUPE_ADMIN_EMAIL`, { email: admin.email });
}

const web = loadWebBuild();
if (!web) log.warn('web app not built: run `npm run build`; the API works, pages answer 503');

// The media gateway. Loupe keeps serving if it cannot start: /healthz says so,
// and the supervisor keeps trying.
// With JANUS_URLS the supervisor spawns nothing and checks the first server; MediaService uses them all.
const pool = config.media.janusServers;
const janus = new JanusSupervisor({
  media: pool ? { ...config.media, janusUrl: pool[0]!.url } : config.media,
  dataDir: config.dataDir,
  log,
  logLevel: config.logLevel,
  externalApiSecret: pool ? pool[0]!.apiSecret : config.media.janusApiSecret,
});
if (pool) log.info('Janus pool', { servers: pool.map((s) => s.id) });
await janus
  .start()
  .catch((err) => log.error('Janus did not start', { err: err instanceof Error ? err.message : String(err) }));
// LOUPE_TURN=bundled: coturn beside Janus (starts nothing otherwise); Loupe serves on without it.
const turn = new TurnSupervisor({
  media: config.media,
  dataDir: config.dataDir,
  realm: config.publicUrl.hostname,
  log,
});
turn.start();
const media = new MediaService({
  janus,
  log,
  rooms: roomStore(deps),
  videoPlayout: config.media.videoPlayout,
  pool: pool && janusPool(pool),
});
// Recordings are converted after their session's room is gone; those a stopped Loupe left, now.
const recordingJobs = new RecordingJobs(deps);
const unfollow = followSessions(
  deps,
  media,
  (sessionId) => void recordingJobs.enqueue(sessionId),
  // One node alone holds every session's media; of several, the session's own node does.
  cluster.mail && ((sessionId) => actsOnMedia(deps, sessionId, () => cluster.leadership.isLeader())),
);
void recordingJobs.resume().catch((err) => log.error('recordings not resumed', { err }));
const unleftover = destroyLeftoverRoomsOnConnect(deps, media);
media.start();
// The customers a previous process (or any node now gone) held: their sockets come back now, or they time out.
await markCustomersOfGoneNodesAway(deps);

const gateway: SmsGateway = config.smpp ? createSmppGateway(config.smpp, log) : createConsoleGateway(log);
if (!config.smpp)
  log.warn('SMPP_URL is not set: SMS texts are not sent (nor logged), technicians read the PIN out or paste the link');
else
  log.info('SMS gateway', {
    kind: 'smpp',
    host: config.smpp.host,
    port: config.smpp.port,
    systemId: config.smpp.systemId,
  });
const outbox = new Outbox(deps, gateway, { onResult: metrics && ((result) => metrics.smsResult(result)) });
outbox.start();
// E-mail invitations (docs/integrations.md): only with SMTP_URL; without it the method is refused and not offered.
const emailOutbox = config.smtp
  ? new EmailOutbox(deps, createSmtpSender(config.smtp), {
      onResult: metrics && ((result) => metrics.emailResult(result)),
    })
  : undefined;
emailOutbox?.start();
if (config.smtp) log.info('e-mail invitations', { from: config.smtp.from });

// Webhooks (docs/integrations.md): the audit log's events to the receivers, off the request path.
const webhooks = startWebhooks(deps, {
  onAttempt: metrics && ((outcome, seconds) => metrics.webhookAttempt(outcome, seconds)),
});

const sockets = new SocketRegistry();
metrics?.collectFrom({ db: database.db, dbKind: database.kind, log, sockets, janus, media });
const mail = cluster.mail;
const app = createApp({
  ...deps,
  database,
  web,
  startedAt,
  sockets,
  janus,
  media,
  mail,
  evidenceKey,
  metrics,
  webhooks,
});
const server = Bun.serve({
  port: config.port,
  hostname: config.host,
  fetch: (req, srv) => app.fetch(req, srv),
  websocket: { ...websocket, maxPayloadLength: MAX_SOCKET_MESSAGE_BYTES, idleTimeout: 120 },
  tls: config.tls ? { cert: Bun.file(config.tls.certFile), key: Bun.file(config.tls.keyFile) } : undefined,
});
log.info('listening', {
  url: `${config.tls ? 'https' : 'http'}://${config.host}:${server.port}`,
  publicUrl: config.publicUrl.href,
});
const metricsServer = metrics && config.metrics ? startMetricsServer(metrics, config.metrics, log) : undefined;
if (metricsServer) log.info('metrics listening', { url: metricsServer.url });
// Only now: the link works the moment anyone sees it. The one secret Loupe
// logs on purpose (src/log.ts, setupLink): the operator has no other way to
// get it, it works once, and each start without an administrator replaces it.
if (admin.outcome === 'setup_link') {
  log.setupLink(admin.url);
  // Also plain, so a person reading the terminal can copy it.
  console.log(`\n  Create the first Loupe administrator: ${admin.url}\n`);
}

// The timers below run on the cluster's leader only (src/cluster/leader.ts): on one node, always here.
const housekeeping = setInterval(
  cluster.onLeader(() => {
    const now = systemClock.now();
    Promise.all([
      deleteExpiredAuthSessions(deps),
      deleteExpiredRateLimits(database.db, new Date(now.getTime() - 24 * 3_600_000)),
      forgetGoneNodes(database.db, now),
      deleteOldClusterMessages(database.db, now),
    ]).catch((err) => log.error('housekeeping failed', { err }));
  }),
  HOUSEKEEPING_MS,
);
const expiry = setInterval(
  cluster.onLeader(() => {
    expireInvitations(deps).catch((err) => log.error('expiring invitations failed', { err }));
    timeOutAbsentCustomers(deps).catch((err) => log.error('timing out absent customers failed', { err }));
    markCustomersOfGoneNodesAway(deps).catch((err) => log.error('settling a gone node failed', { err }));
  }),
  EXPIRY_CHECK_MS,
);
// The media of sessions whose node died comes here, and their pages publish again (src/cluster/media-home.ts).
const mediaTakeOver = setInterval(
  cluster.onLeader(() => {
    if (!cluster.mail) return; // one node: it holds every session's media
    takeOverMediaOfGoneNodes(deps)
      .then((moved) => {
        for (const row of moved) events.mediaMoved({ ...row, node: nodeId });
        if (moved.length) log.info('media of a gone node taken over', { sessions: moved.length });
      })
      .catch((err) => log.error('taking over the media of a gone node failed', { err }));
  }),
  MEDIA_TAKEOVER_MS,
);
// Retention (docs/records.md): at start-up, then daily; on the leader only.
const stopRetention = startRetention(deps, { when: () => cluster.leadership.isLeader() });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  clearInterval(housekeeping);
  clearInterval(expiry);
  clearInterval(mediaTakeOver);
  // Stop accepting connections and let requests in flight finish; let submits in
  // flight get their answer, unbind from the SMSC, then close the database.
  const stopped = server.stop(false);
  sockets.closeAll();
  await stopped;
  await metricsServer?.stop();
  await outbox.stop();
  await emailOutbox?.stop();
  await webhooks.stop();
  await stopRetention();
  await gateway.close();
  unfollow();
  unleftover();
  await recordingJobs.stop();
  await media.stop();
  await janus.stop();
  await turn.stop();
  // Last before the database: the other nodes take over what this one held at once.
  await cluster.stop();
  await database.close();
  log.info('stopped');
  process.exit(0);
}
// A backstop: a stray rejection is logged, not allowed to take every session down.
process.on('unhandledRejection', (err) => log.error('unhandled rejection', { err }));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Operators (and bench/sockets.ts): `kill -USR2 <pid>` runs a full garbage
// collection, then logs the process's memory as one "memory" line.
process.on('SIGUSR2', () => {
  Bun.gc(true);
  const heap = jscHeapStats();
  log.info('memory', {
    ...process.memoryUsage(),
    heapSize: heap.heapSize,
    heapCapacity: heap.heapCapacity,
    objectCount: heap.objectCount,
    protectedObjectCount: heap.protectedObjectCount,
    sockets: sockets.size,
    objectTypes: Object.fromEntries(
      Object.entries(heap.objectTypeCounts)
        .sort(([, a], [, b]) => b - a)
        .slice(0, 40),
    ),
  });
});
