// Where a page's media signalling is handled. On one node: here, always. With
// several nodes, each session's media lives on one node (its home,
// src/cluster/media-home.ts): a message from a page whose socket is on
// another node is mailed there (src/cluster/mail.ts), handled by the same code
// as a local one (signalling.ts), and what the media layer says back to that
// page is mailed to the node holding its socket. Start's room, Janus's resume
// at Start and a failed Start's close are asked of the home the same way, and
// answered.
//
// The home checks everything, as for its own pages: the node holding the
// socket only vouches for who the page is (the Lens cookie's session, the
// console's signed-in technician), as it does on one node.
import { claimMediaHome } from '../cluster/media-home.ts';
import type { Mail } from '../cluster/mail.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';
import { MediaUnavailable, type MediaService, type Peer, type SessionRef, type Side } from '../media/service.ts';
import type { Room } from '../media/videoroom.ts';
import type { RoomOpener } from '../sessions/live.ts';
import { ENDED_STATES } from '../sessions/states.ts';
import type { ConsoleMessage } from './messages.ts';
import { consoleSignal, lensSignal, type MediaMessage } from './signalling.ts';

type Reply = (message: unknown) => void;
type ConsoleMediaMessage = Exclude<ConsoleMessage, { type: 'ping' }>;
/** How long a home has to answer a call before Start is refused (Janus's own requests time out after 10 s). */
const CALL_TIMEOUT_MS = 15_000;
/** Sessions whose home is remembered; the oldest are forgotten first (and read again when needed). */
const HOMES_KEPT = 50_000;
/** How long a phone that joins a taken-over session has to publish before it is told to (see adopt). */
const ADOPTED_JOIN_MS = 1_000;

type Signal = { side: Side; sessionId: string; technicianId?: string; peer: number; message: unknown };
type Call = { id: number; op: 'openRoom' | 'activate' | 'close'; args: unknown[] };
type Result = { id: number; ok: boolean; value?: unknown; message?: string; unavailable?: boolean };

/** A page on another node, as the media layer here sees it: what it is sent is mailed to that node. */
class RemotePeer implements Peer {
  private work: Promise<void> = Promise.resolve();
  constructor(
    private readonly mail: Mail,
    private readonly node: string,
    private readonly id: number,
    private readonly log: Logger,
  ) {}

  send(signal: unknown): void {
    this.mail.send(this.node, 'media.page', { peer: this.id, signal });
  }

  /** The page's messages are handled in the order it sent them, as its socket's queue does on its own node. */
  queue(work: () => Promise<void>): void {
    this.work = this.work
      .then(work)
      .catch((err) => this.log.error('media signal from another node failed', { node: this.node, err }));
  }
}

export class MediaRouter {
  private readonly homes = new Map<string, string>();
  private readonly local = new Map<number, Peer>();
  private readonly localIds = new WeakMap<Peer, number>();
  /** The homes each local page's messages went to: told when its socket closes. */
  private readonly sentTo = new Map<number, Set<string>>();
  private readonly remote = new Map<string, RemotePeer>();
  private readonly calls = new Map<number, { done(result: Result): void }>();
  private nextId = 1;
  /** Sessions taken over here whose phone has not published here yet (see adopt). */
  private readonly adopted = new Set<string>();

  constructor(
    private readonly deps: Deps,
    readonly media: MediaService | undefined,
    private readonly mail?: Mail,
  ) {
    deps.events.onMediaMoved((moved) => {
      this.remember(moved.sessionId, moved.node);
      if (moved.node === deps.nodeId) this.adopted.add(moved.sessionId);
    });
    deps.events.onSessionChanged(({ sessionId, state }) => {
      if (!state || !ENDED_STATES.includes(state as never)) return;
      this.homes.delete(sessionId);
      this.adopted.delete(sessionId);
    });
    if (mail) this.listen(mail);
  }

  /** A media message from a Lens socket, for the session its cookie is bound to. */
  async fromLens(sessionId: string, peer: Peer, reply: Reply, message: MediaMessage): Promise<void> {
    const home = await this.homeOf(sessionId);
    if (home !== this.deps.nodeId)
      return this.forward(home, { side: 'customer', sessionId, peer: this.idOf(peer, home), message });
    this.adopt(sessionId, peer, message);
    return lensSignal(this.deps, this.media, sessionId, peer, reply, message);
  }

  /**
   * A phone whose socket came back only after its session's media moved here
   * missed the media.restart, and may still take its old publishing connection
   * for live (Janus ended it with the dead node): it only joins. Told to
   * publish anew when it has not within a moment; a phone that got the restart
   * publishes right after its join, and is not told twice.
   */
  private adopt(sessionId: string, peer: Peer, message: MediaMessage): void {
    if (!this.adopted.has(sessionId)) return;
    if (message.type === 'rtc.offer' && !message.iceRestart) this.adopted.delete(sessionId);
    if (message.type !== 'media.join') return;
    setTimeout(() => {
      if (this.adopted.delete(sessionId)) peer.send({ type: 'media.restart', sessionId, reason: 'media_server_moved' });
    }, ADOPTED_JOIN_MS).unref();
  }

  /** A media message from a console socket of `technicianId`, for the session it names. */
  async fromConsole(technicianId: string, peer: Peer, reply: Reply, message: ConsoleMediaMessage): Promise<void> {
    const home = await this.homeOf(message.sessionId);
    if (home === this.deps.nodeId) return consoleSignal(this.deps, this.media, technicianId, peer, reply, message);
    const signal = { side: 'technician' as const, sessionId: message.sessionId, technicianId, message };
    this.forward(home, { ...signal, peer: this.idOf(peer, home) });
  }

  /** A page's socket closed: it no longer signals for that side of the session. */
  disconnect(sessionId: string, side: Side, peer: Peer): void {
    this.media?.disconnect(sessionId, side, peer);
    const home = this.homes.get(sessionId);
    const id = this.localIds.get(peer);
    if (this.mail && home && home !== this.deps.nodeId && id !== undefined)
      this.mail.send(home, 'media.disconnect', { sessionId, side, peer: id });
  }

  /** The socket is gone for good: nothing more is delivered to it. */
  release(peer: Peer): void {
    const id = this.localIds.get(peer);
    if (id === undefined) return;
    this.local.delete(id);
    for (const home of this.sentTo.get(id) ?? []) this.mail?.send(home, 'media.release', { peer: id });
    this.sentTo.delete(id);
  }

  /** Start's media, on the session's home (see RoomOpener). */
  readonly rooms: RoomOpener = {
    openRoom: (session, opts) => this.onHome<Room>(session.id, 'openRoom', [pickRef(session), opts ?? {}]),
    activate: (sessionId) => this.onHome<void>(sessionId, 'activate', [sessionId]),
    close: (session, opts) => this.onHome<boolean>(session.id, 'close', [pickRef(session), opts]),
  };

  private async homeOf(sessionId: string): Promise<string> {
    if (!this.mail) return this.deps.nodeId;
    const known = this.homes.get(sessionId);
    if (known) return known;
    const home = await claimMediaHome(this.deps, sessionId);
    this.remember(sessionId, home);
    return home;
  }

  private remember(sessionId: string, home: string): void {
    this.homes.delete(sessionId);
    this.homes.set(sessionId, home);
    if (this.homes.size > HOMES_KEPT) this.homes.delete(this.homes.keys().next().value!);
  }

  private forward(home: string, signal: Signal): void {
    this.mail!.send(home, 'media.signal', signal);
  }

  private idOf(peer: Peer, home: string): number {
    let id = this.localIds.get(peer);
    if (id === undefined) {
      id = this.nextId++;
      this.localIds.set(peer, id);
      this.local.set(id, peer);
    }
    const homes = this.sentTo.get(id) ?? new Set<string>();
    this.sentTo.set(id, homes.add(home));
    return id;
  }

  private remotePeer(node: string, id: number): RemotePeer {
    const key = `${node}\n${id}`;
    const peer = this.remote.get(key) ?? new RemotePeer(this.mail!, node, id, this.deps.log);
    this.remote.set(key, peer);
    return peer;
  }

  private async onHome<T>(sessionId: string, op: Call['op'], args: unknown[]): Promise<T> {
    const media = this.media;
    if (!media) throw new MediaUnavailable('Media is not available on this server.');
    const home = await this.homeOf(sessionId);
    if (home === this.deps.nodeId) return run(media, op, args) as Promise<T>;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new MediaUnavailable('The Loupe node holding this session’s media did not answer.'));
      }, CALL_TIMEOUT_MS);
      this.calls.set(id, {
        done: (result) => {
          clearTimeout(timer);
          this.calls.delete(id);
          if (result.ok) resolve(result.value as T);
          else reject(result.unavailable ? new MediaUnavailable(result.message ?? '') : new Error(result.message));
        },
      });
      this.mail!.send(home, 'media.call', { id, op, args } satisfies Call);
    });
  }

  private listen(mail: Mail): void {
    mail.on('media.signal', (payload, from) => {
      const signal = payload as Signal;
      const peer = this.remotePeer(from, signal.peer);
      const reply = (m: unknown) => peer.send(m);
      const message = signal.message as ConsoleMediaMessage & MediaMessage;
      if (signal.side === 'customer') this.adopt(signal.sessionId, peer, message);
      peer.queue(() =>
        signal.side === 'customer'
          ? lensSignal(this.deps, this.media, signal.sessionId, peer, reply, message)
          : consoleSignal(this.deps, this.media, signal.technicianId ?? '', peer, reply, message),
      );
    });
    mail.on('media.page', (payload) => {
      const { peer, signal } = payload as { peer: number; signal: unknown };
      this.local.get(peer)?.send(signal as never);
    });
    mail.on('media.disconnect', (payload, from) => {
      const { sessionId, side, peer } = payload as { sessionId: string; side: Side; peer: number };
      const remote = this.remote.get(`${from}\n${peer}`);
      if (remote) this.media?.disconnect(sessionId, side, remote);
    });
    mail.on('media.release', (payload, from) => {
      this.remote.delete(`${from}\n${(payload as { peer: number }).peer}`);
    });
    mail.on('media.call', (payload, from) => {
      const call = payload as Call;
      const answer = (result: Omit<Result, 'id'>) => mail.send(from, 'media.result', { id: call.id, ...result });
      if (!this.media)
        return answer({ ok: false, unavailable: true, message: 'Media is not available on this server.' });
      run(this.media, call.op, call.args).then(
        (value) => answer({ ok: true, value }),
        (err) =>
          answer({ ok: false, unavailable: err instanceof MediaUnavailable, message: String(err?.message ?? err) }),
      );
    });
    mail.on('media.result', (payload) => {
      const result = payload as Result;
      this.calls.get(result.id)?.done(result);
    });
  }
}

function run(media: MediaService, op: Call['op'], args: unknown[]): Promise<unknown> {
  if (op === 'openRoom') return media.openRoom(args[0] as SessionRef, args[1] as { recordTo?: string });
  if (op === 'activate') return media.activate(args[0] as string);
  return media.close(args[0] as SessionRef, args[1] as { ended: boolean } | undefined);
}

/** What of a session row the media layer uses: a row's other columns (a phone number) stay off the wire. */
function pickRef(session: SessionRef): SessionRef {
  const { id, name, state, roomId, roomSecret, janusServer, recordTo } = session;
  return { id, name, state, roomId, roomSecret, janusServer, recordTo };
}
