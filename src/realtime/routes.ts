// /ws/console (technician cookie): a snapshot of the technician's sessions, then
// each change. /ws/lens (customer cookie): the session's state on each change.
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { resolveAuthSession, resolveAuthSessionByHash, SESSION_COOKIE } from '../auth/sessions.ts';
import type { Deps } from '../deps.ts';
import { errorBody } from '../http/errors.ts';
import { customerSession, LENS_COOKIE, lensView, sessionById } from '../sessions/customer.ts';
import type { lensSessions } from '../db/schema.ts';
import type { SessionChanged } from '../sessions/events.ts';
import { isLive } from '../sessions/states.ts';
import { sessionView, technicianSessions } from '../sessions/view.ts';
import type { MediaService, Peer } from '../media/service.ts';
import { customerArrived, customerLeft } from '../sessions/presence.ts';
import { consoleMessage, lensMessage, parseClientMessage, sameOrigin } from './messages.ts';
import { upgradeTo, type RawSocket, type SocketEvents } from './bun-socket.ts';
import type { SocketRegistry } from './registry.ts';
import { hexAt, uuidAt, uuidKey, writeTokenHash, writeUuid } from './socket-ids.ts';
import { consoleSignal, lensSignal } from './signalling.ts';

type SessionRow = typeof lensSessions.$inferSelect;

/** Sign-ins end (logout, disabled technician) without the socket hearing of it: check now and then. */
const RECHECK_MS = 60_000;
/** How often the one shared timer looks for console sockets due for that check. */
const RECHECK_TICK_MS = 1_000;

const send = (ws: RawSocket, message: unknown) => {
  if (ws.readyState === 1) ws.send(JSON.stringify(message));
};

/**
 * Open sockets by key (the uuidKey of their technician or session, see
 * socket-ids.ts): usually one per key, so one is stored as itself and only a
 * second makes a Set. Every object an idle socket keeps costs more than its
 * size (see bench/sockets.ts), so it keeps as few as it can.
 */
class SocketIndex<T extends object> {
  private readonly byKey = new Map<number, T | Set<T>>();

  add(key: number, item: T): void {
    const there = this.byKey.get(key);
    if (there === undefined) this.byKey.set(key, item);
    else if (there instanceof Set) there.add(item);
    else this.byKey.set(key, new Set([there, item]));
  }

  delete(key: number, item: T): void {
    const there = this.byKey.get(key);
    if (there === item) this.byKey.delete(key);
    else if (there instanceof Set && there.delete(item) && there.size === 0) this.byKey.delete(key);
  }

  /** Every item, under every key. */
  all(each: (item: T) => void): void {
    for (const there of this.byKey.values()) {
      if (there instanceof Set) there.forEach(each);
      else each(there);
    }
  }

  forEach(key: number, each: (item: T) => void): void {
    const there = this.byKey.get(key);
    if (there instanceof Set) there.forEach(each);
    else if (there !== undefined) each(there);
  }
}

const IDLE = Promise.resolve();

/**
 * Objects made `size` at a time and handed out one by one, never reused. JSC
 * does not move objects, so a socket object made amid an upgrade's garbage
 * (request, cookie lookup, query rows) later pins a mostly empty heap block of
 * its own, ~16 KiB per idle socket; made together, they share blocks
 * (bench/sockets.ts: an idle Lens socket 21 → 13.5 KiB). The spares cost a few KiB.
 */
class Batch<T> {
  private readonly spare: T[] = [];

  constructor(
    private readonly make: () => T,
    private readonly size = 64,
  ) {}

  take(): T {
    if (this.spare.length === 0) for (let i = 0; i < this.size; i++) this.spare.push(this.make());
    return this.spare.pop()!;
  }
}

/**
 * One open socket: its events (Bun hands them to this object, the upgrade's data:
 * bun-socket.ts), the peer the media service knows it by (one object for the
 * socket's whole life), and a queue that runs its work in order (so a client
 * never sees an older state after a newer one) and never lets a failure escape:
 * a database hiccup must not take the process down with every other socket.
 * A class rather than closures: an idle socket holds this one object, not a
 * dozen functions and their scopes (see bench/sockets.ts).
 */
abstract class Socket implements Peer, SocketEvents {
  /** Bun's socket, while open. (Every field starts in the constructor: the object's shape is fixed when its Batch makes it.) */
  ws?: RawSocket = undefined;
  private chain = IDLE;

  constructor(
    protected readonly deps: Deps,
    private readonly what: 'console' | 'lens',
  ) {}

  /** Peer: media signals for this socket's page. */
  send(message: unknown): void {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(message));
  }

  abstract opened(ws: RawSocket): void;
  abstract received(ws: RawSocket, message: string | Buffer): void;
  abstract closed(ws: RawSocket, code: number, reason: string): void;

  failed(error: unknown): void {
    this.deps.log.warn(`${this.what} socket error`, { err: error });
  }

  queue(work: () => Promise<void>): void {
    const next = this.chain
      .then(work)
      .catch((err) => this.deps.log.error(`${this.what} socket update failed`, { err }));
    this.chain = next;
    // An idle socket goes back to the shared settled promise instead of keeping its last one.
    void next.then(() => {
      if (this.chain === next) this.chain = IDLE;
    });
  }
}

export function realtimeRoutes(deps: Deps, sockets: SocketRegistry, media?: MediaService) {
  // Open sockets by whom a session change concerns: one listener for all of them,
  // so a change costs a map lookup, not a call into every open socket.
  // Keyed by numbers (socket-ids.ts), so the indexes keep no string per socket; a listener compares the full id.
  const consoles = new SocketIndex<ConsoleSocket>();
  const lenses = new SocketIndex<LensSocket>();
  deps.events.onSessionChanged((change: SessionChanged) => {
    consoles.forEach(uuidKey(change.technicianId), (socket) => {
      if (socket.technicianId === change.technicianId) socket.changed(change.sessionId);
    });
    lenses.forEach(uuidKey(change.sessionId), (socket) => {
      if (socket.sessionId === change.sessionId) socket.changed();
    });
  });

  // One timer re-checks every console socket's sign-in, each RECHECK_MS after the
  // last check, instead of one interval timer per socket. It runs only while a
  // console socket is open. When a socket is due is a field of the socket, not a
  // map entry: every object an idle socket adds costs (see bench/sockets.ts).
  let openConsoles = 0;
  let recheckTimer: ReturnType<typeof setInterval> | undefined;
  const recheckDue = () => {
    const now = Date.now();
    consoles.all((socket) => {
      if (socket.recheckAt > now) return;
      socket.recheckAt = now + RECHECK_MS;
      socket.recheck();
    });
  };
  const watchSignIn = (socket: ConsoleSocket) => {
    socket.recheckAt = Date.now() + RECHECK_MS;
    openConsoles++;
    recheckTimer ??= setInterval(recheckDue, RECHECK_TICK_MS);
  };
  const unwatchSignIn = () => {
    openConsoles--;
    if (openConsoles === 0 && recheckTimer) {
      clearInterval(recheckTimer);
      recheckTimer = undefined;
    }
  };

  class ConsoleSocket extends Socket {
    /** Sessions this socket joined the media of (made on the first join: most consoles never do). */
    private joined?: Set<string> = undefined;

    /**
     * Set once, by signedIn(), before the upgrade (the object itself is made
     * earlier, in a Batch): the sign-in cookie's hash and the technician's id,
     * as bytes, not strings (see socket-ids.ts). An idle socket holds no secret either.
     */
    private readonly ids = new Uint8Array(48); // 0–31 the cookie's SHA-256, 32–47 the technician
    private key = 0;
    /** When the shared timer next re-checks the sign-in (ms since the epoch). */
    recheckAt = 0;

    constructor() {
      super(deps, 'console');
    }

    signedIn(cookie: string, technicianId: string): this {
      writeTokenHash(this.ids, 0, cookie);
      writeUuid(this.ids, 32, technicianId);
      this.key = uuidKey(technicianId);
      return this;
    }

    get technicianId(): string {
      return uuidAt(this.ids, 32);
    }

    opened(ws: RawSocket): void {
      this.ws = ws;
      sockets.add(ws);
      this.queue(async () =>
        this.send({
          type: 'snapshot',
          sessions: await technicianSessions(deps.db, deps.config, this.technicianId, deps.clock.now()),
        }),
      );
      consoles.add(this.key, this);
      watchSignIn(this);
    }

    changed(sessionId: string): void {
      this.queue(async () => {
        const session = await sessionView(deps.db, deps.config, sessionId);
        if (session) this.send({ type: 'session', session });
      });
    }

    recheck(): void {
      this.queue(async () => {
        if (!(await resolveAuthSessionByHash(deps, hexAt(this.ids, 0, 32)))) this.ws?.close(4401, 'signed out');
      });
    }

    received(ws: RawSocket, data: string | Buffer): void {
      const message = parseClientMessage(data, consoleMessage);
      if (message.type === 'ping') return send(ws, { type: 'pong' });
      if (message.type === 'error') return send(ws, message);
      if (message.type === 'media.join' || message.type === 'rtc.offer')
        (this.joined ??= new Set()).add(message.sessionId);
      this.queue(() => consoleSignal(deps, media, this.technicianId, this, (m) => send(ws, m), message));
    }

    closed(ws: RawSocket): void {
      this.ws = undefined;
      sockets.delete(ws);
      consoles.delete(this.key, this);
      unwatchSignIn();
      for (const id of this.joined ?? []) media?.disconnect(id, 'technician', this);
    }
  }

  // The customer is gone only when the last Lens socket of the session closes.
  const openLensSockets = (sessionId: string) => {
    let open = 0;
    lenses.forEach(uuidKey(sessionId), (socket) => {
      if (socket.sessionId === sessionId) open++;
    });
    return open;
  };
  // Presence writes for one session run in order on one chain, whichever socket
  // triggers them, and "left" is re-checked when it runs: a reload's new socket
  // may have opened in the meantime.
  const presence = new Map<string, Promise<void>>();
  const presenceOf = (sessionId: string) => {
    const work = (presence.get(sessionId) ?? Promise.resolve())
      .then(async () => {
        if (openLensSockets(sessionId) > 0) await customerArrived(deps, sessionId);
        else await customerLeft(deps, sessionId);
      })
      .catch((err) => deps.log.error('customer presence not recorded', { sessionId, err }));
    presence.set(sessionId, work);
    void work.then(() => {
      if (presence.get(sessionId) === work) presence.delete(sessionId);
    });
  };

  class LensSocket extends Socket {
    /** Set once, by of(), before the upgrade (the object itself is made earlier, in a Batch): the session's id as bytes (see socket-ids.ts). */
    private readonly ids = new Uint8Array(16);
    private key = 0;
    /** The row the cookie was checked against, for the first state only: an idle socket keeps just the id. */
    private first?: SessionRow = undefined;

    constructor() {
      super(deps, 'lens');
    }

    of(session: SessionRow): this {
      writeUuid(this.ids, 0, session.id);
      this.key = uuidKey(session.id);
      this.first = session;
      return this;
    }

    get sessionId(): string {
      return uuidAt(this.ids, 0);
    }

    opened(ws: RawSocket): void {
      const session = this.first!;
      this.first = undefined;
      this.ws = ws;
      sockets.add(ws);
      lenses.add(this.key, this);
      presenceOf(session.id);
      this.queue(async () => this.send({ type: 'state', session: await lensView(deps.db, session) }));
    }

    changed(): void {
      this.queue(async () => {
        const current = await sessionById(deps.db, this.sessionId);
        if (!current) return;
        this.send({ type: 'state', session: await lensView(deps.db, current) });
        // The cookie is dead now; the page shows its end screen.
        if (!isLive(current.state)) this.ws?.close(1000, 'session ended');
      });
    }

    received(ws: RawSocket, data: string | Buffer): void {
      const message = parseClientMessage(data, lensMessage);
      if (message.type === 'ping') return send(ws, { type: 'pong' });
      if (message.type === 'error') return send(ws, message);
      this.queue(() => lensSignal(deps, media, this.sessionId, this, (m) => send(ws, m), message));
    }

    closed(ws: RawSocket): void {
      const id = this.sessionId;
      this.ws = undefined;
      sockets.delete(ws);
      lenses.delete(this.key, this);
      media?.disconnect(id, 'customer', this);
      if (openLensSockets(id) === 0) presenceOf(id);
    }
  }

  const consoleSockets = new Batch(() => new ConsoleSocket());
  const lensSocketObjects = new Batch(() => new LensSocket());

  const refuse = (c: Context) => {
    if (!sameOrigin(c.req.url, c.req.header('origin'), deps.config.publicUrl.origin)) {
      return c.json(errorBody('cross_origin', 'Socket connections from other sites are not accepted.'), 403);
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
      return c.json(errorBody('upgrade_required', 'This is a WebSocket endpoint.'), 426);
    return undefined;
  };

  return new Hono()
    .get('/ws/console', async (c) => {
      const refused = refuse(c);
      if (refused) return refused;
      const cookie = getCookie(c, SESSION_COOKIE) ?? '';
      const signedIn = await resolveAuthSession(deps, cookie);
      if (!signedIn) return c.json(errorBody('unauthorized', 'Sign in first.'), 401);
      return upgradeTo(c, consoleSockets.take().signedIn(cookie, signedIn.technician.id));
    })
    .get('/ws/lens', async (c) => {
      const refused = refuse(c);
      if (refused) return refused;
      const session = await customerSession(deps.db, getCookie(c, LENS_COOKIE));
      if (!session) return c.json(errorBody('no_lens_session', 'There is no open session in this browser.'), 401);
      return upgradeTo(c, lensSocketObjects.take().of(session));
    });
}
