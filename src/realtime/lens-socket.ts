// /ws/lens (customer cookie): the session's state on each change, the customer's
// presence (arrived / left), and media signalling for the Lens page.
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { errorBody } from '../http/errors.ts';
import { pageIceServers } from '../media/ice-servers.ts';
import { customerSession, LENS_COOKIE, lensView, sessionById } from '../sessions/customer.ts';
import type { SessionChanged, ToolEvent } from '../sessions/events.ts';
import { customerArrived, customerLeft } from '../sessions/presence.ts';
import { isLive } from '../sessions/states.ts';
import { isLensTool, type ToolRelay, wrongSide } from '../tools/relay.ts';
import { upgradeTo, type RawSocket } from './bun-socket.ts';
import { lensMessage, parseClientMessage } from './messages.ts';
import type { SocketRegistry } from './registry.ts';
import type { MediaRouter } from './media-router.ts';
import { Batch, Socket, SocketIndex, sendTo, type SocketKind } from './socket.ts';
import { uuidAt, uuidKey, writeUuid } from './socket-ids.ts';

type SessionRow = typeof lensSessions.$inferSelect;

/** Every Lens socket of one app: the index by session, the presence writes, the upgrade. */
export class LensSockets implements SocketKind {
  readonly what = 'lens';
  /** Keyed by the session's uuidKey (socket-ids.ts); a listener compares the full id. */
  readonly open = new SocketIndex<LensSocket>();
  private readonly objects = new Batch(() => new LensSocket(this));
  /** The presence chain of each session with a write pending (see presenceOf). */
  private readonly presence = new Map<string, Promise<void>>();

  constructor(
    readonly deps: Deps,
    readonly registry: SocketRegistry,
    readonly media: MediaRouter,
    readonly tools: ToolRelay,
  ) {}

  /** Upgrades a request whose cookie belongs to a live session; 401 otherwise. */
  async upgrade(c: Context): Promise<Response> {
    const session = await customerSession(this.deps.db, getCookie(c, LENS_COOKIE));
    if (!session) return c.json(errorBody('no_lens_session', 'There is no open session in this browser.'), 401);
    return upgradeTo(c, this.objects.take().of(session));
  }

  /** A session changed: its Lens sockets send the new state. */
  changed(change: SessionChanged): void {
    this.open.forEach(uuidKey(change.sessionId), (socket) => {
      if (socket.sessionId === change.sessionId) socket.changed();
    });
  }

  /** A live tool's event for the customer: every Lens socket of the session here gets it; how many there were. */
  tool(event: ToolEvent): number {
    return this.tell(event.sessionId, event.message);
  }

  /** A message for every Lens socket of the session here; how many there were. */
  tell(sessionId: string, message: unknown): number {
    let text: string | undefined;
    let sent = 0;
    this.open.forEach(uuidKey(sessionId), (socket) => {
      if (socket.sessionId !== sessionId) return;
      text ??= JSON.stringify(message);
      socket.sendText(text);
      sent++;
    });
    return sent;
  }

  /** The customer is gone only when the last Lens socket of the session closes. */
  openSockets(sessionId: string): number {
    let open = 0;
    this.open.forEach(uuidKey(sessionId), (socket) => {
      if (socket.sessionId === sessionId) open++;
    });
    return open;
  }

  /**
   * Records whether the customer is there. Presence writes for one session run
   * in order on one chain, whichever socket triggers them, and "left" is
   * re-checked when it runs: a reload's new socket may have opened in the meantime.
   */
  presenceOf(sessionId: string): void {
    const { deps, presence } = this;
    const work = (presence.get(sessionId) ?? Promise.resolve())
      .then(async () => {
        if (this.openSockets(sessionId) > 0) await customerArrived(deps, sessionId);
        else await customerLeft(deps, sessionId);
      })
      .catch((err) => deps.log.error('customer presence not recorded', { sessionId, err }));
    presence.set(sessionId, work);
    void work.then(() => {
      if (presence.get(sessionId) === work) presence.delete(sessionId);
    });
  }
}

class LensSocket extends Socket<LensSockets> {
  /** Set once, by of(), before the upgrade (the object itself is made earlier, in a Batch): the session's id as bytes (see socket-ids.ts). */
  private readonly ids = new Uint8Array(16);
  private key = 0;
  /** The row the cookie was checked against, for the first state only: an idle socket keeps just the id. */
  private first?: SessionRow = undefined;

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
    this.kind.registry.add(ws, 'lens');
    this.kind.open.add(this.key, this);
    this.kind.presenceOf(session.id);
    const { deps } = this.kind;
    this.queue(async () =>
      this.send({ type: 'state', session: await lensView(deps.db, session), iceServers: pageIceServers(deps) }),
    );
  }

  changed(): void {
    const { deps } = this.kind;
    this.queue(async () => {
      const current = await sessionById(deps.db, this.sessionId);
      if (!current) return;
      // A fresh TURN credential with each state: the page's next ICE restart uses it.
      this.send({ type: 'state', session: await lensView(deps.db, current), iceServers: pageIceServers(deps) });
      // The cookie is dead now; the page shows its end screen.
      if (!isLive(current.state)) this.ws?.close(1000, 'session ended');
    });
  }

  received(ws: RawSocket, data: string | Buffer): void {
    const message = parseClientMessage(data, lensMessage);
    if (message.type === 'ping' || message.type === 'error') {
      sendTo(ws, message.type === 'ping' ? { type: 'pong' } : (wrongSide(data, 'customer') ?? message));
      return;
    }
    if (isLensTool(message)) {
      this.kind.tools.fromLens(this, this.sessionId, message);
      return;
    }
    this.queue(() => this.kind.media.fromLens(this.sessionId, this, (m) => sendTo(ws, m), message));
  }

  closed(ws: RawSocket): void {
    const id = this.sessionId;
    this.ws = undefined;
    this.kind.registry.delete(ws, 'lens');
    this.kind.open.delete(this.key, this);
    this.kind.media.disconnect(id, 'customer', this);
    this.kind.media.release(this);
    if (this.kind.openSockets(id) === 0) this.kind.presenceOf(id);
  }
}
