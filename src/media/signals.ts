// What the media layer says to pages and what it needs from the rest of
// Loupe: the signals sent over /ws/console and /ws/lens, the session as the
// media layer sees it, and where Janus is.
// The signals' shapes are the contract's (src/contract/socket.ts), shared with the web app.
import type { BrowserCandidate, MediaSignal, PcName, PeerState, Side } from '../contract/socket.ts';
import type { Room } from './videoroom.ts';

export type { BrowserCandidate, MediaSignal, PcName, PeerState, Side };

export type Peer = { send(signal: MediaSignal): void };

/** The session as the media layer needs it. */
export type SessionRef = {
  id: string;
  name: string;
  state: string;
  roomId: number | null;
  roomSecret: string | null;
  /** The pool member holding the room (lens_sessions.janus_server); absent or null: the pool's first. */
  janusServer?: string | null;
  /** A recorded session since Start: where Janus records it (a room made here anew records there too). */
  recordTo?: string;
};

/** Where rooms are remembered, so a restarted Loupe can destroy what it left behind. */
export type RoomStore = {
  /** The room and its server (room.server), or none. */
  save(sessionId: string, room: Room | null): Promise<void>;
  /** Live sessions per Janus server across all nodes (placement); absent: this node's own count only. */
  liveCounts?(): Promise<Map<string, number>>;
  /**
   * The session goes to `to` from `from` (a dead Janus, or null: none yet),
   * unless another node moved it first: returns the server the row names now.
   */
  move?(sessionId: string, from: string | null, to: string): Promise<string>;
};

/** The bundled Janus's supervisor, or anything else that says where Janus is and when it is (back) up. */
export type JanusSource = {
  readonly url: string;
  readonly apiSecret: string | undefined;
  readonly roomAdminKey: string | undefined;
  onReady(handler: () => void | Promise<void>): () => void;
};

export class MediaUnavailable extends Error {}
