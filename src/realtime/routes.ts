// /ws/console (technician cookie): a snapshot of the technician's sessions, then
// each change. /ws/lens (customer cookie): the session's state on each change.
import { Hono, type Context } from 'hono';
import { upgradeWebSocket } from 'hono/bun';
import { getCookie } from 'hono/cookie';
import type { WSContext } from 'hono/ws';
import { resolveAuthSession, SESSION_COOKIE } from '../auth/sessions.ts';
import type { Deps } from '../deps.ts';
import { errorBody } from '../http/errors.ts';
import { customerSession, LENS_COOKIE, lensView, sessionById } from '../sessions/customer.ts';
import type { SessionChanged } from '../sessions/events.ts';
import { isLive } from '../sessions/states.ts';
import { sessionView, technicianSessions } from '../sessions/view.ts';
import type { MediaService, Peer } from '../media/service.ts';
import { customerArrived, customerLeft } from '../sessions/presence.ts';
import { consoleMessage, lensMessage, parseClientMessage, sameOrigin } from './messages.ts';
import type { SocketRegistry } from './registry.ts';
import { consoleSignal, lensSignal } from './signalling.ts';

/** Sign-ins end (logout, disabled technician) without the socket hearing of it: check now and then. */
const RECHECK_MS = 60_000;

// hono/bun's WSContext snapshots readyState when it is made; the raw socket's is current.
const isOpen = (ws: WSContext) => (ws.raw as { readyState: number } | undefined)?.readyState === 1;
const send = (ws: WSContext, message: unknown) => {
  if (isOpen(ws)) ws.send(JSON.stringify(message));
};

/** The socket as the media service sees it: one object for the socket's whole life. */
function peerOf(socket: { ws?: WSContext }): Peer {
  return { send: (signal) => { if (socket.ws) send(socket.ws, signal); } };
}

/**
 * Runs one socket's work in order (so a client never sees an older state after
 * a newer one) and never lets a failure escape: a database hiccup must not
 * take the process down with every other socket.
 */
function serialQueue(deps: Deps, what: string) {
  let chain = Promise.resolve();
  return (work: () => Promise<void>) => {
    chain = chain.then(work).catch((err) => deps.log.error(`${what} socket update failed`, { err }));
  };
}

export function realtimeRoutes(deps: Deps, sockets: SocketRegistry, media?: MediaService) {
  // Open Lens sockets per session: the customer is gone only when the last one closes.
  const lensSockets = new Map<string, number>();
  // Presence writes for one session run in order on one chain, whichever socket
  // triggers them, and "left" is re-checked when it runs: a reload's new socket
  // may have opened in the meantime.
  const presence = new Map<string, Promise<void>>();
  const presenceOf = (sessionId: string) => {
    const work = (presence.get(sessionId) ?? Promise.resolve()).then(async () => {
      if ((lensSockets.get(sessionId) ?? 0) > 0) await customerArrived(deps, sessionId);
      else await customerLeft(deps, sessionId);
    }).catch((err) => deps.log.error('customer presence not recorded', { sessionId, err }));
    presence.set(sessionId, work);
    void work.then(() => { if (presence.get(sessionId) === work) presence.delete(sessionId); });
  };
  const refuse = (c: Context) => {
    if (!sameOrigin(c.req.url, c.req.header('origin'), deps.config.publicUrl.origin)) {
      return c.json(errorBody('cross_origin', 'Socket connections from other sites are not accepted.'), 403);
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json(errorBody('upgrade_required', 'This is a WebSocket endpoint.'), 426);
    return undefined;
  };
  const onError = (what: string) => (event: Event) => deps.log.warn(`${what} socket error`, { event: String(event) });

  return new Hono()
    .get('/ws/console', async (c, next) => {
      const refused = refuse(c);
      if (refused) return refused;
      const cookie = getCookie(c, SESSION_COOKIE) ?? '';
      const signedIn = await resolveAuthSession(deps, cookie);
      if (!signedIn) return c.json(errorBody('unauthorized', 'Sign in first.'), 401);
      const technicianId = signedIn.technician.id;
      const queue = serialQueue(deps, 'console');
      let off = () => {};
      let recheck: ReturnType<typeof setInterval> | undefined;
      const socket: { ws?: WSContext } = {};
      const peer = peerOf(socket);
      const joined = new Set<string>();
      return upgradeWebSocket(() => ({
        onOpen: (_event, ws) => {
          socket.ws = ws;
          sockets.add(ws);
          queue(async () => send(ws, { type: 'snapshot', sessions: await technicianSessions(deps.db, deps.config, technicianId, deps.clock.now()) }));
          off = deps.events.onSessionChanged((change: SessionChanged) => {
            if (change.technicianId !== technicianId) return;
            queue(async () => {
              const session = await sessionView(deps.db, deps.config, change.sessionId);
              if (session) send(ws, { type: 'session', session });
            });
          });
          recheck = setInterval(() => queue(async () => {
            if (!(await resolveAuthSession(deps, cookie))) ws.close(4401, 'signed out');
          }), RECHECK_MS);
        },
        onMessage: (event, ws) => {
          const message = parseClientMessage(event.data, consoleMessage);
          if (message.type === 'ping') return send(ws, { type: 'pong' });
          if (message.type === 'error') return send(ws, message);
          if (message.type === 'media.join' || message.type === 'rtc.offer') joined.add(message.sessionId);
          queue(() => consoleSignal(deps, media, technicianId, peer, (m) => send(ws, m), message));
        },
        onError: onError('console'),
        onClose: (_event, ws) => {
          socket.ws = undefined;
          sockets.delete(ws);
          off();
          clearInterval(recheck);
          for (const id of joined) media?.disconnect(id, 'technician', peer);
        },
      }))(c, next);
    })
    .get('/ws/lens', async (c, next) => {
      const refused = refuse(c);
      if (refused) return refused;
      const session = await customerSession(deps.db, getCookie(c, LENS_COOKIE));
      if (!session) return c.json(errorBody('no_lens_session', 'There is no open session in this browser.'), 401);
      const queue = serialQueue(deps, 'lens');
      let off = () => {};
      const socket: { ws?: WSContext } = {};
      const peer = peerOf(socket);
      return upgradeWebSocket(() => ({
        onOpen: (_event, ws) => {
          socket.ws = ws;
          sockets.add(ws);
          lensSockets.set(session.id, (lensSockets.get(session.id) ?? 0) + 1);
          presenceOf(session.id);
          queue(async () => send(ws, { type: 'state', session: await lensView(deps.db, session) }));
          off = deps.events.onSessionChanged((change) => {
            if (change.sessionId !== session.id) return;
            queue(async () => {
              const current = await sessionById(deps.db, session.id);
              if (!current) return;
              send(ws, { type: 'state', session: await lensView(deps.db, current) });
              // The cookie is dead now; the page shows its end screen.
              if (!isLive(current.state)) ws.close(1000, 'session ended');
            });
          });
        },
        onMessage: (event, ws) => {
          const message = parseClientMessage(event.data, lensMessage);
          if (message.type === 'ping') return send(ws, { type: 'pong' });
          if (message.type === 'error') return send(ws, message);
          queue(() => lensSignal(deps, media, session.id, peer, (m) => send(ws, m), message));
        },
        onError: onError('lens'),
        onClose: (_event, ws) => {
          socket.ws = undefined;
          sockets.delete(ws);
          off();
          media?.disconnect(session.id, 'customer', peer);
          const left = (lensSockets.get(session.id) ?? 1) - 1;
          if (left > 0) lensSockets.set(session.id, left);
          else {
            lensSockets.delete(session.id);
            presenceOf(session.id);
          }
        },
      }))(c, next);
    });
}
