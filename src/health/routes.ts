import { Hono } from 'hono';
import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';

const VERSION = '0.1.0';
const PING_TIMEOUT_MS = 2000;

/** For load balancers and orchestrators: 200 when the database answers, 503 otherwise. */
export function healthRoutes(deps: { database: Pick<Database, 'ping' | 'kind'>; log: Logger; startedAt: Date }) {
  return new Hono().get('/healthz', async (c) => {
    const base = { version: VERSION, database: deps.database.kind, uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000) };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        deps.database.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS); }),
      ]);
      clearTimeout(timer);
      return c.json({ status: 'ok', ...base, checks: { database: 'ok' } });
    } catch (err) {
      clearTimeout(timer);
      deps.log.error('health check failed', { err });
      return c.json({ status: 'unavailable', ...base, checks: { database: 'error' } }, 503);
    }
  });
}
