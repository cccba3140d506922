// The media of live Lens sessions: Loupe is Janus's only API client and relays
// each browser's signalling to it. Per session, one private VideoRoom room and
// up to four plugin handles: the customer publishes camera and microphone, the
// technician publishes the microphone only, and each subscribes to the other.
// A side that publishes again (reload, new network, Janus restart) replaces its
// handles, and the other side is subscribed anew; nobody has to click anything.
import type { Logger } from '../log.ts';
import type { IceCandidate, JanusEvent, PluginHandle } from './janus-link.ts';
import type { VideoPlayout } from '../config.ts';
import { VideoRoomAdmin, type Room } from './videoroom.ts';

export type Side = 'customer' | 'technician';
export type PcName = 'publish' | 'subscribe';
export type BrowserCandidate = { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };

/** What the other side's page says about itself; relayed as is. */
export type PeerState = { muted: boolean; camera: boolean; background: boolean };

/** Messages from Loupe to a page about media (over /ws/console and /ws/lens). */
export type MediaSignal =
  | { type: 'rtc.answer'; sessionId: string; pc: 'publish'; sdp: string }
  /** `subscription` comes back with the answer, so an answer to a replaced subscription is recognised. */
  | { type: 'rtc.offer'; sessionId: string; pc: 'subscribe'; sdp: string; subscription: number }
  | { type: 'rtc.candidate'; sessionId: string; pc: PcName; candidate: BrowserCandidate | null }
  /** `offering`: the side sent its media offer; `publishing`: Janus receives it (its PeerConnection is up). */
  | { type: 'media.peer'; sessionId: string; side: Side; state: PeerState; offering: boolean; publishing: boolean }
  | { type: 'media.interrupted'; sessionId: string; reason: 'media_server_down' }
  /** Janus is back (or the room was replaced): publish and join again. */
  | { type: 'media.restart'; sessionId: string }
  /** Another page (a second tab) took over this side of the session; this one should stop. */
  | { type: 'media.displaced'; sessionId: string }
  | { type: 'media.error'; sessionId: string; code: string; message: string };

export type Peer = { send(signal: MediaSignal): void };

/** The session as the media layer needs it. */
export type SessionRef = { id: string; name: string; state: string; roomId: number | null; roomSecret: string | null };

/** Where rooms are remembered, so a restarted Loupe can destroy what it left behind. */
export type RoomStore = { save(sessionId: string, room: Room | null): Promise<void> };

/** The bundled Janus's supervisor, or anything else that says where Janus is and when it is (back) up. */
export type JanusSource = {
  readonly url: string;
  readonly apiSecret: string | undefined;
  readonly roomAdminKey: string | undefined;
  onReady(handler: () => void | Promise<void>): () => void;
};

export class MediaUnavailable extends Error {}

type Participant = {
  peer?: Peer;
  pub?: PluginHandle;
  feed?: number;
  /** Janus's PeerConnection for `pub` is up (webrtcup): only then can the other side subscribe. */
  up?: boolean;
  sub?: PluginHandle;
  /**
   * Janus's offer for `sub` and the candidates it trickled, held until this
   * side's page has the offer: candidates sent before it would be dropped by
   * the page, which makes its receiving connection on the offer.
   */
  pending?: { feed: number; sdp?: string; candidates: (BrowserCandidate | null)[] };
  state: PeerState;
};

type SessionMedia = {
  sessionId: string;
  room: Room | null;
  /** A room from before a Janus restart or a lost link: destroyed when the next one is made. */
  staleRoom: Room | null;
  held: boolean;
  /**
   * The technician clicked Start (the session is active or on hold). Until
   * then Janus relays nothing to anyone: a subscription made while the
   * customer waits is answered but stays paused (see relaying()).
   */
  started: boolean;
  /** Set by close(): queued work for the session does nothing any more. */
  closed: boolean;
  customer: Participant;
  technician: Participant;
  chain: Promise<void>;
};

const SIDES = ['customer', 'technician'] as const;
const other = (side: Side): Side => (side === 'customer' ? 'technician' : 'customer');
const freshState = (): PeerState => ({ muted: false, camera: true, background: false });
const RECONNECT_MS = 2_000;
/** Ended sessions remembered, so a late message cannot bring their media back. */
const ENDED_MEMORY = 10_000;

/**
 * What a subscription asks of Janus for the video it relays. `immediate`:
 * playout delay 0 in the playout-delay RTP extension Janus adds to the relayed
 * packets, and Chromium then renders each frame as soon as it is decoded. Its
 * jitter buffer otherwise grows with the delay variation it has seen and holds
 * video back to match the voice: 20-80 ms more on the technician's screen
 * (bench/media/latency.ts). Lip sync does not matter here: the phone films a
 * meter or a pipe, not a face. Audio keeps its own jitter buffer (Janus puts
 * the extension on video only).
 */
export function playoutDelay(playout: VideoPlayout): { min_delay?: number; max_delay?: number } {
  return playout === 'immediate' ? { min_delay: 0, max_delay: 0 } : {};
}

export class MediaService {
  private admin: VideoRoomAdmin | undefined;
  private connecting: Promise<VideoRoomAdmin> | undefined;
  private readonly sessions = new Map<string, SessionMedia>();
  private readonly ended = new Set<string>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly offs: (() => void)[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Janus went away since pages were last told to publish again. */
  private restartPending = false;

  /** `videoPlayout` defaults to `immediate` (see MediaSettings). */
  constructor(
    private readonly deps: { janus: JanusSource; log: Logger; rooms: RoomStore; videoPlayout?: VideoPlayout },
  ) {}

  /** Connects to Janus now (if it answers) and again whenever it comes back. */
  start(): void {
    // Janus's death is seen at once on the API connection (lost()); its return here.
    this.offs.push(this.deps.janus.onReady(() => this.reconnect()));
    void this.reconnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const off of this.offs) off();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close();
  }

  get connected(): boolean {
    return !!this.admin && !this.admin.link.isClosed;
  }

  /** Each time the API connection to Janus is (re)established. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /**
   * True when `peer` is the page signalling for this side of a session that
   * still has media: it got there through a checked join or publish, so its
   * answers and candidates need no new look at the database.
   */
  isPeer(sessionId: string, side: Side, peer: Peer): boolean {
    const media = this.sessions.get(sessionId);
    return !!media && !media.closed && media[side].peer === peer;
  }

  /** Who is signalling for a session (diagnostics and tests). */
  peers(sessionId: string): { customer: boolean; technician: boolean } {
    const media = this.sessions.get(sessionId);
    return { customer: !!media?.customer.peer, technician: !!media?.technician.peer };
  }

  status(): { connected: boolean; sessions: number } {
    return { connected: this.connected, sessions: this.sessions.size };
  }

  /**
   * Start: the session's private room, made before the state change is written
   * (no database lock waits for Janus). A room made while the customer waited
   * (their connection was offered into it) is kept, with that connection. The
   * caller stores it; if that fails, it calls close().
   */
  async openRoom(session: SessionRef): Promise<Room> {
    const admin = await this.ready();
    const media = this.entry(session);
    return this.run(media, async () => {
      if (!media.room) await this.replaceRoom(media, admin, session, false);
      return media.room!;
    });
  }

  /** A page publishes (the customer's camera and microphone, the technician's microphone). Async: a refusal is a rejection, and the work is queued before the first await. */
  async publish(session: SessionRef, side: Side, peer: Peer, sdp: string): Promise<void> {
    const media = this.entry(session);
    this.claim(media, side, peer);
    return this.run(media, async () => {
      const admin = await this.ready();
      if (!media.room) await this.replaceRoom(media, admin, session, true);
      const me = media[side];
      await this.dropSubscriber(media[other(side)]);
      await this.dropPublisher(me);
      const handle = await admin.link.attach();
      me.pub = handle;
      handle.onEvent((event) => this.onPublisherEvent(media, side, handle, event));
      try {
        const { data, jsep } = await handle.request(
          { request: 'joinandconfigure', ptype: 'publisher', room: media.room!.id, display: side },
          { type: 'offer', sdp },
        );
        if (!jsep || jsep.type !== 'answer') throw new MediaUnavailable('Janus did not answer the offer.');
        me.feed = Number(data.id);
        peer.send({ type: 'rtc.answer', sessionId: media.sessionId, pc: 'publish', sdp: jsep.sdp });
      } catch (err) {
        if (me.pub === handle) await this.dropPublisher(me);
        throw err;
      }
      this.tellOther(media, side);
      // The other side subscribes when Janus reports this PeerConnection up (onPublisherEvent).
    });
  }

  /** A page wants the other side's media (the console after Start or a reload; the phone at any time). */
  async join(session: SessionRef, side: Side, peer: Peer): Promise<void> {
    const media = this.entry(session);
    this.claim(media, side, peer);
    return this.run(media, async () => {
      const admin = await this.ready();
      if (!media.room) await this.replaceRoom(media, admin, session, true);
      const them = media[other(side)];
      peer.send({
        type: 'media.peer',
        sessionId: media.sessionId,
        side: other(side),
        state: them.state,
        offering: them.feed !== undefined,
        publishing: !!them.up,
      });
      await this.subscribe(media, admin, side);
    });
  }

  /** The page's answer to a subscription offer; an answer to a subscription since replaced is dropped. */
  answer(sessionId: string, side: Side, sdp: string, subscription: number): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media) return Promise.reject(new MediaUnavailable('This session has no media yet.'));
    return this.run(media, async () => {
      const sub = media[side].sub;
      if (!sub || sub.id !== subscription) return;
      // The answer rides on the request that leaves the subscription as it should
      // be: Janus sets up the connection either way, and relays only on 'start'.
      await sub.request({ request: relaying(media) ? 'start' : 'pause' }, { type: 'answer', sdp });
    });
  }

  /** A browser's ICE candidate; null when it has gathered them all. */
  candidate(sessionId: string, side: Side, pc: PcName, candidate: BrowserCandidate | null): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media) return Promise.resolve();
    return this.run(media, async () => {
      const handle = pc === 'publish' ? media[side].pub : media[side].sub;
      // A candidate for a PeerConnection that was just replaced: nothing to do.
      if (!handle) return;
      const ice: IceCandidate = candidate ?? { completed: true };
      await handle.trickle(ice);
    });
  }

  /** Mute, camera and background as the page reports them; the other side is told. */
  reportState(sessionId: string, side: Side, state: PeerState): void {
    const media = this.sessions.get(sessionId);
    if (!media) return;
    media[side].state = state;
    this.tellOther(media, side);
  }

  /** A page's socket closed: it stops receiving signals (its PeerConnections may live on until Janus sees them go). */
  disconnect(sessionId: string, side: Side, peer: Peer): void {
    const media = this.sessions.get(sessionId);
    if (media && media[side].peer === peer) media[side].peer = undefined;
  }

  /** A page hangs up its side (the console showing another session): its handles go, the other side is told. */
  leave(sessionId: string, side: Side, peer: Peer): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media || media[side].peer !== peer) return Promise.resolve();
    media[side].peer = undefined;
    return this.run(media, async () => {
      await this.dropSubscriber(media[side]);
      await this.dropPublisher(media[side]);
      this.tellOther(media, side);
    });
  }

  /** Hold: Janus stops relaying in both directions; resume starts it again. */
  hold(sessionId: string, held: boolean): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media || media.held === held) return Promise.resolve();
    media.held = held;
    return this.relayAsState(media);
  }

  /**
   * Start, once the session is active: Janus starts relaying on the
   * subscriptions made while the customer waited (it asks the phone for a
   * keyframe as it does), so the picture needs no new connection.
   */
  activate(sessionId: string): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media || media.started) return Promise.resolve();
    media.started = true;
    return this.relayAsState(media);
  }

  private relayAsState(media: SessionMedia): Promise<void> {
    const request = relaying(media) ? 'start' : 'pause';
    return this.run(media, async () => {
      for (const side of SIDES) {
        const sub = media[side].sub;
        if (sub)
          await sub
            .request({ request })
            .catch((err) => this.deps.log.warn(`media ${request} failed`, { sessionId: media.sessionId, err }));
      }
    });
  }

  /**
   * The session ended (or its Start failed): handles detached, room destroyed
   * (also one a previous Loupe left behind). True when no room of the session
   * is left in Janus.
   */
  async close(session: SessionRef, opts: { ended: boolean } = { ended: true }): Promise<boolean> {
    // A Start that failed after its room was made closes it too, but may be tried again.
    if (opts.ended) this.remember(session.id);
    const media = this.sessions.get(session.id);
    const stored = session.roomId && session.roomSecret ? { id: session.roomId, secret: session.roomSecret } : null;
    if (!media) return stored ? this.destroy(stored) : true;
    media.closed = true;
    this.sessions.delete(session.id);
    // Not on the session's chain: close() must not wait behind a hung request.
    for (const side of SIDES) {
      await this.dropSubscriber(media[side]);
      await this.dropPublisher(media[side]);
    }
    const rooms = new Map<number, Room>();
    for (const r of [media.room, media.staleRoom, stored]) if (r) rooms.set(r.id, r);
    let gone = true;
    for (const room of rooms.values()) gone = (await this.destroy(room)) && gone;
    return gone;
  }

  /** True when the room is destroyed or was not there; false when Janus could not be asked. */
  private async destroy(room: Room): Promise<boolean> {
    if (!this.connected) return false;
    const admin = this.admin!;
    try {
      if (await admin.exists(room.id)) await admin.destroyRoom(room);
      return true;
    } catch (err) {
      this.deps.log.warn('room not destroyed', { room: room.id, err });
      return false;
    }
  }

  private remember(sessionId: string): void {
    this.ended.add(sessionId);
    if (this.ended.size > ENDED_MEMORY) {
      let drop = ENDED_MEMORY / 10;
      for (const id of this.ended) {
        if (drop-- <= 0) break;
        this.ended.delete(id);
      }
    }
  }

  private entry(session: SessionRef): SessionMedia {
    if (this.ended.has(session.id)) throw new MediaUnavailable('This session has ended.');
    let media = this.sessions.get(session.id);
    if (!media) {
      media = {
        sessionId: session.id,
        room: null,
        staleRoom: null,
        closed: false,
        chain: Promise.resolve(),
        // After a Loupe restart a held session must stay held.
        held: session.state === 'on_hold',
        started: session.state === 'active' || session.state === 'on_hold',
        customer: { state: freshState() },
        technician: { state: freshState() },
      };
      this.sessions.set(session.id, media);
    }
    return media;
  }

  /** One page per side: a second tab takes over, and the first is told to stop. */
  private claim(media: SessionMedia, side: Side, peer: Peer): void {
    const previous = media[side].peer;
    if (previous && previous !== peer) previous.send({ type: 'media.displaced', sessionId: media.sessionId });
    media[side].peer = peer;
  }

  /** One session's media work runs in order: a subscription must not race the publish it follows. */
  private run<T>(media: SessionMedia, work: () => Promise<T>): Promise<T> {
    const result = media.chain.then(() => {
      if (media.closed) throw new MediaUnavailable('This session has ended.');
      return work();
    });
    media.chain = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private async replaceRoom(
    media: SessionMedia,
    admin: VideoRoomAdmin,
    session: SessionRef,
    save: boolean,
  ): Promise<void> {
    const stale =
      media.staleRoom ??
      (session.roomId && session.roomSecret ? { id: session.roomId, secret: session.roomSecret } : null);
    // A restarted Janus has lost its rooms; an external one may still hold this one.
    if (stale && (await admin.exists(stale.id).catch(() => false))) await admin.destroyRoom(stale).catch(() => {});
    media.staleRoom = null;
    media.room = await admin.createRoom(session.name);
    if (save) await this.deps.rooms.save(session.id, media.room);
  }

  /**
   * The viewer's subscription to the other side's feed. Made even before the
   * viewer joined (the technician, while the customer's silent connection
   * waits for Start): Janus's offer is then kept and sent the moment they
   * join, instead of after two more requests to Janus. Before Start, a
   * technician's answer leaves it paused (answer()): Janus relays nothing on it.
   */
  private async subscribe(media: SessionMedia, admin: VideoRoomAdmin, viewerSide: Side): Promise<void> {
    const viewer = media[viewerSide];
    const publisher = media[other(viewerSide)];
    const feed = publisher.feed;
    if (feed === undefined || !publisher.up || !media.room) return;
    if (viewer.peer && viewer.sub && viewer.pending?.sdp && viewer.pending.feed === feed)
      return this.deliver(media, viewerSide);
    await this.dropSubscriber(viewer);
    const handle = await admin.link.attach();
    viewer.sub = handle;
    viewer.pending = { feed, candidates: [] };
    handle.onEvent((event) => this.onSubscriberEvent(media, viewerSide, handle, event));
    try {
      const { jsep } = await handle.request({
        request: 'join',
        ptype: 'subscriber',
        room: media.room.id,
        streams: [{ feed, ...playoutDelay(this.deps.videoPlayout ?? 'immediate') }],
      });
      if (!jsep || jsep.type !== 'offer') throw new MediaUnavailable('Janus sent no offer for the subscription.');
      if (viewer.sub !== handle || !viewer.pending) return;
      viewer.pending.sdp = jsep.sdp;
      this.deliver(media, viewerSide);
    } catch (err) {
      if (viewer.sub === handle) await this.dropSubscriber(viewer);
      throw err;
    }
  }

  private async dropPublisher(p: Participant): Promise<void> {
    const pub = p.pub;
    p.pub = undefined;
    p.feed = undefined;
    p.up = false;
    await pub?.detach();
  }

  /** The held subscription offer and its candidates, to this side's page if it has one. */
  private deliver(media: SessionMedia, side: Side): void {
    const me = media[side];
    const pending = me.pending;
    if (!me.peer || !me.sub || !pending?.sdp) return;
    me.pending = undefined;
    me.peer.send({
      type: 'rtc.offer',
      sessionId: media.sessionId,
      pc: 'subscribe',
      sdp: pending.sdp,
      subscription: me.sub.id,
    });
    for (const candidate of pending.candidates)
      me.peer.send({ type: 'rtc.candidate', sessionId: media.sessionId, pc: 'subscribe', candidate });
  }

  private async dropSubscriber(p: Participant): Promise<void> {
    const sub = p.sub;
    p.sub = undefined;
    p.pending = undefined;
    await sub?.detach();
  }

  private tellOther(media: SessionMedia, side: Side): void {
    const me = media[side];
    media[other(side)].peer?.send({
      type: 'media.peer',
      sessionId: media.sessionId,
      side,
      state: me.state,
      offering: me.feed !== undefined,
      publishing: !!me.up,
    });
  }

  private onPublisherEvent(media: SessionMedia, side: Side, handle: PluginHandle, event: JanusEvent): void {
    const me = media[side];
    if (me.pub !== handle) return;
    if (event.janus === 'trickle')
      me.peer?.send({
        type: 'rtc.candidate',
        sessionId: media.sessionId,
        pc: 'publish',
        candidate: toBrowser(event.candidate),
      });
    else if (event.janus === 'webrtcup') {
      me.up = true;
      this.tellOther(media, side);
      void this.run(media, async () => {
        if (me.pub !== handle || !this.connected) return;
        await this.subscribe(media, this.admin!, other(side));
      }).catch((err) => this.subscribeFailed(media, other(side), err));
    } else if (event.janus === 'hangup' || event.janus === 'detached') {
      this.deps.log.info('media publisher gone', {
        sessionId: media.sessionId,
        side,
        reason: event.reason ?? event.janus,
      });
      me.pub = undefined;
      me.feed = undefined;
      me.up = false;
      this.tellOther(media, side);
      // Its handle is of no use any more, and the other side's subscription has
      // nothing left to receive: both go; they are made anew when this side publishes again.
      if (event.janus === 'hangup') {
        void this.run(media, async () => {
          await handle.detach();
          await this.dropSubscriber(media[other(side)]);
        }).catch(() => {});
      }
    }
  }

  private subscribeFailed(media: SessionMedia, side: Side, err: unknown): void {
    if (media.closed) return;
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.warn('media subscription failed', { sessionId: media.sessionId, side, err: message });
    media[side].peer?.send({
      type: 'media.error',
      sessionId: media.sessionId,
      code: 'subscribe_failed',
      message: 'The other side’s media could not be received. Trying again…',
    });
  }

  private onSubscriberEvent(media: SessionMedia, side: Side, handle: PluginHandle, event: JanusEvent): void {
    const me = media[side];
    if (me.sub !== handle) return;
    if (event.janus === 'trickle') {
      const candidate = toBrowser(event.candidate);
      if (me.pending) me.pending.candidates.push(candidate);
      else me.peer?.send({ type: 'rtc.candidate', sessionId: media.sessionId, pc: 'subscribe', candidate });
    } else if (event.jsep?.type === 'offer') {
      if (me.pending) me.pending.sdp = event.jsep.sdp;
      else
        me.peer?.send({
          type: 'rtc.offer',
          sessionId: media.sessionId,
          pc: 'subscribe',
          sdp: event.jsep.sdp,
          subscription: handle.id,
        });
    } else if (event.janus === 'detached') {
      me.sub = undefined;
      me.pending = undefined;
    }
  }

  /** The admin connection, made if needed. */
  async ready(): Promise<VideoRoomAdmin> {
    if (this.connected) return this.admin!;
    try {
      return await this.connect();
    } catch {
      throw new MediaUnavailable(
        'The media server is not running. Loupe is trying to restart it; try again in a moment.',
      );
    }
  }

  private connect(): Promise<VideoRoomAdmin> {
    this.connecting ??= (async () => {
      const { url, apiSecret, roomAdminKey } = this.deps.janus;
      const admin = await VideoRoomAdmin.connect(url, apiSecret, roomAdminKey);
      if (this.stopped) {
        await admin.close();
        throw new MediaUnavailable('Loupe is stopping.');
      }
      admin.link.onClose(() => this.lost());
      this.admin = admin;
      this.deps.log.info('connected to Janus', { url });
      for (const listener of this.connectedListeners) listener();
      return admin;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Janus went away: every handle died with it. Pages are told; their rooms are replaced when it is back. */
  private lost(): void {
    if (this.admin && !this.admin.link.isClosed) void this.admin.link.close();
    this.admin = undefined;
    this.restartPending = true;
    for (const media of this.sessions.values()) {
      if (media.room) media.staleRoom = media.room;
      media.room = null;
      for (const side of SIDES) {
        const p = media[side];
        p.pub = p.sub = undefined;
        p.pending = undefined;
        p.feed = undefined;
        p.up = false;
        p.peer?.send({ type: 'media.interrupted', sessionId: media.sessionId, reason: 'media_server_down' });
      }
    }
    if (!this.stopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.reconnect(), RECONNECT_MS);
  }

  /** Janus answers again: every page with a live session publishes and joins anew (once). */
  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.ready();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.restartPending) return;
    this.restartPending = false;
    for (const media of this.sessions.values()) {
      if (media.room) continue;
      for (const side of SIDES) media[side].peer?.send({ type: 'media.restart', sessionId: media.sessionId });
    }
  }
}

/** Janus relays to subscribers only after Start and not on hold. */
function relaying(media: SessionMedia): boolean {
  return media.started && !media.held;
}

function toBrowser(candidate: IceCandidate | undefined): BrowserCandidate | null {
  if (!candidate || 'completed' in candidate) return null;
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
  };
}
