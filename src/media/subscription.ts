// A side's subscription to the other side's feed: Janus's offer, held with
// its trickled candidates until the page can take them, the page's answer,
// and whether Janus relays on it (only after Start, not on hold).
import type { VideoPlayout } from '../config.ts';
import type { Logger } from '../log.ts';
import type { VideoRoomGateway, VideoRoomHandle } from './gateway.ts';
import type { IceCandidate, JanusEvent } from './janus-link.ts';
import { dropSubscriber, other, relaying, type SessionMedia } from './session-media.ts';
import { type BrowserCandidate, MediaUnavailable, type Side } from './signals.ts';

/** What the media modules share: where to log, and the connection to the session's Janus if it is up now. */
export type MediaContext = {
  log: Logger;
  videoPlayout: VideoPlayout;
  gateway(media: SessionMedia): VideoRoomGateway | undefined;
};

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

/**
 * The viewer's subscription to the other side's feed. Made even before the
 * viewer joined (the technician, while the customer's silent connection
 * waits for Start): Janus's offer is then kept and sent the moment they
 * join, instead of after two more requests to Janus. Before Start, a
 * technician's answer leaves it paused (answerSubscription()): Janus relays nothing on it.
 */
export async function subscribe(
  ctx: MediaContext,
  media: SessionMedia,
  gateway: VideoRoomGateway,
  viewerSide: Side,
): Promise<void> {
  const viewer = media[viewerSide];
  const publisher = media[other(viewerSide)];
  const feed = publisher.feed;
  if (feed === undefined || !publisher.up || !media.room) return;
  if (viewer.peer && viewer.sub && viewer.pending?.sdp && viewer.pending.feed === feed)
    return deliver(media, viewerSide);
  await dropSubscriber(viewer);
  const handle = await gateway.attach();
  viewer.sub = handle;
  viewer.pending = { feed, candidates: [] };
  handle.onEvent((event) => onSubscriberEvent(media, viewerSide, handle, event));
  try {
    const { jsep } = await handle.request({
      request: 'join',
      ptype: 'subscriber',
      room: media.room.id,
      streams: [{ feed, ...playoutDelay(ctx.videoPlayout) }],
    });
    if (jsep?.type !== 'offer') throw new MediaUnavailable('Janus sent no offer for the subscription.');
    if (viewer.sub !== handle || !viewer.pending) return;
    viewer.pending.sdp = jsep.sdp;
    deliver(media, viewerSide);
  } catch (err) {
    if (viewer.sub === handle) await dropSubscriber(viewer);
    throw err;
  }
}

/** The held subscription offer and its candidates, to this side's page if it has one. */
function deliver(media: SessionMedia, side: Side): void {
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

/** The page's answer; an answer to a subscription since replaced is dropped. */
export async function answerSubscription(media: SessionMedia, side: Side, sdp: string, subscription: number) {
  const sub = media[side].sub;
  if (!sub || sub.id !== subscription) return;
  // The answer rides on the request that leaves the subscription as it should
  // be: Janus sets up the connection either way, and relays only on 'start'.
  await sub.request({ request: relaying(media) ? 'start' : 'pause' }, { type: 'answer', sdp });
}

/** Hold, resume and Start: this side's subscription is started or paused to match the session. Runs on its subscribe queue. */
export async function relayAsState(ctx: MediaContext, media: SessionMedia, side: Side): Promise<void> {
  const request = relaying(media) ? 'start' : 'pause';
  const sub = media[side].sub;
  if (sub)
    await sub
      .request({ request })
      .catch((err) => ctx.log.warn(`media ${request} failed`, { sessionId: media.sessionId, err }));
}

export function subscribeFailed(ctx: MediaContext, media: SessionMedia, side: Side, err: unknown): void {
  if (media.closed) return;
  const message = err instanceof Error ? err.message : String(err);
  ctx.log.warn('media subscription failed', { sessionId: media.sessionId, side, err: message });
  media[side].peer?.send({
    type: 'media.error',
    sessionId: media.sessionId,
    code: 'subscribe_failed',
    message: 'The other side’s media could not be received. Trying again…',
  });
}

function onSubscriberEvent(media: SessionMedia, side: Side, handle: VideoRoomHandle, event: JanusEvent): void {
  const me = media[side];
  if (me.sub !== handle) return;
  if (event.janus === 'trickle') {
    const candidate = toBrowser(event.candidate);
    if (me.pending) me.pending.candidates.push(candidate);
    else me.peer?.send({ type: 'rtc.candidate', sessionId: media.sessionId, pc: 'subscribe', candidate });
  } else if (event.jsep?.type === 'offer') {
    // Janus renegotiates (an ICE restart): the page answers this offer like the first.
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

export function toBrowser(candidate: IceCandidate | undefined): BrowserCandidate | null {
  if (!candidate || 'completed' in candidate) return null;
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
  };
}
