// The administrator's audit view and its CSV export (docs/records.md, "The
// audit chain"): both need the `administer` right, both take auditQuery.
import { Hono } from 'hono';
import { requireRight, requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { auditQuery } from '../contract/records.ts';
import type { Deps } from '../deps.ts';
import { parse } from '../http/validate.ts';
import { auditCsv } from './csv.ts';
import { auditPage, decodeCursor } from './query.ts';

/** Mounted at /api/audit. */
export function auditRoutes(deps: Deps) {
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps), requireRight('administer'))
    .get('/', async (c) => c.json(await auditPage(deps.db, parse(auditQuery, c.req.query()))))
    .get('/export', (c) => {
      // The same filters; a page's cursor and limit mean nothing for "all matching rows".
      const { cursor, limit: _limit, ...filters } = parse(auditQuery, c.req.query());
      if (cursor) decodeCursor(cursor);
      const date = deps.clock.now().toISOString().slice(0, 10);
      return c.body(auditCsv(deps.db, filters), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="loupe-audit-${date}.csv"`,
      });
    });
}
