// One session's media as MediaService keeps it: the room, each side's page
// and Janus handles, and the queues its work runs on (one per PeerConnection).
// The helpers here touch one session only; nothing in this file waits for
// another session.
import type { VideoRoomHandle } from './gateway.ts';
import {
  type BrowserCandidate,
  MediaUnavailable,
  type PcName,
  type Peer,
  type PeerState,
  type SessionRef,
  type Side,
} from './signals.ts';
import type { Room } from './videoroom.ts';

export type Participant = {
  peer?: Peer;
  pub?: VideoRoomHandle;
  feed?: number;
  /** Janus's PeerConnection for `pub` is up (webrtcup): only then can the other side subscribe. */
  up?: boolean;
  sub?: VideoRoomHandle;
  /**
   * Janus's offer for `sub` and the candidates it trickled, held until this
   * side's page has the offer: candidates sent before it would be dropped by
   * the page, which makes its receiving connection on the offer.
   */
  pending?: { feed: number; sdp?: string; candidates: (BrowserCandidate | null)[] };
  state: PeerState;
  /** The work of each of this side's PeerConnections, in order (see runInOrder). */
  queues: Record<PcName, Promise<void>>;
};

export type SessionMedia = {
  sessionId: string;
  /** The session's name: the description of a room made anew (on another Janus). */
  name: string;
  /** The Janus of the pool holding (or to hold) the room; undefined until placed (JanusPool). */
  server: string | undefined;
  room: Room | null;
  /** A room from before a Janus restart or a lost link: destroyed when the next one is made. */
  staleRoom: Room | null;
  /** The room being made (by the first of Start, a publish or a join that needs it); the others wait for it. */
  making: Promise<Room> | null;
  held: boolean;
  /**
   * The technician clicked Start (the session is active or on hold). Until
   * then Janus relays nothing to anyone: a subscription made while the
   * customer waits is answered but stays paused (see relaying()).
   */
  started: boolean;
  /** Where Janus records the room since Start (recorded sessions); a room made anew records there too. */
  recordTo?: string;
  /** Set by close(): queued work for the session does nothing any more. */
  closed: boolean;
  customer: Participant;
  technician: Participant;
};

export const SIDES = ['customer', 'technician'] as const;
export const other = (side: Side): Side => (side === 'customer' ? 'technician' : 'customer');
const freshState = (): PeerState => ({ muted: false, camera: true, background: false });
const idle = (): Record<PcName, Promise<void>> => ({ publish: Promise.resolve(), subscribe: Promise.resolve() });

export function newSessionMedia(session: SessionRef): SessionMedia {
  return {
    sessionId: session.id,
    name: session.name,
    server: undefined,
    room: null,
    staleRoom: null,
    making: null,
    closed: false,
    // After a Loupe restart a held session must stay held.
    held: session.state === 'on_hold',
    started: session.state === 'active' || session.state === 'on_hold',
    customer: { state: freshState(), queues: idle() },
    technician: { state: freshState(), queues: idle() },
  };
}

/** The room a previous Loupe stored for the session, if any. */
export function storedRoom(session: SessionRef): Room | null {
  if (!session.roomId || !session.roomSecret) return null;
  return {
    id: session.roomId,
    secret: session.roomSecret,
    ...(session.janusServer && { server: session.janusServer }),
  };
}

/** Janus relays to subscribers only after Start and not on hold. */
export function relaying(media: SessionMedia): boolean {
  return media.started && !media.held;
}

/**
 * The work of one PeerConnection runs in order: its Janus handle is replaced,
 * offered, answered and given candidates one request after the other, and a
 * subscription is made after the unsubscribe before it. Each side's publishing
 * and receiving connection has its own queue, so a Janus request that hangs
 * (10 s until it times out) holds up that connection only: not the other
 * side's page, not the same page's other connection, not another session.
 * What one connection's work does to another's (a new publisher replaces the
 * other side's subscription to it) is queued on that one, not waited for.
 */
export function runInOrder<T>(media: SessionMedia, side: Side, pc: PcName, work: () => Promise<T>): Promise<T> {
  const queues = media[side].queues;
  const result = queues[pc].then(() => {
    if (media.closed) throw new MediaUnavailable('This session has ended.');
    return work();
  });
  queues[pc] = result.then(
    () => {},
    () => {},
  );
  return result;
}

/** One page per side: a second tab takes over, and the first is told to stop. */
export function claim(media: SessionMedia, side: Side, peer: Peer): void {
  const previous = media[side].peer;
  if (previous && previous !== peer) previous.send({ type: 'media.displaced', sessionId: media.sessionId });
  media[side].peer = peer;
}

/** The other side's page learns this side's state and how far its media is. */
export function tellOther(media: SessionMedia, side: Side): void {
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

export async function dropPublisher(p: Participant): Promise<void> {
  const pub = p.pub;
  p.pub = undefined;
  p.feed = undefined;
  p.up = false;
  await pub?.detach();
}

export async function dropSubscriber(p: Participant): Promise<void> {
  const sub = p.sub;
  p.sub = undefined;
  p.pending = undefined;
  await sub?.detach();
}

/** Janus went away: the session's handles died with it, and its room is to be replaced. */
export function forgetJanus(media: SessionMedia): void {
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
