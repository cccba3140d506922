// What /healthz reports: the database answers (within PING_TIMEOUT_MS) and,
// when Loupe runs one, the media gateway's state.
import type { Database } from '../db/client.ts';
import { Fault, type Logger } from '../log.ts';
import type { JanusStatus } from '../media/supervisor.ts';

const VERSION = '0.1.0';
const PING_TIMEOUT_MS = 2000;

export type HealthDeps = {
  database: Pick<Database, 'ping' | 'kind'>;
  log: Logger;
  startedAt: Date;
  media?: { status(): JanusStatus };
};

export type Health = {
  status: 'ok' | 'degraded' | 'unavailable';
  version: string;
  database: Database['kind'];
  uptimeSeconds: number;
  checks: { database: 'ok' | 'error'; janus?: JanusStatus['state']; janusRestarts?: number };
};

/** "ok" when the database answers and Janus runs, "degraded" while Janus (re)starts, "unavailable" otherwise. */
export async function checkHealth(deps: HealthDeps): Promise<Health> {
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
        timer = setTimeout(() => reject(new Fault(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    const janus = deps.media?.status();
    if (!janus) return { status: 'ok', ...base, checks: { database: 'ok' } };
    const checks = { database: 'ok', janus: janus.state, janusRestarts: janus.restarts } as const;
    if (janus.state === 'running' || janus.state === 'external') return { status: 'ok', ...base, checks };
    if (janus.state === 'starting' || janus.state === 'restarting') return { status: 'degraded', ...base, checks };
    return { status: 'unavailable', ...base, checks };
  } catch (err) {
    clearTimeout(timer);
    deps.log.error('health check failed', { err });
    return { status: 'unavailable', ...base, checks: { database: 'error' } };
  }
}
