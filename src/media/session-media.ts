// One session's media as MediaService keeps it: the room, each side's page
// and Janus handles, and the queue its work runs on. The helpers here touch
// one session only; nothing in this file waits for another session.
import type { VideoRoomHandle } from './gateway.ts';
import {
  type BrowserCandidate,
  MediaUnavailable,
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
};

export type SessionMedia = {
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

export const SIDES = ['customer', 'technician'] as const;
export const other = (side: Side): Side => (side === 'customer' ? 'technician' : 'customer');
const freshState = (): PeerState => ({ muted: false, camera: true, background: false });

export function newSessionMedia(session: SessionRef): SessionMedia {
  return {
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
}

/** The room a previous Loupe stored for the session, if any. */
export function storedRoom(session: SessionRef): Room | null {
  return session.roomId && session.roomSecret ? { id: session.roomId, secret: session.roomSecret } : null;
}

/** Janus relays to subscribers only after Start and not on hold. */
export function relaying(media: SessionMedia): boolean {
  return media.started && !media.held;
}

/**
 * One session's media work runs in order: a subscription must not race the
 * publish it follows. Each session has its own chain, so a Janus request that
 * hangs holds up its own session only.
 */
export function runInOrder<T>(media: SessionMedia, work: () => Promise<T>): Promise<T> {
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
