// A side publishing into the session's room: its offer to Janus, Janus's
// answer back to the page, and what Janus then says of that PeerConnection
// (up: the other side can subscribe; hung up: the other side's subscription goes).
import type { VideoRoomGateway, VideoRoomHandle } from './gateway.ts';
import type { JanusEvent } from './janus-link.ts';
import { dropPublisher, dropSubscriber, other, runInOrder, type SessionMedia, tellOther } from './session-media.ts';
import { MediaUnavailable, type Peer, type Side } from './signals.ts';
import { type MediaContext, subscribe, subscribeFailed, toBrowser } from './subscription.ts';

/** Replaces this side's publisher (and the other side's subscription to it) with one on `sdp`. Runs on this side's publish queue. */
export async function publishOffer(
  ctx: MediaContext,
  media: SessionMedia,
  gateway: VideoRoomGateway,
  side: Side,
  peer: Peer,
  sdp: string,
): Promise<void> {
  const me = media[side];
  // The other side's subscription to the publisher replaced here goes, on its
  // own queue: waiting for it here would tie this page to that one's Janus requests.
  void runInOrder(media, other(side), 'subscribe', () => dropSubscriber(media[other(side)])).catch(() => {});
  await dropPublisher(me);
  const handle = await gateway.attach();
  me.pub = handle;
  const flow: VideoFlow = { lost: false };
  handle.onEvent((event) => onPublisherEvent(ctx, media, side, handle, event, flow));
  try {
    const { data, jsep } = await handle.request(
      {
        request: 'joinandconfigure',
        ptype: 'publisher',
        room: media.room!.id,
        display: side,
        // The recording's file names say whose they are (customer-<ms>-video-1.mjr):
        // Janus uses them only once the room records (after Start, recorded sessions).
        filename: `${side}-${Date.now()}`,
      },
      { type: 'offer', sdp },
    );
    if (jsep?.type !== 'answer') throw new MediaUnavailable('Janus did not answer the offer.');
    me.feed = Number(data.id);
    peer.send({ type: 'rtc.answer', sessionId: media.sessionId, pc: 'publish', sdp: jsep.sdp });
  } catch (err) {
    if (me.pub === handle) await dropPublisher(me);
    throw err;
  }
  tellOther(media, side);
  // The other side subscribes when Janus reports this PeerConnection up (onPublisherEvent).
}

function onPublisherEvent(
  ctx: MediaContext,
  media: SessionMedia,
  side: Side,
  handle: VideoRoomHandle,
  event: JanusEvent,
  flow: VideoFlow,
): void {
  const me = media[side];
  if (me.pub !== handle) return;
  if (event.janus === 'media' && event.type === 'video') onVideoFlow(ctx, media, side, handle, event, flow);
  else if (event.janus === 'trickle')
    me.peer?.send({
      type: 'rtc.candidate',
      sessionId: media.sessionId,
      pc: 'publish',
      candidate: toBrowser(event.candidate),
    });
  else if (event.janus === 'webrtcup') {
    me.up = true;
    tellOther(media, side);
    void runInOrder(media, other(side), 'subscribe', async () => {
      const gateway = ctx.gateway(media);
      if (me.pub !== handle || !gateway) return;
      await subscribe(ctx, media, gateway, other(side));
    }).catch((err) => subscribeFailed(ctx, media, other(side), err));
  } else if (event.janus === 'hangup' || event.janus === 'detached') {
    ctx.log.info('media publisher gone', { sessionId: media.sessionId, side, reason: event.reason ?? event.janus });
    me.pub = undefined;
    me.feed = undefined;
    me.up = false;
    tellOther(media, side);
    // Its handle is of no use any more, and the other side's subscription has
    // nothing left to receive: both go; they are made anew when this side publishes again.
    if (event.janus === 'hangup') {
      void runInOrder(media, side, 'publish', () => handle.detach()).catch(() => {});
      void runInOrder(media, other(side), 'subscribe', () => dropSubscriber(media[other(side)])).catch(() => {});
    }
  }
}

/** Whether Janus last said this publisher's video stopped arriving. */
type VideoFlow = { lost: boolean };

/**
 * Janus says when a publisher's video stops arriving (no packet for its
 * no_media_timer, 1 s) and when it comes back. After a loss of a few seconds
 * (a phone's link dropping and returning) the viewer holds frames that need
 * lost ones; Chromium's receiver then mostly NACKs, which Janus cannot answer
 * (it never had those packets), instead of asking for a keyframe, and the
 * picture waited for the room's periodic request (fir_freq, 2 s). Asking the
 * publisher for a keyframe as its video resumes brings the picture back
 * within a round trip (bench/network-switch.ts).
 */
function onVideoFlow(
  ctx: MediaContext,
  media: SessionMedia,
  side: Side,
  handle: VideoRoomHandle,
  event: JanusEvent,
  flow: VideoFlow,
): void {
  if (event.receiving === false) {
    flow.lost = true;
    return;
  }
  if (event.receiving !== true || !flow.lost) return;
  flow.lost = false;
  void runInOrder(media, side, 'publish', async () => {
    if (media[side].pub === handle) await handle.request({ request: 'configure', keyframe: true });
  }).catch((err) => ctx.log.info('media keyframe request failed', { sessionId: media.sessionId, side, err }));
}
