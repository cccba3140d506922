import { Hono } from 'hono';
import { checkHealth, type HealthDeps } from './health.ts';

/**
 * For load balancers and orchestrators, mounted at /healthz: 200 when the
 * database answers and the media gateway runs ("degraded" while it restarts), 503 otherwise.
 */
export function healthRoutes(deps: HealthDeps) {
  return new Hono().get('/', async (c) => {
    const health = await checkHealth(deps);
    return c.json(health, health.status === 'unavailable' ? 503 : 200);
  });
}
