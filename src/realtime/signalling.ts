// Media messages from the console and the Lens page, checked and handed to the
// media service. A socket can only act on its own session: the console's
// technician must own the session named in the message, and a Lens socket is
// bound to its cookie's session. Media needs the session `active` or `on_hold`,
// except that while the customer waits for Start, both sides connect ahead so
// the picture comes sooner after it: the phone offers its publishing
// connection with its senders detached (it sends nothing; see
// web/src/lib/lens/call.svelte.ts), and the console its receiving connection,
// which Janus keeps paused until Start (MediaService.activate). The phone
// subscribes to nothing and the technician publishes nothing before Start.
//
// An SDP or candidate Loupe will not relay (src/contract/sdp.ts) is refused
// first, before any database read or media queue: garbage from one page never
// waits on, or holds up, anything. What a page is told of a failure is
// Loupe's own text (MEDIA_ERRORS); Janus's error text goes to the log only.
import { candidateAcceptable, expectedSdp, sdpProblem } from '../contract/sdp.ts';
import type { MediaErrorCode } from '../contract/socket.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';
import { JanusRequestError, JanusTimeout } from '../media/janus-link.ts';
import { type MediaService, MediaUnavailable, type Peer, RestartImpossible, type Side } from '../media/service.ts';
import type { ConsoleMessage, LensMessage } from './messages.ts';
import { findSignallingSession, type SignallingSession } from './signalling-session.ts';

type Reply = (message: unknown) => void;
export type MediaMessage = Exclude<LensMessage, { type: 'ping' }>;

/** What signalling needs besides the media service: where to log, and how to look a session up. */
export type SignallingDeps = {
  log: Logger;
  findSession(id: string): Promise<SignallingSession | undefined>;
};

const MEDIA_STATES = ['active', 'on_hold'];

/** What a page is told when its media message fails: fixed, so no SDP and no Janus parser text is echoed. */
export const MEDIA_ERRORS = {
  invalid_sdp: 'Loupe cannot use the media description this browser sent.',
  invalid_candidate: 'Loupe cannot use the network candidate this browser sent.',
  media_failed: 'The media server refused the request.',
  media_timeout: 'The media server did not answer in time.',
  restart_failed: 'The connection could not be restarted; it is made anew.',
} as const satisfies Partial<Record<MediaErrorCode, string>>;

/** Why Loupe will not relay this message's SDP or candidate (for the log), or undefined. */
function unusable(side: Side, message: MediaMessage): string | undefined {
  if (message.type === 'rtc.offer') return sdpProblem(message.sdp, expectedSdp(side, 'offer'));
  if (message.type === 'rtc.answer') return sdpProblem(message.sdp, expectedSdp(side, 'answer'));
  if (message.type === 'rtc.candidate' && message.candidate && !candidateAcceptable(message.candidate))
    return 'candidate';
  return undefined;
}

/** Refuses an unusable SDP or candidate with media.error; true when it did. */
function refused(deps: SignallingDeps, sessionId: string, side: Side, reply: Reply, message: MediaMessage): boolean {
  const problem = unusable(side, message);
  if (!problem) return false;
  const code = message.type === 'rtc.candidate' ? 'invalid_candidate' : 'invalid_sdp';
  deps.log.warn('media signal refused', { sessionId, side, type: message.type, problem });
  reply({ type: 'media.error', sessionId, code, message: MEDIA_ERRORS[code] });
  return true;
}

/** What a page may send while waiting for Start: the phone its publishing connection, the console its receiving one. */
function allowedWhileWaiting(side: Side, message: MediaMessage): boolean {
  // An ICE restart is for a live connection only: a waiting one is simply made anew.
  if (side === 'customer')
    return (
      (message.type === 'rtc.offer' && !message.iceRestart) ||
      (message.type === 'rtc.candidate' && message.pc === 'publish')
    );
  return (
    message.type === 'media.join' ||
    message.type === 'rtc.answer' ||
    message.type === 'media.leave' ||
    (message.type === 'rtc.candidate' && message.pc === 'subscribe')
  );
}

// Async so that a synchronous refusal becomes a rejection; the service still
// queues the work before the first await, so the socket's order is kept.
async function relay(
  media: MediaService,
  session: SignallingSession,
  side: Side,
  peer: Peer,
  message: MediaMessage,
): Promise<void> {
  switch (message.type) {
    case 'media.join':
      return media.join(session, side, peer);
    case 'rtc.offer':
      if (message.iceRestart) return media.restartIce(session, side, peer, { pc: 'publish', sdp: message.sdp });
      return media.publish(session, side, peer, message.sdp);
    case 'rtc.restart':
      return media.restartIce(session, side, peer, { pc: 'subscribe', subscription: message.subscription });
    case 'rtc.answer':
      return media.answer(session.id, side, message.sdp, message.subscription);
    case 'rtc.candidate':
      return media.candidate(session.id, side, message.pc, message.candidate);
    case 'media.state':
      return media.reportState(session.id, side, {
        muted: message.muted,
        camera: message.camera,
        background: message.background,
      });
    case 'media.leave':
      return media.leave(session.id, side, peer);
  }
}

async function handle(
  deps: SignallingDeps,
  media: MediaService | undefined,
  session: SignallingSession | undefined,
  side: Side,
  peer: Peer,
  reply: Reply,
  message: MediaMessage,
): Promise<void> {
  if (!session) return reply({ type: 'error', code: 'not_found', message: 'No such session.' });
  if (!MEDIA_STATES.includes(session.state) && !(session.state === 'waiting' && allowedWhileWaiting(side, message))) {
    return reply({
      type: 'error',
      code: 'invalid_state',
      message: `This session is ${session.state.replace('_', ' ')}: it has no media.`,
    });
  }
  if (!media)
    return reply({
      type: 'media.error',
      sessionId: session.id,
      code: 'media_unavailable',
      message: 'Media is not available on this server.',
    });
  // Not awaited: the socket's queue must not wait for Janus (its other messages,
  // state updates and sign-out checks would). Order within the session is kept by
  // the media service's own per-session chain, which relay() joins synchronously.
  relay(media, session, side, peer, message).catch((err) => failed(deps, session.id, side, reply, message, err));
}

/**
 * Answers and candidates from the page the media service already knows for
 * that side (it joined or published after the checks below) go straight on:
 * they come in bursts right when the picture is being connected, and each
 * look at the database held the connection up by a few milliseconds. Once the
 * session ends its media is gone, and they take the checked path again.
 */
function knownPeer(
  media: MediaService | undefined,
  sessionId: string,
  side: Side,
  peer: Peer,
  message: MediaMessage,
): media is MediaService {
  return (
    !!media &&
    (message.type === 'rtc.answer' || message.type === 'rtc.candidate') &&
    media.isPeer(sessionId, side, peer)
  );
}

function relayKnown(
  deps: SignallingDeps,
  media: MediaService,
  sessionId: string,
  side: Side,
  reply: Reply,
  message: MediaMessage,
): void {
  const work =
    message.type === 'rtc.answer'
      ? media.answer(sessionId, side, message.sdp, message.subscription)
      : message.type === 'rtc.candidate'
        ? media.candidate(sessionId, side, message.pc, message.candidate)
        : Promise.resolve();
  work.catch((err) => failed(deps, sessionId, side, reply, message, err));
}

function failed(
  deps: SignallingDeps,
  sessionId: string,
  side: Side,
  reply: Reply,
  message: MediaMessage,
  err: unknown,
): void {
  const restart = restartOf(message);
  if (restart) {
    restartFailed(deps, sessionId, side, reply, restart, err);
    return;
  }
  const code = err instanceof JanusTimeout ? 'media_timeout' : 'media_failed';
  deps.log.warn('media signalling failed', {
    sessionId,
    side,
    type: message.type,
    code,
    janusCode: err instanceof JanusRequestError ? err.code : undefined,
    err: err instanceof Error ? err.message : String(err),
  });
  // MediaUnavailable's messages are Loupe's own (the media server is down, the session ended).
  const said = err instanceof MediaUnavailable ? err.message : MEDIA_ERRORS[code];
  reply({ type: 'media.error', sessionId, code, message: said });
}

/** Which connection a message restarts ICE on, if it does. */
function restartOf(message: MediaMessage): 'publish' | 'subscribe' | undefined {
  if (message.type === 'rtc.offer' && message.iceRestart) return 'publish';
  if (message.type === 'rtc.restart') return 'subscribe';
  return undefined;
}

/** A restart that could not be done (not there, refused, timed out): the page makes the connection anew. */
function restartFailed(
  deps: SignallingDeps,
  sessionId: string,
  side: Side,
  reply: Reply,
  pc: 'publish' | 'subscribe',
  err: unknown,
): void {
  deps.log.info('ice restart failed', {
    sessionId,
    side,
    pc,
    janusCode: err instanceof JanusRequestError ? err.code : undefined,
    timeout: err instanceof JanusTimeout,
    err: err instanceof RestartImpossible || err instanceof Error ? err.message : String(err),
  });
  reply({ type: 'media.error', sessionId, code: 'restart_failed', message: MEDIA_ERRORS.restart_failed, pc });
}

/** The socket routes' entry points: the session is read from the database. */
export function consoleSignal(
  deps: Deps,
  media: MediaService | undefined,
  technicianId: string,
  peer: Peer,
  reply: Reply,
  message: Exclude<ConsoleMessage, { type: 'ping' }>,
) {
  return signalFromConsole(signallingDeps(deps), media, technicianId, peer, reply, message);
}

export function lensSignal(
  deps: Deps,
  media: MediaService | undefined,
  sessionId: string,
  peer: Peer,
  reply: Reply,
  message: MediaMessage,
) {
  return signalFromLens(signallingDeps(deps), media, sessionId, peer, reply, message);
}

function signallingDeps(deps: Deps): SignallingDeps {
  return { log: deps.log, findSession: (id) => findSignallingSession(deps, id) };
}

/** A media message from the technician's console, for the session it names. */
export async function signalFromConsole(
  deps: SignallingDeps,
  media: MediaService | undefined,
  technicianId: string,
  peer: Peer,
  reply: Reply,
  message: Exclude<ConsoleMessage, { type: 'ping' }>,
) {
  const { sessionId: _, ...rest } = message;
  if (refused(deps, message.sessionId, 'technician', reply, rest as MediaMessage)) return;
  if (knownPeer(media, message.sessionId, 'technician', peer, rest as MediaMessage))
    return relayKnown(deps, media, message.sessionId, 'technician', reply, rest as MediaMessage);
  const session = await deps.findSession(message.sessionId);
  // Another technician's session is reported as missing, like over HTTP.
  const own = session?.technicianId === technicianId ? session : undefined;
  await handle(deps, media, own, 'technician', peer, reply, rest as MediaMessage);
}

/** A media message from the customer's Lens page, for the session its cookie is bound to. */
export async function signalFromLens(
  deps: SignallingDeps,
  media: MediaService | undefined,
  sessionId: string,
  peer: Peer,
  reply: Reply,
  message: MediaMessage,
) {
  if (refused(deps, sessionId, 'customer', reply, message)) return;
  if (knownPeer(media, sessionId, 'customer', peer, message))
    return relayKnown(deps, media, sessionId, 'customer', reply, message);
  await handle(deps, media, await deps.findSession(sessionId), 'customer', peer, reply, message);
}
