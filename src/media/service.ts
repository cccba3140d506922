// size: the public face of the media layer (each verb the sockets call) plus the pool's session moves, which need its private session map; the parts that need none live beside it.
// The media of live Lens sessions: Loupe is Janus's only API client and relays
// each browser's signalling to it. Per session, one private VideoRoom room and
// up to four plugin handles: the customer publishes camera and microphone, the
// technician publishes the microphone only, and each subscribes to the other.
// A side that publishes again (reload, new network, Janus restart) replaces its
// handles, and the other side is subscribed anew; nobody has to click anything.
// This file is the public face; the parts live beside it: session-media.ts
// (one session's state and queues), publisher.ts, subscription.ts,
// janus-connection.ts (the API connection), gateway.ts (what Janus offers).
import type { VideoPlayout } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ConnectGateway, VideoRoomGateway } from './gateway.ts';
import { type IceRestart, RestartImpossible, restartIce } from './ice-restart.ts';
import { checkJanus } from './janus-api.ts';
import type { IceCandidate } from './janus-link.ts';
import { JanusPool, PROBE_TIMEOUT_MS, type PoolMember } from './janus-pool.ts';
import { publishOffer } from './publisher.ts';
import {
  claim,
  dropPublisher,
  dropSubscriber,
  forgetJanus,
  newSessionMedia,
  other,
  runInOrder,
  SIDES,
  type SessionMedia,
  storedRoom,
  tellOther,
} from './session-media.ts';
import {
  type BrowserCandidate,
  type JanusSource,
  MediaUnavailable,
  type PcName,
  type Peer,
  type PeerState,
  type RoomStore,
  type SessionRef,
  type Side,
} from './signals.ts';
import { placeSession } from './session-servers.ts';
import { answerSubscription, type MediaContext, relayAsState, subscribe } from './subscription.ts';
import { type Room, VideoRoomAdmin } from './videoroom.ts';

export * from './signals.ts';
export { type IceRestart, RestartImpossible } from './ice-restart.ts';
export { playoutDelay } from './subscription.ts';

/** Ended sessions remembered, so a late message cannot bring their media back. */
const ENDED_MEMORY = 10_000;

export type MediaServiceDeps = {
  janus: JanusSource;
  log: Logger;
  rooms: RoomStore;
  /** Defaults to `immediate` (see MediaSettings). */
  videoPlayout?: VideoPlayout;
  /** How to reach Janus; the real VideoRoom over janus-gateway-js unless a test passes FakeJanus's. */
  connect?: ConnectGateway;
  /** A pool of Janus servers (JANUS_URLS); absent: `janus` alone, a pool of one. */
  pool?: PoolMember[];
  /** How long a lost Janus of a pool has to come back before its sessions move (GRACE_MS). */
  graceMs?: number;
};

/** The id of the one Janus when there is no pool. */
export const ONE_JANUS = 'default';

export class MediaService {
  private readonly pool: JanusPool;
  private readonly ctx: MediaContext;
  private readonly sessions = new Map<string, SessionMedia>();
  private readonly ended = new Set<string>();

  constructor(private readonly deps: MediaServiceDeps) {
    this.pool = new JanusPool({
      members: deps.pool ?? [{ id: ONE_JANUS, source: deps.janus }],
      log: deps.log,
      connect: deps.connect ?? ((j) => VideoRoomAdmin.connect(j.url, j.apiSecret, j.roomAdminKey)),
      // FakeJanus has no `info` to ask; the real ones are asked beside the keep-alives.
      probe: deps.connect ? undefined : (j) => checkJanus(j.url, j.apiSecret, PROBE_TIMEOUT_MS),
      graceMs: deps.graceMs,
      lost: (id) => {
        for (const media of this.on(id)) forgetJanus(media);
      },
      back: (id) => {
        for (const media of this.on(id)) {
          if (media.room) continue;
          for (const side of SIDES) media[side].peer?.send({ type: 'media.restart', sessionId: media.sessionId });
        }
      },
      dead: (id) => void this.evacuate(id),
    });
    this.ctx = {
      log: deps.log,
      videoPlayout: deps.videoPlayout ?? 'immediate',
      gateway: (media) => (media.server ? this.pool.current(media.server) : undefined),
    };
  }

  /** This node's sessions on one Janus. */
  private on(server: string): SessionMedia[] {
    return [...this.sessions.values()].filter((m) => m.server === server && !m.closed);
  }

  /**
   * A Janus of the pool died: each of its sessions gets a room on another,
   * the row names that one, and the pages publish and subscribe there (the
   * console says the call moved). Nowhere to go: they wait for its return.
   */
  private async evacuate(dead: string): Promise<void> {
    await Promise.all(
      this.on(dead).map(async (media) => {
        try {
          await placeSession(this.choice(), media);
          if (media.server === dead || media.closed) return;
          this.deps.log.info('session moved to another Janus', {
            sessionId: media.sessionId,
            from: dead,
            to: media.server,
          });
          const gateway = await this.pool.ready(media.server!);
          await this.room(media, gateway, this.refOf(media), true);
          for (const side of SIDES)
            media[side].peer?.send({ type: 'media.restart', sessionId: media.sessionId, reason: 'media_server_moved' });
        } catch (err) {
          this.deps.log.warn('session not moved to another Janus', { sessionId: media.sessionId, err });
        }
      }),
    );
  }

  private choice() {
    return { pool: this.pool, rooms: this.deps.rooms, sessions: this.sessions.values() };
  }

  private refOf(media: SessionMedia): SessionRef {
    return { id: media.sessionId, name: media.name, state: '', roomId: null, roomSecret: null };
  }

  /** The connection to the session's Janus, the session placed first if it has none (or its own is dead). */
  private async gatewayOf(media: SessionMedia): Promise<VideoRoomGateway> {
    if (!this.pool.has(media.server) || this.pool.isDead(media.server)) await placeSession(this.choice(), media);
    return this.pool.ready(media.server!);
  }

  /** Connects to Janus now (if it answers) and again whenever it comes back. */
  start(): void {
    this.pool.start();
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }

  /** Connected to Janus (to any server of a pool). */
  get connected(): boolean {
    return this.pool.connected;
  }

  /** Each time the API connection to a Janus is (re)established. */
  onConnected(listener: () => void): () => void {
    return this.pool.onConnected(listener);
  }

  /** The admin connection to the (first) Janus, made if needed. */
  ready(): Promise<VideoRoomGateway> {
    return this.pool.ready(this.pool.first);
  }

  /** The Janus holding the session's room (diagnostics and tests). */
  serverOf(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.server;
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
  async openRoom(session: SessionRef, opts: { recordTo?: string } = {}): Promise<Room> {
    const media = this.entry(session);
    const gateway = await this.gatewayOf(media);
    const room = await this.room(media, gateway, session, false);
    // Recording starts here, at Start, never before (docs/records.md).
    if (opts.recordTo && media.recordTo !== opts.recordTo) {
      await gateway.record(room, opts.recordTo);
      media.recordTo = opts.recordTo;
    }
    return room;
  }

  /** A page publishes (the customer's camera and microphone, the technician's microphone). Async: a refusal is a rejection, and the work is queued before the first await. */
  async publish(session: SessionRef, side: Side, peer: Peer, sdp: string): Promise<void> {
    const media = this.entry(session);
    claim(media, side, peer);
    return runInOrder(media, side, 'publish', async () => {
      const gateway = await this.gatewayOf(media);
      await this.room(media, gateway, session, true);
      await publishOffer(this.ctx, media, gateway, side, peer, sdp);
    });
  }

  /** A page wants the other side's media (the console after Start or a reload; the phone at any time). */
  async join(session: SessionRef, side: Side, peer: Peer): Promise<void> {
    const media = this.entry(session);
    claim(media, side, peer);
    return runInOrder(media, side, 'subscribe', async () => {
      const gateway = await this.gatewayOf(media);
      await this.room(media, gateway, session, true);
      const them = media[other(side)];
      peer.send({
        type: 'media.peer',
        sessionId: media.sessionId,
        side: other(side),
        state: them.state,
        offering: them.feed !== undefined,
        publishing: !!them.up,
      });
      await subscribe(this.ctx, media, gateway, side);
    });
  }

  /** A page restarts ICE on a connection it keeps (a new network): ice-restart.ts. A page that reconnected its socket takes its side back. */
  async restartIce(session: SessionRef, side: Side, peer: Peer, restart: IceRestart): Promise<void> {
    const media = this.sessions.get(session.id);
    if (!media || media.closed) throw new RestartImpossible(restart.pc, 'This session has no media to restart.');
    claim(media, side, peer);
    return runInOrder(media, side, restart.pc, () => restartIce(media, side, peer, restart));
  }

  /** The page's answer to a subscription offer; an answer to a subscription since replaced is dropped. */
  answer(sessionId: string, side: Side, sdp: string, subscription: number): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media) return Promise.reject(new MediaUnavailable('This session has no media yet.'));
    return runInOrder(media, side, 'subscribe', () => answerSubscription(media, side, sdp, subscription));
  }

  /** A browser's ICE candidate; null when it has gathered them all. */
  candidate(sessionId: string, side: Side, pc: PcName, candidate: BrowserCandidate | null): Promise<void> {
    const media = this.sessions.get(sessionId);
    if (!media) return Promise.resolve();
    return runInOrder(media, side, pc, async () => {
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
    tellOther(media, side);
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
    const unsubscribed = runInOrder(media, side, 'subscribe', () => dropSubscriber(media[side]));
    const unpublished = runInOrder(media, side, 'publish', async () => {
      await dropPublisher(media[side]);
      tellOther(media, side);
    });
    return Promise.all([unsubscribed, unpublished]).then(() => {});
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

  /** Each side's subscription started or paused, on its own queue. */
  private relayAsState(media: SessionMedia): Promise<void> {
    const each = SIDES.map((side) => runInOrder(media, side, 'subscribe', () => relayAsState(this.ctx, media, side)));
    return Promise.all(each).then(() => {});
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
    const stored = storedRoom(session);
    if (!media) return stored ? this.destroy(stored) : true;
    media.closed = true;
    this.sessions.delete(session.id);
    // Not on the session's chain: close() must not wait behind a hung request.
    for (const side of SIDES) {
      await dropSubscriber(media[side]);
      await dropPublisher(media[side]);
    }
    const rooms = new Map<number, Room>();
    for (const r of [media.room, media.staleRoom, stored]) if (r) rooms.set(r.id, r);
    let gone = true;
    for (const room of rooms.values()) gone = (await this.destroy(room)) && gone;
    return gone;
  }

  /** True when the room is destroyed or was not there; false when Janus could not be asked. */
  private async destroy(room: Room): Promise<boolean> {
    // A server no longer in the pool cannot be asked, now or later: nothing to wait for.
    if (room.server && !this.pool.has(room.server)) return true;
    const gateway = this.pool.current(room.server ?? this.pool.first);
    if (!gateway) return false;
    try {
      if (await gateway.exists(room.id)) await gateway.destroyRoom(room);
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
      media = newSessionMedia(session);
      // Recorded since Start on another node (or before this process started): it goes on recording.
      if (session.recordTo) media.recordTo = session.recordTo;
      // The server another node chose; a room from before the pool is on the first.
      if (this.pool.has(session.janusServer)) media.server = session.janusServer;
      else if (session.roomId && !session.janusServer) media.server = this.pool.first;
      this.sessions.set(session.id, media);
    }
    return media;
  }

  /** The session's room, made if it has none; a room being made is waited for, not made twice. */
  private room(media: SessionMedia, gateway: VideoRoomGateway, session: SessionRef, save: boolean): Promise<Room> {
    if (media.closed) return Promise.reject(new MediaUnavailable('This session has ended.'));
    if (media.room) return Promise.resolve(media.room);
    media.making ??= this.replaceRoom(media, gateway, session, save).finally(() => {
      media.making = null;
    });
    return media.making;
  }

  private async replaceRoom(
    media: SessionMedia,
    gateway: VideoRoomGateway,
    session: SessionRef,
    save: boolean,
  ): Promise<Room> {
    const stale = media.staleRoom ?? storedRoom(session);
    // A restarted Janus has lost its rooms; an external one may still hold this one (on its own server).
    const there = stale && this.pool.current(stale.server ?? media.server ?? this.pool.first);
    if (stale && there && (await there.exists(stale.id).catch(() => false)))
      await there.destroyRoom(stale).catch(() => {});
    media.staleRoom = null;
    const room: Room = { ...(await gateway.createRoom(session.name)), server: media.server };
    // A recorded session whose room is remade (Janus restarted) goes on recording, into new files.
    if (media.recordTo) await gateway.record(room, media.recordTo);
    media.room = room;
    if (save) await this.deps.rooms.save(session.id, room);
    return room;
  }
}
