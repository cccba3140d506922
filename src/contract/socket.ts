// Every message on the two sockets, both directions. /ws/console carries the
// technician's session list and the media signalling of the session being
// viewed; /ws/lens the customer's session state and its media signalling.
// The server validates what browsers send with the `*Message` schemas; the
// `*Event` schemas are what it sends, checked in tests.
import { z } from 'zod';
import { iceServersField } from './ice.ts';
import { MAX_SOCKET_MESSAGE_BYTES } from './limits.ts';
import { qualitySampleInput } from './records.ts';
import { chatSendSchema, customerTools, technicianTools, toolEvents } from './tools.ts';
import { lensViewSchema, sessionViewSchema } from './views.ts';

export { MAX_SOCKET_MESSAGE_BYTES };

// An SDP's and a candidate's content (size up to SDP_MAX and CANDIDATE_MAX,
// characters, the lines Loupe needs) is checked by src/contract/sdp.ts when
// signalling takes the message: a refusal there is a `media.error` to the page
// (invalid_sdp, invalid_candidate), not a malformed message. The socket's
// message limit bounds them here.
const sdp = z.string();
const candidate = z
  .strictObject({
    candidate: z.string(),
    sdpMid: z.string().max(64).nullish(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
    usernameFragment: z.string().max(256).nullish(),
  })
  .nullable();
const pc = z.enum(['publish', 'subscribe']);
/** Which of the page's two PeerConnections: the one it sends on, or the one it receives on. */
export type PcName = z.output<typeof pc>;
const side = z.enum(['customer', 'technician']);
export type Side = z.output<typeof side>;
const peerState = { muted: z.boolean(), camera: z.boolean(), background: z.boolean() };
const sessionId = z.uuid();
/** Echoes the `subscription` of the offer being answered. */
const subscription = z.number().int().positive();
/**
 * An offer that restarts ICE on the publishing connection the page keeps (a
 * new network): Janus gets it on the same handle, and the page the answer.
 */
const iceRestart = z.literal(true).optional();

const ping = z.strictObject({ type: z.literal('ping') });

/**
 * Why a page's media request failed. `invalid_sdp` / `invalid_candidate`: what
 * the page sent is not one Loupe relays (src/contract/sdp.ts); `media_failed`:
 * Janus refused it or Loupe could not reach Janus; `media_timeout`: Janus did
 * not answer in time; `subscribe_failed`: the other side's media could not be
 * subscribed (Loupe tries again); `media_unavailable`: no media on this server;
 * `restart_failed`: an ICE restart could not be done on the connection named
 * by `pc` (Janus refused it, did not answer, or no longer holds it): the page
 * publishes or joins anew.
 */
const mediaErrorCode = z.enum([
  'invalid_sdp',
  'invalid_candidate',
  'media_failed',
  'media_timeout',
  'subscribe_failed',
  'media_unavailable',
  'restart_failed',
]);
export type MediaErrorCode = z.output<typeof mediaErrorCode>;

// ---- from the browser

/** /ws/console: every media message names the session; the server checks it is the technician's own. */
export const consoleMessage = z.discriminatedUnion('type', [
  ping,
  z.strictObject({ type: z.literal('media.join'), sessionId }),
  z.strictObject({ type: z.literal('media.leave'), sessionId }),
  z.strictObject({ type: z.literal('rtc.offer'), sessionId, sdp, iceRestart }),
  z.strictObject({ type: z.literal('rtc.answer'), sessionId, sdp, subscription }),
  // Janus is asked for a new offer with new ICE credentials on this subscription (an ICE restart).
  z.strictObject({ type: z.literal('rtc.restart'), sessionId, subscription }),
  z.strictObject({ type: z.literal('rtc.candidate'), sessionId, pc, candidate }),
  z.strictObject({ type: z.literal('media.state'), sessionId, ...peerState }),
  // The live tools (tools.ts): relayed to the session's phone.
  ...technicianTools,
  z.strictObject({ ...chatSendSchema, sessionId }),
  // The connection's stats for the report's quality chart, every QUALITY_SAMPLE_MS while live (src/records/quality.ts).
  z.strictObject({ type: z.literal('stats.sample'), sessionId, sample: qualitySampleInput }),
]);
export type ConsoleMessage = z.output<typeof consoleMessage>;

/** /ws/lens: the socket belongs to one session (the cookie's); no message can name another. */
export const lensMessage = z.discriminatedUnion('type', [
  ping,
  z.strictObject({ type: z.literal('media.join') }),
  z.strictObject({ type: z.literal('media.leave') }),
  z.strictObject({ type: z.literal('rtc.offer'), sdp, iceRestart }),
  z.strictObject({ type: z.literal('rtc.answer'), sdp, subscription }),
  z.strictObject({ type: z.literal('rtc.restart'), subscription }),
  z.strictObject({ type: z.literal('rtc.candidate'), pc, candidate }),
  z.strictObject({ type: z.literal('media.state'), ...peerState }),
  ...customerTools,
  z.strictObject(chatSendSchema),
]);
export type LensMessage = z.output<typeof lensMessage>;

// ---- from the server

/** What the other side's page says about itself; relayed as is. */
export const peerStateSchema = z.strictObject(peerState);
export type PeerState = z.output<typeof peerStateSchema>;

// Janus's candidates, as relayed to a page: no usernameFragment.
const janusCandidate = z.strictObject({
  candidate: z.string(),
  sdpMid: z.string().nullish(),
  sdpMLineIndex: z.number().int().nullish(),
});
export type BrowserCandidate = z.output<typeof janusCandidate>;

/** Media messages from Loupe to a page (over /ws/console and /ws/lens alike). */
export const mediaSignalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rtc.answer'), sessionId, pc: z.literal('publish'), sdp: z.string() }),
  /** `subscription` comes back with the answer, so an answer to a replaced subscription is recognised. */
  z.strictObject({
    type: z.literal('rtc.offer'),
    sessionId,
    pc: z.literal('subscribe'),
    sdp: z.string(),
    subscription,
  }),
  z.strictObject({
    type: z.literal('rtc.candidate'),
    sessionId,
    pc,
    candidate: janusCandidate.nullable(),
  }),
  /** `offering`: the side sent its media offer; `publishing`: Janus receives it (its PeerConnection is up). */
  z.strictObject({
    type: z.literal('media.peer'),
    sessionId,
    side,
    state: peerStateSchema,
    offering: z.boolean(),
    publishing: z.boolean(),
  }),
  z.strictObject({ type: z.literal('media.interrupted'), sessionId, reason: z.literal('media_server_down') }),
  /** Janus is back (or the room was replaced): publish and join again. `media_server_moved`: on another Janus of the pool, the first one died. */
  z.strictObject({ type: z.literal('media.restart'), sessionId, reason: z.literal('media_server_moved').optional() }),
  /** Another page (a second tab) took over this side of the session; this one should stop. */
  z.strictObject({ type: z.literal('media.displaced'), sessionId }),
  /** `message` is Loupe's, in English (pages show their own text by `code`); never Janus's or the page's own text. */
  z.strictObject({
    type: z.literal('media.error'),
    sessionId,
    code: mediaErrorCode,
    message: z.string(),
    /** With `restart_failed`: which connection could not be restarted. */
    pc: pc.optional(),
  }),
]);
export type MediaSignal = z.output<typeof mediaSignalSchema>;

/** A refused message; the socket stays open. */
export const socketErrorSchema = z.strictObject({ type: z.literal('error'), code: z.string(), message: z.string() });
export type SocketError = z.output<typeof socketErrorSchema>;
const pong = z.strictObject({ type: z.literal('pong') });

/** /ws/console, server to console: the technician's sessions (a snapshot on connect, then one session per change). */
export const consoleEvent = z.union([
  z.strictObject({ type: z.literal('snapshot'), sessions: z.array(sessionViewSchema), iceServers: iceServersField }),
  z.strictObject({ type: z.literal('session'), session: sessionViewSchema }),
  pong,
  socketErrorSchema,
  mediaSignalSchema,
  ...toolEvents,
]);
export type ConsoleEvent = z.output<typeof consoleEvent>;

/** /ws/lens, server to the customer's page: the session's state on connect and on every change. */
export const lensEvent = z.union([
  z.strictObject({ type: z.literal('state'), session: lensViewSchema, iceServers: iceServersField }),
  pong,
  socketErrorSchema,
  mediaSignalSchema,
  ...toolEvents,
]);
export type LensEvent = z.output<typeof lensEvent>;
