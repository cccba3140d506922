// The metrics listener: its own port (LOUPE_METRICS_PORT, off by default), on
// loopback unless LOUPE_METRICS_HOST says otherwise, never on Loupe's main
// port, so a scraper needs no sign-in and the public side never shows it.
// It answers GET (and HEAD) /metrics and nothing else.
import type { Server } from 'bun';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';

export type MetricsServer = { url: string; stop(): Promise<void> };

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });

export function metricsHandler(metrics: Metrics, log?: Logger): (req: Request) => Promise<Response> {
  return async (req) => {
    if (new URL(req.url).pathname !== '/metrics') return text(404, 'Not found: this listener serves only /metrics.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Only GET /metrics.\n', { allow: 'GET, HEAD' });
    try {
      const body = await metrics.scrape();
      return new Response(req.method === 'HEAD' ? null : body, {
        headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
      });
    } catch (err) {
      log?.error('metrics scrape failed', { err });
      return text(500, 'The metrics could not be collected; the error was logged.\n');
    }
  };
}

/** Starts the listener; `port` 0 picks a free one (tests). */
export function startMetricsServer(metrics: Metrics, at: { host: string; port: number }, log?: Logger): MetricsServer {
  const server: Server<undefined> = Bun.serve({
    hostname: at.host,
    port: at.port,
    fetch: metricsHandler(metrics, log),
  });
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return {
    url: `http://${host}:${server.port}/metrics`,
    stop: () => server.stop(true),
  };
}
