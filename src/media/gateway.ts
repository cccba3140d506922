// The part of Janus that MediaService talks to, as an interface: one API
// connection to the VideoRoom plugin with its room administration, and plugin
// handles on it. The real one is VideoRoomAdmin (videoroom.ts) over JanusLink
// (janus-link.ts, janus-gateway-js); the in-memory one is FakeJanus
// (fake-janus.ts), so the media rules can be tested in milliseconds. Requests
// and answers keep Janus's own shapes (`{ request: 'join', … }` in, the
// plugin's `data` out, failures as JanusRequestError with Janus's code), so
// both sides of the interface speak the protocol Janus documents.
import type { IceCandidate, JanusEvent, Jsep, PluginAnswer } from './janus-link.ts';
import type { Room } from './videoroom.ts';

/** One VideoRoom plugin handle: a publisher's or a subscriber's PeerConnection in Janus. */
export interface VideoRoomHandle {
  readonly id: number;
  /** A VideoRoom request and its answer (Janus's synchronous answer or its asynchronous event). */
  request(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer>;
  /** A browser's ICE candidate; `{ completed: true }` when it has no more. */
  trickle(candidate: IceCandidate): Promise<void>;
  /** Events Janus sends unasked: trickle, webrtcup, media, slowlink, hangup, plugin events; `detached` when gone. */
  onEvent(listener: (event: JanusEvent) => void): void;
  detach(): Promise<void>;
}

/**
 * One API connection to Janus (a Janus session on it) that attaches VideoRoom
 * handles: JanusLink, or FakeJanus's in-memory one. VideoRoomAdmin makes a
 * VideoRoomGateway of either.
 */
export interface JanusApiLink {
  readonly isClosed: boolean;
  onClose(listener: () => void): () => void;
  attach(): Promise<VideoRoomHandle>;
  close(): Promise<void>;
}

/** One API connection to Janus's VideoRoom plugin. */
export interface VideoRoomGateway {
  readonly isClosed: boolean;
  /** Called once when the connection is lost (Janus died or closed it): every handle on it is gone too. */
  onClose(listener: () => void): () => void;
  attach(): Promise<VideoRoomHandle>;
  /** A private room for one customer and one technician. */
  createRoom(description: string): Promise<Room>;
  exists(id: number): Promise<boolean>;
  /** Every publisher of the room recorded (or not) from now, into `recDir` (VideoRoom `edit` + `enable_recording`). */
  record(room: Room, recDir: string): Promise<void>;
  destroyRoom(room: Room): Promise<void>;
  close(): Promise<void>;
}

/** Where Janus is: what a gateway needs to connect. */
export type JanusAddress = { url: string; apiSecret: string | undefined; roomAdminKey: string | undefined };

export type ConnectGateway = (janus: JanusAddress) => Promise<VideoRoomGateway>;
