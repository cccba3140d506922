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
import { isLive } from '../sessions/states.ts';
import { sessionView, technicianSessions } from '../sessions/view.ts';
import { parseClientMessage, sameOrigin } from './messages.ts';
import type { SocketRegistry } from './registry.ts';

/** Sign-ins end (logout, disabled technician) without the socket hearing of it: check now and then. */
const RECHECK_MS = 60_000;

const send = (ws: WSContext, message: unknown) => {
  if (ws.readyState === 1) ws.send(JSON.stringify(message));
};

function answer(ws: WSContext, raw: unknown) {
  const message = parseClientMessage(raw);
  send(ws, message.type === 'ping' ? { type: 'pong' } : message);
}

export function realtimeRoutes(deps: Deps, sockets: SocketRegistry) {
  const refuse = (c: Context) => {
    if (!sameOrigin(c.req.url, c.req.header('origin'), deps.config.publicUrl.origin)) {
      return c.json(errorBody('cross_origin', 'Socket connections from other sites are not accepted.'), 403);
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json(errorBody('upgrade_required', 'This is a WebSocket endpoint.'), 426);
    return undefined;
  };

  return new Hono()
    .get('/ws/console', async (c, next) => {
      const refused = refuse(c);
      if (refused) return refused;
      const signedIn = await resolveAuthSession(deps, getCookie(c, SESSION_COOKIE) ?? '');
      if (!signedIn) return c.json(errorBody('unauthorized', 'Sign in first.'), 401);
      const technicianId = signedIn.technician.id;
      const cookie = getCookie(c, SESSION_COOKIE) ?? '';
      let off = () => {};
      let recheck: ReturnType<typeof setInterval> | undefined;
      return upgradeWebSocket(() => ({
        onOpen: async (_event, ws) => {
          sockets.add(ws);
          off = deps.events.onSessionChanged(async (change) => {
            if (change.technicianId !== technicianId) return;
            const session = await sessionView(deps.db, deps.config, change.sessionId);
            if (session) send(ws, { type: 'session', session });
          });
          recheck = setInterval(async () => {
            if (!(await resolveAuthSession(deps, cookie))) ws.close(4401, 'signed out');
          }, RECHECK_MS);
          send(ws, { type: 'snapshot', sessions: await technicianSessions(deps.db, deps.config, technicianId, deps.clock.now()) });
        },
        onMessage: (event, ws) => answer(ws, event.data),
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
      let off = () => {};
      return upgradeWebSocket(() => ({
        onOpen: async (_event, ws) => {
          sockets.add(ws);
          off = deps.events.onSessionChanged(async (change) => {
            if (change.sessionId !== session.id) return;
            const current = await sessionById(deps.db, session.id);
            if (!current) return;
            send(ws, { type: 'state', session: await lensView(deps.db, current) });
            // The cookie is dead now; the page shows its end screen.
            if (!isLive(current.state)) ws.close(1000, 'session ended');
          });
          send(ws, { type: 'state', session: await lensView(deps.db, session) });
        },
        onMessage: (event, ws) => answer(ws, event.data),
        onClose: (_event, ws) => {
          sockets.delete(ws);
          off();
        },
      }))(c, next);
    });
}
