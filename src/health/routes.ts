import { Hono } from 'hono';
import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { JanusStatus } from '../media/supervisor.ts';

const VERSION = '0.1.0';
const PING_TIMEOUT_MS = 2000;

/**
 * For load balancers and orchestrators: 200 when the database answers and the
 * media gateway runs ("degraded" while it restarts), 503 otherwise.
 */
export function healthRoutes(deps: {
  database: Pick<Database, 'ping' | 'kind'>;
  log: Logger;
  startedAt: Date;
  media?: { status(): JanusStatus };
}) {
  return new Hono().get('/healthz', async (c) => {
    const base = {
      version: VERSION,
      database: deps.database.kind,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        deps.database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      const janus = deps.media?.status();
      if (!janus) return c.json({ status: 'ok', ...base, checks: { database: 'ok' } });
      const checks = { database: 'ok', janus: janus.state, janusRestarts: janus.restarts };
      if (janus.state === 'running' || janus.state === 'external') return c.json({ status: 'ok', ...base, checks });
      if (janus.state === 'starting' || janus.state === 'restarting')
        return c.json({ status: 'degraded', ...base, checks });
      return c.json({ status: 'unavailable', ...base, checks }, 503);
    } catch (err) {
      clearTimeout(timer);
      deps.log.error('health check failed', { err });
      return c.json({ status: 'unavailable', ...base, checks: { database: 'error' } }, 503);
    }
  });
}
