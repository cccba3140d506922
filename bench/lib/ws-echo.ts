// The reference for the live tools' relay: a bare WebSocket echo (Bun.serve,
// nothing else) on loopback. A page sends the same message the console sends
// and times its way back: two socket hops, as console → Loupe → phone is.
import type { Page } from 'playwright-core';

export type Echo = { url: string; stop(): void };

export function startEcho(): Echo {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req) ? undefined : new Response('a WebSocket echo', { status: 426 });
    },
    websocket: {
      message(ws, message) {
        ws.send(message);
      },
    },
  });
  return { url: `ws://127.0.0.1:${server.port}/`, stop: () => server.stop(true) };
}

/**
 * From `page` (a blank page: no CSP between it and the echo), sends `message`
 * `count` times at `perSecond` and returns each round trip in ms.
 */
export function echoRoundTrips(
  page: Page,
  url: string,
  message: string,
  count: number,
  perSecond: number,
): Promise<number[]> {
  return page.evaluate(
    ({ url, message, count, perSecond }) =>
      new Promise<number[]>((resolve, reject) => {
        const ws = new WebSocket(url);
        const out: number[] = [];
        let sentAt = 0;
        let sent = 0;
        const next = () => {
          if (sent === count) {
            ws.close();
            resolve(out);
            return;
          }
          sent++;
          sentAt = performance.now();
          ws.send(message);
        };
        ws.onmessage = () => {
          out.push(performance.now() - sentAt);
          // Paced like a pointer stream: the next one on the next tick of the rate, not at once.
          setTimeout(next, Math.max(0, 1000 / perSecond - (performance.now() - sentAt)));
        };
        ws.onopen = next;
        ws.onerror = () => reject(new Error(`echo at ${url} failed`));
      }),
    { url, message, count, perSecond },
  );
}
