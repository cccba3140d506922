// Bun's WebSocket events go straight to Loupe's socket object, which is the
// upgrade's `data`. hono/bun's helper would keep a URL and a data object per
// socket and wrap every event in a new WSContext with closures of its own: an
// idle socket is now Bun's ServerWebSocket and one Loupe object. Idle sockets
// are counted by the thousand (bench/sockets.ts), so what each keeps matters.
import type { Server, ServerWebSocket, WebSocketHandler } from 'bun';
import type { Context } from 'hono';
import { errorBody } from '../http/errors.ts';

export type RawSocket = ServerWebSocket<SocketEvents>;

/** What a Loupe socket object answers; a throw is logged, never taken down with the process. */
export interface SocketEvents {
  opened(ws: RawSocket): void;
  received(ws: RawSocket, message: string | Buffer): void;
  closed(ws: RawSocket, code: number, reason: string): void;
  failed(error: unknown): void;
}

const guarded = (ws: RawSocket, event: () => void) => {
  try {
    event();
  } catch (error) {
    ws.data.failed(error);
  }
};

/** The `websocket` option of Bun.serve for every socket Loupe opens. */
export const websocket: WebSocketHandler<SocketEvents> = {
  open: (ws) => guarded(ws, () => ws.data.opened(ws)),
  message: (ws, message) => guarded(ws, () => ws.data.received(ws, message)),
  close: (ws, code, reason) => guarded(ws, () => ws.data.closed(ws, code, reason)),
};

/** Upgrades the request to a socket whose events go to `events`; a Response when it cannot. */
export function upgradeTo(c: Context, events: SocketEvents): Response {
  // app.fetch(req, server) in src/main.ts (and the tests): the environment is Bun's server.
  const server = c.env as Server<SocketEvents> | undefined;
  if (!server?.upgrade) throw new TypeError("WebSocket routes need Bun's server as the fetch environment");
  if (server.upgrade(c.req.raw, { data: events })) return new Response(null);
  return c.json(errorBody('upgrade_failed', 'The connection could not be upgraded to a WebSocket.'), 400);
}
