// ICE restarts: a page whose network changed (Wi-Fi to 4G, a link lost for a
// few seconds) keeps its PeerConnections and only renews their ICE, instead of
// publishing and subscribing anew. Janus 1.1's VideoRoom does it on the handle
// the connection already has:
// - a publisher sends a `configure` with its new offer (new ICE credentials):
//   Janus's core sees the restart in the offer and answers it;
// - a subscriber asks with `configure` and `restart: true`: Janus answers with
//   a new offer carrying new ICE credentials, which the page answers as usual
//   (`start` or `pause` with its answer, subscription.ts's answerSubscription).
// Feed, subscriptions and the other side's connections stay as they are, so
// the picture comes back as soon as ICE is up again. Where the restart cannot
// be done (Janus hung the handle up after ICE failed, or was restarted, or
// refuses), RestartImpossible or Janus's error reaches signalling, which tells
// the page `restart_failed`: it then publishes or joins anew.
import type { SessionMedia } from './session-media.ts';
import type { PcName, Peer, Side } from './signals.ts';

/** What a page asks to restart: its publishing connection (with the new offer) or a subscription. */
export type IceRestart = { pc: 'publish'; sdp: string } | { pc: 'subscribe'; subscription: number };

/** The connection to restart is not (or no longer) in Janus: the page has to make it anew. */
export class RestartImpossible extends Error {
  constructor(
    readonly pc: PcName,
    message: string,
  ) {
    super(message);
  }
}

/** Runs on the queue of the connection restarted (MediaService.restartIce). */
export function restartIce(media: SessionMedia, side: Side, peer: Peer, restart: IceRestart): Promise<void> {
  return restart.pc === 'publish'
    ? restartPublisher(media, side, peer, restart.sdp)
    : restartSubscription(media, side, peer, restart.subscription);
}

async function restartPublisher(media: SessionMedia, side: Side, peer: Peer, sdp: string): Promise<void> {
  const me = media[side];
  const handle = me.pub;
  if (!handle || me.feed === undefined) throw new RestartImpossible('publish', 'No publisher to restart.');
  const { jsep } = await handle.request({ request: 'configure' }, { type: 'offer', sdp });
  if (me.pub !== handle) throw new RestartImpossible('publish', 'The publisher was replaced meanwhile.');
  if (jsep?.type !== 'answer') throw new RestartImpossible('publish', 'Janus did not answer the restart offer.');
  peer.send({ type: 'rtc.answer', sessionId: media.sessionId, pc: 'publish', sdp: jsep.sdp });
}

async function restartSubscription(media: SessionMedia, side: Side, peer: Peer, subscription: number): Promise<void> {
  const me = media[side];
  const sub = me.sub;
  // A subscription whose first offer the page has not even had is not restarted: it is delivered as it is.
  if (!sub || sub.id !== subscription || me.pending)
    throw new RestartImpossible('subscribe', 'No such subscription to restart.');
  const { jsep } = await sub.request({ request: 'configure', restart: true });
  if (me.sub !== sub) throw new RestartImpossible('subscribe', 'The subscription was replaced meanwhile.');
  if (jsep?.type !== 'offer') throw new RestartImpossible('subscribe', 'Janus sent no restart offer.');
  peer.send({ type: 'rtc.offer', sessionId: media.sessionId, pc: 'subscribe', sdp: jsep.sdp, subscription: sub.id });
}
