// /ws/console (technician cookie): a snapshot of the technician's sessions, then
// each change; media signalling for the sessions the console joins.
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { resolveAuthSession, resolveAuthSessionByHash, SESSION_COOKIE } from '../auth/sessions.ts';
import type { Deps } from '../deps.ts';
import { errorBody } from '../http/errors.ts';
import { pageIceServers } from '../media/ice-servers.ts';
import type { SessionChanged, SignedOut, ToolEvent } from '../sessions/events.ts';
import { sessionView, technicianSessions } from '../sessions/view.ts';
import { signedInByToken } from '../tokens/bearer.ts';
import { isConsoleTool, type ToolRelay, wrongSide } from '../tools/relay.ts';
import { upgradeTo, type RawSocket } from './bun-socket.ts';
import { consoleMessage, parseClientMessage } from './messages.ts';
import type { SocketRegistry } from './registry.ts';
import type { MediaRouter } from './media-router.ts';
import { Batch, Socket, SocketIndex, sendTo, type SocketKind } from './socket.ts';
import { hexAt, uuidAt, uuidKey, writeTokenHash, writeUuid } from './socket-ids.ts';

/**
 * Sign-ins also end without an event (they expire, or a row is removed by
 * hand): check now and then. Logout, a password reset and disabling close the
 * sockets at once (signedOut). Timed by deps.clock, so a test's frozen clock
 * shows the event, not this check, closed a socket.
 */
const RECHECK_MS = 60_000;
/** How often the one shared timer looks for console sockets due for that check. */
const RECHECK_TICK_MS = 1_000;

/** Every console socket of one app: the index by technician, the shared sign-in re-check, the upgrade. */
export class ConsoleSockets implements SocketKind {
  readonly what = 'console';
  /** Keyed by the technician's uuidKey (socket-ids.ts): the index keeps no string per socket; a listener compares the full id. */
  readonly open = new SocketIndex<ConsoleSocket>();
  private readonly objects = new Batch(() => new ConsoleSocket(this));
  private watched = 0;
  private recheckTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly deps: Deps,
    readonly registry: SocketRegistry,
    readonly media: MediaRouter,
    readonly tools: ToolRelay,
  ) {}

  /** Upgrades a signed-in technician's request; 401 without a valid sign-in. */
  async upgrade(c: Context): Promise<Response> {
    const authorization = c.req.header('authorization');
    // The console's socket is a browser's: an API token is refused as on every
    // browser-only route (401 unknown or revoked, else 403 token_not_allowed), not taken for a missing cookie.
    if (authorization !== undefined)
      await signedInByToken(this.deps, { method: 'GET', path: '/ws/console', authorization });
    const cookie = getCookie(c, SESSION_COOKIE) ?? '';
    const signedIn = await resolveAuthSession(this.deps, cookie);
    if (!signedIn) return c.json(errorBody('unauthorized', 'Sign in first.'), 401);
    return upgradeTo(c, this.objects.take().signedIn(cookie, signedIn.technician.id, signedIn.authSessionId));
  }

  /** A session changed: the sockets of its technician send it. */
  changed(change: SessionChanged): void {
    this.open.forEach(uuidKey(change.technicianId), (socket) => {
      if (socket.technicianId === change.technicianId) socket.changed(change.sessionId);
    });
  }

  /** A live tool's event for the technician: the consoles here that joined the session's media get it; how many there were. */
  tool(event: ToolEvent): number {
    return this.tellJoined(event.technicianId, event.sessionId, event.message);
  }

  /** A message for the technician's consoles here that joined the session's media; how many there were. */
  tellJoined(technicianId: string, sessionId: string, message: unknown): number {
    let text: string | undefined;
    let sent = 0;
    this.open.forEach(uuidKey(technicianId), (socket) => {
      if (socket.technicianId !== technicianId || !socket.joinedTo(sessionId)) return;
      text ??= JSON.stringify(message);
      socket.sendText(text);
      sent++;
    });
    return sent;
  }

  /** Sign-ins ended: their sockets close now, before anything else is sent to them. */
  signedOut(event: SignedOut): void {
    this.open.forEach(uuidKey(event.technicianId), (socket) => {
      if (socket.technicianId !== event.technicianId) return;
      const authSessionId = socket.authSessionId;
      const ended = event.authSessionId
        ? authSessionId === event.authSessionId
        : authSessionId !== event.keptAuthSessionId;
      if (ended) socket.signOut();
    });
  }

  // One timer re-checks every console socket's sign-in, each RECHECK_MS after the
  // last check, instead of one interval timer per socket. It runs only while a
  // console socket is open. When a socket is due is a field of the socket, not a
  // map entry: every object an idle socket adds costs (see bench/sockets.ts).
  watchSignIn(socket: ConsoleSocket): void {
    socket.recheckAt = this.deps.clock.now().getTime() + RECHECK_MS;
    this.watched++;
    this.recheckTimer ??= setInterval(() => this.recheckDue(), RECHECK_TICK_MS);
  }

  unwatchSignIn(): void {
    this.watched--;
    if (this.watched === 0 && this.recheckTimer) {
      clearInterval(this.recheckTimer);
      this.recheckTimer = undefined;
    }
  }

  private recheckDue(): void {
    const now = this.deps.clock.now().getTime();
    this.open.all((socket) => {
      if (socket.recheckAt > now) return;
      socket.recheckAt = now + RECHECK_MS;
      socket.recheck();
    });
  }
}

class ConsoleSocket extends Socket<ConsoleSockets> {
  /** Sessions this socket joined the media of (made on the first join: most consoles never do). */
  private joined?: Set<string> = undefined;

  /**
   * Set once, by signedIn(), before the upgrade (the object itself is made
   * earlier, in a Batch): the sign-in cookie's hash, the technician's id and
   * the sign-in's id, as bytes, not strings (see socket-ids.ts). An idle
   * socket holds no secret either.
   */
  private readonly ids = new Uint8Array(64); // 0–31 the cookie's SHA-256, 32–47 the technician, 48–63 the sign-in
  private key = 0;
  /** When the shared timer next re-checks the sign-in (ms since the epoch). */
  recheckAt = 0;

  signedIn(cookie: string, technicianId: string, authSessionId: string): this {
    writeTokenHash(this.ids, 0, cookie);
    writeUuid(this.ids, 32, technicianId);
    writeUuid(this.ids, 48, authSessionId);
    this.key = uuidKey(technicianId);
    return this;
  }

  joinedTo(sessionId: string): boolean {
    return this.joined?.has(sessionId) ?? false;
  }

  get technicianId(): string {
    return uuidAt(this.ids, 32);
  }

  get authSessionId(): string {
    return uuidAt(this.ids, 48);
  }

  opened(ws: RawSocket): void {
    const { deps } = this.kind;
    this.ws = ws;
    this.kind.registry.add(ws, 'console');
    this.kind.open.add(this.key, this);
    this.kind.watchSignIn(this);
    // The sign-in again, now that sign-outs reach this socket: one that ended
    // after the upgrade checked it, but before this, sent its event to nobody.
    this.queue(async () => {
      if (!(await this.stillSignedIn())) return this.signOut();
      this.send({
        type: 'snapshot',
        sessions: await technicianSessions(deps.db, deps.config, this.technicianId, deps.clock.now()),
        iceServers: pageIceServers(deps),
      });
    });
  }

  changed(sessionId: string): void {
    const { deps } = this.kind;
    this.queue(async () => {
      const session = await sessionView(deps.db, deps.config, sessionId);
      if (session) this.send({ type: 'session', session });
    });
  }

  recheck(): void {
    this.queue(async () => {
      if (!(await this.stillSignedIn())) this.signOut();
    });
  }

  private async stillSignedIn(): Promise<boolean> {
    return !!(await resolveAuthSessionByHash(this.kind.deps, hexAt(this.ids, 0, 32)));
  }

  /**
   * The sign-in ended: close with 4401. `ws` is dropped first, so from here on
   * send() sends nothing and queued work, or a message still arriving, is not
   * acted on, whatever Bun does with the close.
   */
  signOut(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(4401, 'signed out');
  }

  received(ws: RawSocket, data: string | Buffer): void {
    if (!this.ws) return; // signed out: refused unanswered
    const message = parseClientMessage(data, consoleMessage);
    if (message.type === 'ping' || message.type === 'error') {
      sendTo(ws, message.type === 'ping' ? { type: 'pong' } : (wrongSide(data, 'technician') ?? message));
      return;
    }
    if (isConsoleTool(message)) {
      this.kind.tools.fromConsole(this, this.technicianId, message);
      return;
    }
    if (message.type === 'stats.sample') {
      this.kind.tools.quality.take(this, this.technicianId, message);
      return;
    }
    if (message.type === 'media.join' || message.type === 'rtc.offer' || message.type === 'rtc.restart') {
      this.joined ??= new Set();
      this.joined.add(message.sessionId);
    }
    this.queue(async () => {
      if (this.ws) await this.kind.media.fromConsole(this.technicianId, this, (m) => this.send(m), message);
    });
  }

  closed(ws: RawSocket): void {
    this.ws = undefined;
    this.kind.registry.delete(ws, 'console');
    this.kind.open.delete(this.key, this);
    this.kind.unwatchSignIn();
    for (const id of this.joined ?? []) this.kind.media.disconnect(id, 'technician', this);
    this.kind.media.release(this);
  }
}
