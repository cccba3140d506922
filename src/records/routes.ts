// The session record's routes (docs/records.md), mounted at /api before the
// session routes, so a record route under /api/sessions/:id/… is answered here
// with one sign-in lookup. Each route names its own guard: the router sits at
// /api, where a router-wide `use` would also guard the Lens's and the
// sign-in's routes. Thin: parse, call the verb, answer.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { type AuthEnv, requireTechnician } from '../auth/middleware.ts';
import { historyQuery } from '../contract/records.ts';
import type { Deps } from '../deps.ts';
import { Invalid } from '../http/errors.ts';
import { parse } from '../http/validate.ts';
import { historyPage } from './history.ts';

/** The URL's parameters as one object; a parameter given twice is refused, not silently halved. */
export function queryOf(c: Context): Record<string, string> {
  const all = c.req.queries();
  const twice = Object.keys(all).find((k) => (all[k]?.length ?? 0) > 1);
  if (twice)
    throw new Invalid(`${twice}: Give this parameter once.`, [{ path: twice, message: 'Give this parameter once.' }]);
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v[0]!]));
}

export function recordRoutes(deps: Deps) {
  const signedIn = requireTechnician(deps);
  const me = (c: Context<AuthEnv>) => c.get('signedIn').technician;
  return new Hono<AuthEnv>().get('/history', signedIn, async (c) =>
    c.json(await historyPage(deps, me(c), parse(historyQuery, queryOf(c)))),
  );
}
