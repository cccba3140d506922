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
import { parseClientMessage, sameOrigin } from './messages.ts';
import type { SocketRegistry } from './registry.ts';

/** Sign-ins end (logout, disabled technician) without the socket hearing of it: check now and then. */
const RECHECK_MS = 60_000;

// hono/bun's WSContext snapshots readyState when it is made; the raw socket's is current.
const isOpen = (ws: WSContext) => (ws.raw as { readyState: number } | undefined)?.readyState === 1;
const send = (ws: WSContext, message: unknown) => {
  if (isOpen(ws)) ws.send(JSON.stringify(message));
};

function answer(ws: WSContext, raw: unknown) {
  const message = parseClientMessage(raw);
  send(ws, message.type === 'ping' ? { type: 'pong' } : message);
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

export function realtimeRoutes(deps: Deps, sockets: SocketRegistry) {
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
      return upgradeWebSocket(() => ({
        onOpen: (_event, ws) => {
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
        onMessage: (event, ws) => answer(ws, event.data),
        onError: onError('console'),
        onClose: (_event, ws) => {
          sockets.delete(ws);
          off();
          clearInterval(recheck);
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
      return upgradeWebSocket(() => ({
        onOpen: (_event, ws) => {
          sockets.add(ws);
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
        onMessage: (event, ws) => answer(ws, event.data),
        onError: onError('lens'),
        onClose: (_event, ws) => {
          sockets.delete(ws);
          off();
        },
      }))(c, next);
    });
}
