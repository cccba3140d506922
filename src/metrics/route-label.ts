// The `route` label of a request: the contract's route key (routeKey() in
// src/contract/routes.ts, e.g. `GET /api/sessions/:id`), never the raw path,
// which carries session ids and setup tokens. routeKey() splits every pattern
// of the table on each call; this runs on every request, so the table is split
// once here and a request costs one split of its own path and a short scan of
// the patterns of its method and depth. route-label.test.ts checks that both
// agree on every route.
import { ROUTES } from '../contract/routes.ts';

/** The label of a request outside the contract (web pages, unknown paths). */
export const OTHER_ROUTE = 'other';

type Pattern = { key: string; segments: (string | null)[] };

/** The contract's route keys; `match(method, path)` answers routeKey(method, path) ?? OTHER_ROUTE. */
export class RouteLabels {
  private readonly exact = new Set<string>();
  /** `METHOD depth` → the patterns with parameters, in the table's order (routeKey's first match wins). */
  private readonly byShape = new Map<string, Pattern[]>();

  constructor(keys: Iterable<string> = Object.keys(ROUTES)) {
    for (const key of keys) {
      this.exact.add(key);
      const [method, pattern] = key.split(' ') as [string, string];
      const segments = pattern.split('/').map((s) => (s.startsWith(':') ? null : s));
      if (!segments.includes(null)) continue;
      const shape = `${method} ${segments.length}`;
      const list = this.byShape.get(shape) ?? [];
      list.push({ key, segments });
      this.byShape.set(shape, list);
    }
  }

  match(method: string, path: string): string {
    const exact = `${method} ${path}`;
    if (this.exact.has(exact)) return exact;
    const parts = path.split('/');
    const candidates = this.byShape.get(`${method} ${parts.length}`);
    if (!candidates) return OTHER_ROUTE;
    for (const { key, segments } of candidates) {
      let all = true;
      for (let i = 0; i < segments.length && all; i++) all = segments[i] === null || segments[i] === parts[i];
      if (all) return key;
    }
    return OTHER_ROUTE;
  }
}
