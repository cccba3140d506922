// The sockets, mounted at /ws: /ws/console (console-socket.ts) and /ws/lens
// (lens-socket.ts). Both refuse other sites and plain HTTP before anything else.
import { Hono, type Context } from 'hono';
import type { Deps } from '../deps.ts';
import { errorBody } from '../http/errors.ts';
import type { SessionChanged } from '../sessions/events.ts';
import { ToolRelay } from '../tools/relay.ts';
import { ConsoleSockets } from './console-socket.ts';
import { LensSockets } from './lens-socket.ts';
import type { MediaRouter } from './media-router.ts';
import { sameOrigin } from './messages.ts';
import type { SocketRegistry } from './registry.ts';

/** A Response when the request may not become a socket: another site's page, or no upgrade asked for. */
function refuseUpgrade(c: Context, deps: Deps): Response | undefined {
  if (!sameOrigin(c.req.url, c.req.header('origin'), deps.config.publicUrl.origin)) {
    return c.json(errorBody('cross_origin', 'Socket connections from other sites are not accepted.'), 403);
  }
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
    return c.json(errorBody('upgrade_required', 'This is a WebSocket endpoint.'), 426);
  return undefined;
}

export function realtimeRoutes(deps: Deps, sockets: SocketRegistry, media: MediaRouter) {
  const tools = new ToolRelay(deps);
  const consoles = new ConsoleSockets(deps, sockets, media, tools);
  const lenses = new LensSockets(deps, sockets, media, tools);
  // One listener for every open socket: a change costs a map lookup, not a call into every socket.
  deps.events.onSessionChanged((change: SessionChanged) => {
    tools.changed(change.sessionId);
    consoles.changed(change);
    lenses.changed(change);
  });
  deps.events.onSignedOut((event) => consoles.signedOut(event));
  // The session's media moved to another node (its home died): its pages here publish and join again, there.
  deps.events.onMediaMoved((moved) => {
    const restart = { type: 'media.restart', sessionId: moved.sessionId, reason: 'media_server_moved' };
    lenses.tell(moved.sessionId, restart);
    consoles.tellJoined(moved.technicianId, moved.sessionId, restart);
  });
  // A live tool's message (src/tools/relay.ts): to the session's phone, its technician's joined consoles, or both.
  deps.events.deliverToolsWith((event) => {
    const phone = event.to === 'technician' || lenses.tool(event) > 0;
    const technician = event.to === 'customer' || consoles.tool(event) > 0;
    return phone && technician;
  });

  return new Hono()
    .get('/console', async (c) => refuseUpgrade(c, deps) ?? consoles.upgrade(c))
    .get('/lens', async (c) => refuseUpgrade(c, deps) ?? lenses.upgrade(c));
}
