// docs/grafana-dashboard.json: it parses, its panels do not overlap, and every
// expression names only metrics Loupe exports (a renamed metric fails here,
// not on an operator's empty panel). Every part of the metrics has a panel.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from './metrics.ts';

type Target = { expr?: string; refId: string };
type Panel = {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
};
type Dashboard = {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: unknown; definition?: string }[] };
};

const dashboard = JSON.parse(
  readFileSync(join(import.meta.dir, '../../docs/grafana-dashboard.json'), 'utf8'),
) as Dashboard;

/** Each exported family, and for a histogram the series Prometheus stores: _bucket, _sum, _count. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await new Metrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const expressions = () => [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' }))),
  ...dashboard.templating.list.filter((v) => v.definition).map((v) => ({ panel: `$${v.name}`, expr: v.definition! })),
];

describe('docs/grafana-dashboard.json', () => {
  test('every expression names only exported metrics', async () => {
    const known = await exportedNames();
    for (const { panel, expr } of expressions()) {
      const named = expr.match(/\bloupe_[a-z0-9_]+/g) ?? [];
      expect({ panel, named: named.length > 0 }).toEqual({ panel, named: true });
      for (const name of named) expect({ panel, name, known: known.has(name) }).toEqual({ panel, name, known: true });
    }
  });

  test('has a panel for each part: requests, latency, errors, sockets, sessions, outboxes, Janus, media, database', () => {
    const all = expressions()
      .map((e) => e.expr)
      .join('\n');
    for (const name of [
      'loupe_http_requests_total',
      'loupe_http_request_duration_seconds_bucket',
      'loupe_sockets_open',
      'loupe_sessions',
      'loupe_outbox_messages',
      'loupe_sms_results_total',
      'loupe_email_results_total',
      'loupe_webhook_attempts_total',
      'loupe_webhook_attempt_seconds_bucket',
      'loupe_janus_up',
      'loupe_janus_restarts_total',
      'loupe_media_sessions',
      'loupe_db_query_duration_seconds_bucket',
      'loupe_db_queries_in_flight',
      'loupe_db_pool_connections',
    ])
      expect(all).toContain(name);
    expect(all).toMatch(/status=~"\[45\]\.\."/); // the errors panel
  });

  test('panels have unique ids, a target each, and do not overlap', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      if (p.type !== 'row')
        expect({ panel: p.title, targets: (p.targets?.length ?? 0) > 0 }).toEqual({ panel: p.title, targets: true });
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          const at = `${i},${j}`;
          expect({ at, taken: cells.get(at) }).toEqual({ at, taken: undefined });
          cells.set(at, p.title);
        }
    }
  });
});
