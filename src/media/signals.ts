// What the media layer says to pages and what it needs from the rest of
// Loupe: the signals sent over /ws/console and /ws/lens, the session as the
// media layer sees it, and where Janus is.
import type { Room } from './videoroom.ts';

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
