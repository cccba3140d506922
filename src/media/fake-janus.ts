// An in-memory Janus for tests: the JanusSource MediaService is given, and the
// API links it connects (FakeJanus.connect, passed as MediaService's
// `connect`). Requests go to FakeVideoRoom, which answers as the real plugin
// does; VideoRoomAdmin's room requests run on it unchanged. A test can inject
// what a real Janus does on its own or goes wrong with:
// - hang(match): matching requests are never answered; they fail after
//   REQUEST_TIMEOUT_MS (requestTimeoutMs) with JanusTimeout as JanusLink's do,
//   or when the connection is lost;
// - refuse(match, code, reason): the next matching request gets that error;
// - webrtcup / hangup / media / slowlink / trickle: Janus's events on a handle;
// - kill(): Janus dies (every link closes, rooms and handles are gone), and
//   restart() brings it back and fires onReady, as JanusSupervisor does.
import type { JanusApiLink, JanusAddress, VideoRoomGateway, VideoRoomHandle } from './gateway.ts';
import {
  type IceCandidate,
  type JanusEvent,
  JanusRequestError,
  JanusTimeout,
  type Jsep,
  type PluginAnswer,
  REQUEST_TIMEOUT_MS,
} from './janus-link.ts';
import { FakeVideoRoom, type Participant, VideoRoomRefusal } from './fake-videoroom.ts';
import type { JanusSource } from './signals.ts';
import { VideoRoomAdmin } from './videoroom.ts';

/** Which requests a fault applies to: the VideoRoom request name, and optionally more of its body. */
export type RequestMatch = {
  request: string;
  room?: number;
  display?: string;
  where?: (body: Record<string, unknown>) => boolean;
};
type Fault =
  | { match: RequestMatch; kind: 'hang' }
  | { match: RequestMatch; kind: 'refuse'; code: number; reason: string };

/** A request the fake received, for tests that check what Loupe asked of Janus. */
export type SeenRequest = { handle: number; body: Record<string, unknown>; jsep?: Jsep };

export class FakeJanus implements JanusSource {
  readonly url = 'fake://janus';
  readonly apiSecret = undefined;
  readonly roomAdminKey = 'fake-room-admin-key';
  /** Every plugin request, in order. */
  readonly requests: SeenRequest[] = [];
  /** Milliseconds before an answer arrives (Janus answers in a few on loopback). */
  latencyMs = 1;
  /** How long a hung request waits before it times out: JanusLink's deadline unless a test wants it sooner. */
  requestTimeoutMs = REQUEST_TIMEOUT_MS;
  plugin = new FakeVideoRoom(this.roomAdminKey);
  private readonly links = new Set<FakeLink>();
  private readonly readyHandlers = new Set<() => void | Promise<void>>();
  private faults: Fault[] = [];
  private down = false;

  /** MediaService's `connect`: a link and room administration on it, as VideoRoomAdmin.connect gives. */
  readonly connect = async (_address: JanusAddress): Promise<VideoRoomGateway> => {
    await Bun.sleep(this.latencyMs);
    if (this.down) throw new Error('connect ECONNREFUSED (fake Janus is down)');
    const link = new FakeLink(this);
    this.links.add(link);
    return VideoRoomAdmin.on(link, this.roomAdminKey);
  };

  onReady(handler: () => void | Promise<void>): () => void {
    this.readyHandlers.add(handler);
    return () => this.readyHandlers.delete(handler);
  }

  hang(match: RequestMatch): void {
    this.faults.push({ match, kind: 'hang' });
  }

  /** The next matching request is refused with Janus's `code` (e.g. 426 no such room, 490 ICE failed). */
  refuse(match: RequestMatch, code: number, reason: string): void {
    this.faults.push({ match, kind: 'refuse', code, reason });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Janus dies: every link closes, its rooms and handles are gone, and new connections fail until restart(). */
  kill(): void {
    this.down = true;
    for (const link of [...this.links]) link.lost('the connection to Janus closed');
    this.plugin = new FakeVideoRoom(this.roomAdminKey);
  }

  /** Janus is back with nothing in it; the supervisor says so (onReady). */
  async restart(): Promise<void> {
    this.down = false;
    for (const handler of this.readyHandlers) await handler();
  }

  /** The handle of a room's publisher by display name ('customer' or 'technician'), as Janus holds it. */
  publisher(room: number, display: string): FakeHandle | undefined {
    return this.handles().find(
      ({ participant: p }) => p.room === room && p.ptype === 'publisher' && p.display === display,
    );
  }

  /** The room's subscription handles to the feed of the publisher with that display name. */
  subscribers(room: number, display: string): FakeHandle[] {
    const feed = this.publisher(room, display)?.id;
    return this.handles().filter(
      ({ participant: p }) => p.room === room && p.ptype === 'subscriber' && feed !== undefined && p.feed === feed,
    );
  }

  rooms(): number[] {
    return [...this.plugin.rooms.keys()];
  }

  handles(): FakeHandle[] {
    return [...this.links].flatMap((link) => [...link.handles]);
  }

  /** @internal The fault for this request, if any (a refusal is used once). */
  fault(body: Record<string, unknown>): Fault | undefined {
    const i = this.faults.findIndex(({ match }) => matches(match, body));
    const fault = this.faults[i];
    if (fault?.kind === 'refuse') this.faults.splice(i, 1);
    return fault;
  }

  /** @internal */
  forget(link: FakeLink): void {
    this.links.delete(link);
  }
}

function matches(match: RequestMatch, body: Record<string, unknown>): boolean {
  return (
    body.request === match.request &&
    (match.room === undefined || body.room === match.room) &&
    (match.display === undefined || body.display === match.display) &&
    (match.where === undefined || match.where(body))
  );
}

class FakeLink implements JanusApiLink {
  readonly handles = new Set<FakeHandle>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  constructor(readonly janus: FakeJanus) {}

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async attach(): Promise<VideoRoomHandle> {
    if (this.closed) throw new JanusRequestError('Janus is not connected.');
    await Bun.sleep(this.janus.latencyMs);
    if (this.closed) throw new JanusRequestError('Janus is not connected.');
    const handle = new FakeHandle(this, { id: this.janus.plugin.newId() });
    this.handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    this.lost('closed by Loupe');
  }

  /** As JanusLink.lost: pending requests fail, handles are detached, then the listeners hear it. */
  lost(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.janus.forget(this);
    for (const handle of [...this.handles]) handle.gone(reason);
    for (const listener of this.closeListeners) listener();
  }
}

/** A VideoRoom handle in the fake: what the plugin knows of it, and its requests still unanswered. */
export class FakeHandle implements VideoRoomHandle {
  readonly id: number;
  private listener: ((event: JanusEvent) => void) | undefined;
  private readonly waiting = new Set<(err: Error) => void>();
  /** The candidates Loupe trickled to it; `completed` once it sent the last. */
  readonly trickled: IceCandidate[] = [];

  constructor(
    private readonly link: FakeLink,
    readonly participant: Participant,
  ) {
    this.id = participant.id;
  }

  request(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer> {
    const what = `VideoRoom ${String(body.request)}`;
    if (this.link.isClosed) return Promise.reject(new JanusRequestError(`${what}: Janus is not connected.`));
    const janus = this.link.janus;
    janus.requests.push({ handle: this.id, body, ...(jsep && { jsep }) });
    const fault = janus.fault(body);
    return new Promise<PluginAnswer>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (err: Error) => {
        this.waiting.delete(fail);
        clearTimeout(timer);
        reject(new JanusRequestError(`${what}: ${err.message}`, (err as JanusRequestError).code));
      };
      this.waiting.add(fail);
      if (fault?.kind === 'hang') {
        const ms = janus.requestTimeoutMs;
        timer = setTimeout(() => {
          this.waiting.delete(fail);
          reject(new JanusTimeout(`${what}: Janus did not answer within ${ms} ms.`));
        }, ms);
        return;
      }
      setTimeout(() => {
        if (!this.waiting.delete(fail)) return;
        try {
          if (fault?.kind === 'refuse') throw new VideoRoomRefusal(fault.code, fault.reason);
          resolve(janus.plugin.handle(this.participant, body, jsep));
        } catch (err) {
          const refusal = err as VideoRoomRefusal;
          reject(new JanusRequestError(`${what}: ${refusal.reason ?? String(err)}`, refusal.code));
        }
      }, janus.latencyMs);
    });
  }

  async trickle(candidate: IceCandidate): Promise<void> {
    if (this.link.isClosed) throw new JanusRequestError('Janus is not connected.');
    this.trickled.push(candidate);
  }

  onEvent(listener: (event: JanusEvent) => void): void {
    this.listener = listener;
  }

  async detach(): Promise<void> {
    if (!this.link.handles.has(this)) return;
    this.listener = undefined;
    this.gone('detached');
    await Bun.sleep(this.link.janus.latencyMs);
  }

  /** Janus's PeerConnection for this handle is up. */
  webrtcup(): void {
    this.emit({ janus: 'webrtcup', sender: this.id });
  }

  /** Janus closed this handle's PeerConnection (ICE failed, DTLS alert, the browser went). */
  hangup(reason = 'ICE failed'): void {
    this.emit({ janus: 'hangup', sender: this.id, reason });
    if (this.participant.ptype === 'publisher') this.participant.published = false;
  }

  media(type: 'audio' | 'video', receiving: boolean): void {
    this.emit({ janus: 'media', sender: this.id, type, receiving });
  }

  slowlink(uplink: boolean): void {
    this.emit({ janus: 'slowlink', sender: this.id, uplink });
  }

  /** A candidate Janus gathered for this handle's PeerConnection; none: it has gathered them all. */
  trickleFromJanus(candidate?: string): void {
    this.emit({
      janus: 'trickle',
      sender: this.id,
      candidate: candidate ? { candidate, sdpMid: '0', sdpMLineIndex: 0 } : { completed: true },
    });
  }

  /** A plugin event or a renegotiation offer, as Janus sends them unasked. */
  event(data: Record<string, unknown>, jsep?: Jsep): void {
    this.emit({ janus: 'event', sender: this.id, plugindata: { plugin: 'janus.plugin.videoroom', data }, jsep });
  }

  /** @internal The handle is gone: its requests fail, the plugin forgets it, Loupe hears `detached`. */
  gone(reason: string): void {
    for (const fail of [...this.waiting]) fail(new Error(reason));
    this.link.handles.delete(this);
    this.link.janus.plugin.leave(this.participant);
    this.emit({ janus: 'detached', sender: this.id });
  }

  private emit(event: JanusEvent): void {
    this.listener?.(event);
  }
}
