import { describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { openDatabase } from '../db/client.ts';
import { DATABASE_HOOK, harness } from '../testing/harness.ts';
import { silentLogger } from '../log.ts';
import { healthRoutes } from './routes.ts';

describe('GET /healthz', () => {
  test(
    '200 with status ok when the database answers',
    async () => {
      const h = await harness();
      const res = await h.call('GET', '/healthz');
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
      expect(['pglite', 'postgres']).toContain(body.database as string);
    },
    DATABASE_HOOK.timeout,
  );

  test('503 when the database does not answer', async () => {
    // A real PostgreSQL client pointed at a loopback port where nothing listens.
    const database = await openDatabase({ url: 'postgres://loupe@127.0.0.1:9/loupe' });
    try {
      const app = new Hono().route('/healthz', healthRoutes({ database, log: silentLogger, startedAt: new Date() }));
      const res = await app.request('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable', checks: { database: 'error' } });
    } finally {
      await database.close();
    }
  });
});
