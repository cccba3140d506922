// size: one call's whole life (waiting connection, publish, subscribe, ICE restart) in one place; the
// restart's own rules are in ../media/ice-restart.ts.
// The customer's side of a live session. Neither camera nor microphone leaves
// the phone before the technician clicks Start: while the customer waits, the
// publishing connection to the media server is made with its senders detached
// (they send nothing at all), and Start only gives them their tracks, so the
// technician sees the picture without waiting for a connection to be set up.
// It publishes again by itself after a reload, a socket reconnect, a lost
// connection or a media server restart; on hold, and while the app is in the
// background, the camera is paused.
import { IceWatch, onNetworkChange } from '../media/ice-restart.ts';
import { PublishLeg, SubscribeLeg, type Candidate } from '../media/peer.ts';
import type { MessageKey } from './i18n.ts';
import { mediaProblem } from './media-problem.ts';

export type LensCallStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'interrupted' | 'displaced';
type Message = { type: string; [k: string]: unknown };
type Send = (message: Record<string, unknown>) => void;

const RETRY_MS = 3_000;
/** A connection made ready while waiting is made anew after this long (the network may have changed). */
const READY_MS = 60_000;

export class LensCall {
	status = $state<LensCallStatus>('idle');
	muted = $state(false);
	cameraOff = $state(false);
	background = $state(false);
	/** The technician's microphone muted. */
	technicianMuted = $state(false);
	/** The technician's voice. */
	remote = $state.raw<MediaStream | null>(null);
	/** What the live screen says while not live after the media server refused this phone's request (mediaProblem). */
	problem = $state<MessageKey | null>(null);

	#send: Send | null = null;
	#stream: MediaStream | null = null;
	#held = false;
	#wanted = false;
	#pub: PublishLeg | null = null;
	#sub: SubscribeLeg | null = null;
	/** Made and connected, silent, while waiting for Start (see prepare). */
	#ready: PublishLeg | null = null;
	#readyTimer: ReturnType<typeof setTimeout> | undefined;
	#rewarmTimer: ReturnType<typeof setTimeout> | undefined;
	#retry: ReturnType<typeof setTimeout> | undefined;
	#rejoin: ReturnType<typeof setTimeout> | undefined;
	#visibilityBound = false;
	/** Restarts the publishing connection's ICE when the network fails it (ice-restart.ts). */
	#watch: IceWatch | null = null;
	#unwatchNetwork: (() => void) | null = null;

	/** The Lens socket opened (again): signalling can flow; a live call publishes anew. */
	socketOpened(send: Send) {
		this.#send = send;
		// A new socket after a network change: the publishing connection is kept and its ICE restarted.
		const pub = this.#pub;
		const kept = this.#wanted && this.status !== 'displaced' && !!pub?.offered && usable(pub) && !!this.#watch?.now();
		if (kept) send({ type: 'media.join' });
		else if (this.#wanted && this.status !== 'displaced') this.#publish();
		// A connection offered over the previous socket may have lost its answer: make it anew.
		else if (this.#ready?.offered) this.#rewarm(0);
		else this.#warm();
	}

	/**
	 * The session's state as it arrives, before any screen changes: on Start
	 * the waiting connection gets its tracks at once (the live screen's update()
	 * then finds the call made).
	 */
	stateChanged(state: string | undefined) {
		const ready = this.#ready;
		if ((state === 'active' || state === 'on_hold') && ready && !this.#wanted) this.update(state, ready.stream);
	}

	socketClosed() {
		this.#send = null;
	}

	/**
	 * Called whenever the session's state or the camera stream changes.
	 * `active`/`on_hold` with a stream: be in the call; anything else: not.
	 */
	update(state: string | undefined, stream: MediaStream | null) {
		const inCall = (state === 'active' || state === 'on_hold') && !!stream;
		this.#held = state === 'on_hold';
		if (!inCall) {
			if (this.#wanted) this.hangUp();
			return;
		}
		this.#bindVisibility();
		const fresh = !this.#wanted || !this.#pub;
		// A new stream during the call (the other camera): the senders swap tracks, no new negotiation.
		this.#stream = stream;
		this.#wanted = true;
		if (fresh) this.#publish();
		else this.#applyTracks();
	}

	/**
	 * While the customer waits for Start: the publishing connection is offered
	 * to the media server and connected, with its senders detached, so that
	 * Start only has to attach the camera and microphone. Setting up that
	 * connection (offer, the server's answer, ICE, DTLS) takes 100 ms and more;
	 * done after Start it held the first picture back by as much. No media
	 * packet is sent before Start: a detached sender sends nothing, and Janus
	 * relays nothing to the technician until Start either (Loupe keeps the
	 * technician's subscription paused). `null`: no longer waiting; let it go.
	 */
	prepare(stream: MediaStream | null) {
		if (this.#wanted) return;
		if (stream && this.#ready?.stream === stream && !this.#ready.closed) return;
		this.#dropReady();
		if (!stream) return;
		const leg = this.#leg(stream);
		this.#ready = leg;
		leg
			.silence()
			.then(() => leg.prepare())
			.then(
				() => this.#warm(),
				() => {
					if (this.#ready === leg) this.#rewarm(RETRY_MS);
				}
			);
		// A connection that was never offered (no socket yet) is made anew now and then: the network may have changed.
		this.#readyTimer = setTimeout(() => {
			if (this.#ready === leg && !leg.offered) this.#rewarm(0);
		}, READY_MS);
	}

	/** The waiting connection is offered once it is prepared and the socket is open. */
	#warm() {
		const leg = this.#ready;
		if (!leg || leg.offered || !this.#send || this.#wanted) return;
		void leg
			.prepare()
			.then(() => {
				if (this.#ready === leg && this.#send && !this.#wanted) return leg.offer();
			})
			.catch(() => {
				if (this.#ready === leg) this.#rewarm(RETRY_MS);
			});
	}

	/** The waiting connection failed or was refused: a new one, now or in a moment. */
	#rewarm(delay: number) {
		const stream = this.#ready?.stream ?? null;
		this.#dropReady();
		if (!stream || this.#wanted) return;
		this.#rewarmTimer = setTimeout(() => this.prepare(stream), delay);
	}

	#dropReady() {
		clearTimeout(this.#readyTimer);
		clearTimeout(this.#rewarmTimer);
		this.#ready?.close();
		this.#ready = null;
	}

	hangUp() {
		this.#dropReady();
		this.#wanted = false;
		clearTimeout(this.#retry);
		clearTimeout(this.#rejoin);
		this.#stopWatch();
		this.#pub?.close();
		this.#sub?.close();
		this.#pub = this.#sub = null;
		this.#stream = null;
		this.remote = null;
		this.status = 'idle';
		this.problem = null;
		// The next session starts unmuted, with the camera on.
		this.muted = this.cameraOff = this.technicianMuted = false;
	}

	/** This page takes the session back from another tab. */
	takeOver() {
		this.status = 'connecting';
		this.#publish();
	}

	toggleMute() {
		this.muted = !this.muted;
		this.#applyTracks();
		this.#report();
	}

	toggleCamera() {
		this.cameraOff = !this.cameraOff;
		this.#applyTracks();
		this.#report();
	}

	receive(m: Message) {
		if (!this.#wanted && this.#ready) return this.#receiveWaiting(m);
		switch (m.type) {
			case 'rtc.answer':
				this.problem = null;
				void this.#pub?.answered(String(m.sdp)).catch(() => this.#again());
				break;
			case 'rtc.offer':
				this.#subscribe(String(m.sdp), Number(m.subscription));
				break;
			case 'rtc.candidate':
				void (m.pc === 'publish' ? this.#pub : this.#sub)?.addCandidate(m.candidate as Candidate);
				break;
			case 'media.peer':
				if (m.side === 'technician') this.technicianMuted = (m.state as { muted?: boolean })?.muted === true;
				break;
			case 'media.interrupted':
				this.status = 'interrupted';
				break;
			case 'media.restart':
				if (this.#wanted && this.status !== 'displaced') this.#publish();
				break;
			case 'media.displaced':
				// The session was opened in another tab, which now has the camera.
				clearTimeout(this.#retry);
				this.#stopWatch();
				this.#pub?.close();
				this.#sub?.close();
				this.#pub = this.#sub = null;
				this.remote = null;
				this.status = 'displaced';
				break;
			case 'media.error':
				// The technician's voice could not be subscribed: ask again. A candidate
				// Loupe would not relay: the others may do. Anything else: publish again.
				this.problem = mediaProblem(String(m.code)) ?? this.problem;
				// An ICE restart Loupe could not do: the publishing connection is made anew at once.
				if (m.code === 'restart_failed') {
					if (m.pc === 'publish') this.#watch?.refused();
					else this.#joinAgain();
				} else if (m.code === 'subscribe_failed') this.#joinAgain();
				else if (m.code !== 'invalid_candidate') this.#again();
				break;
		}
	}

	/** Signalling for the waiting connection. */
	#receiveWaiting(m: Message) {
		const leg = this.#ready!;
		switch (m.type) {
			case 'rtc.answer':
				void leg.answered(String(m.sdp)).catch(() => this.#rewarm(RETRY_MS));
				break;
			case 'rtc.candidate':
				if (m.pc === 'publish') void leg.addCandidate(m.candidate as Candidate);
				break;
			case 'media.restart':
				// The media server is back: offer anew.
				this.#rewarm(0);
				break;
			case 'media.error':
				// Refused: made anew in a moment, or at Start if this server has no media at all.
				// A candidate Loupe would not relay leaves the connection as it is: the others may do.
				if (!leg.offered || m.code === 'invalid_candidate') break;
				if (m.code === 'media_unavailable') this.#dropReady();
				else this.#rewarm(RETRY_MS);
				break;
		}
	}

	#publish() {
		clearTimeout(this.#retry);
		this.#stopWatch();
		this.#pub?.close();
		this.#sub?.close();
		this.#pub = this.#sub = null;
		const send = this.#send;
		const stream = this.#stream;
		if (!send || !stream || !this.#wanted) return;
		if (this.status !== 'interrupted') this.status = 'connecting';
		// Ask for the technician's voice first, then offer our camera and microphone.
		send({ type: 'media.join' });
		const ready = this.#ready?.stream === stream && usable(this.#ready) ? this.#ready : null;
		if (ready) this.#ready = null;
		this.#dropReady();
		const pub = ready ?? this.#leg(stream);
		this.#pub = pub;
		this.#watchLeg(pub);
		this.#applyTracks();
		this.#report();
		if (pub.pc.connectionState === 'connected') this.status = 'live';
		void pub.offer().catch(() => this.#again());
	}

	#leg(stream: MediaStream): PublishLeg {
		const leg: PublishLeg = new PublishLeg(
			stream,
			(m) => this.#send?.(m),
			(s) => {
				if (leg === this.#ready && s === 'failed') return this.#rewarm(RETRY_MS);
				if (leg !== this.#pub) return;
				this.#watch?.state(s);
				// The watch gave up on it and published anew.
				if (leg !== this.#pub) return;
				if (s === 'connected') {
					this.status = 'live';
					this.problem = null;
				}
				// Failed and not being restarted (never connected: nothing to restart): publish anew in a
				// moment. Left to the watch alone, a connection that failed under a firewall stayed failed
				// after the network let it through.
				else if (s === 'failed' && !this.#watch?.restarting) this.#again();
			}
		);
		return leg;
	}

	#subscribe(sdp: string, subscription: number) {
		this.#sub?.close();
		const sub = new SubscribeLeg(
			(m) => this.#send?.(m),
			(s) => {
				if (sub === this.#sub && s === 'failed') this.#joinAgain();
			},
			(stream) => (this.remote = stream)
		);
		this.#sub = sub;
		void sub.offered(sdp, subscription).catch(() => this.#joinAgain());
	}

	/**
	 * A network that fails the publishing connection: its ICE is restarted on
	 * the same connection (the technician's picture returns without a new
	 * publish); a restart that does not work publishes anew.
	 */
	#watchLeg(pub: PublishLeg) {
		this.#stopWatch();
		const watch: IceWatch = new IceWatch(
			() => pub.restartIce(),
			() => {
				if (this.#watch === watch) this.#publish();
			},
			(restarting) => {
				if (this.#watch !== watch) return;
				if (restarting) this.status = 'reconnecting';
				else if (this.status === 'reconnecting')
					this.status = pub.pc.connectionState === 'connected' ? 'live' : 'connecting';
			}
		);
		this.#watch = watch;
		if (pub.pc.connectionState === 'connected') watch.state('connected');
		this.#unwatchNetwork = onNetworkChange(() => watch.networkChanged());
	}

	#stopWatch() {
		this.#watch?.stop();
		this.#watch = null;
		this.#unwatchNetwork?.();
		this.#unwatchNetwork = null;
	}

	/** The technician's voice did not come through: ask for it again in a moment. */
	#joinAgain() {
		clearTimeout(this.#rejoin);
		this.#rejoin = setTimeout(() => {
			if (this.#wanted && this.status !== 'displaced') this.#send?.({ type: 'media.join' });
		}, RETRY_MS);
	}

	/** A failed connection or a refused request: publish again in a moment. */
	#again() {
		if (this.status === 'displaced') return;
		clearTimeout(this.#retry);
		this.#retry = setTimeout(() => this.#publish(), RETRY_MS);
	}

	/** On hold nothing is sent; the camera also pauses when off or in the background. */
	#applyTracks() {
		const audio = this.#pub?.senders.get('audio');
		const video = this.#pub?.senders.get('video');
		const mic = this.#stream?.getAudioTracks()[0] ?? null;
		const cam = this.#stream?.getVideoTracks()[0] ?? null;
		const sendAudio = !this.#held && !this.muted;
		const sendVideo = !this.#held && !this.cameraOff && !this.background;
		// replaceTrack(null) stops sending altogether (a disabled track would still send black frames).
		if (audio && audio.track !== (sendAudio ? mic : null)) void audio.replaceTrack(sendAudio ? mic : null);
		if (video && video.track !== (sendVideo ? cam : null)) void video.replaceTrack(sendVideo ? cam : null);
		for (const t of this.remote?.getAudioTracks() ?? []) t.enabled = !this.#held;
	}

	#report() {
		this.#send?.({ type: 'media.state', muted: this.muted, camera: !this.cameraOff, background: this.background });
	}

	#bindVisibility() {
		if (this.#visibilityBound) return;
		this.#visibilityBound = true;
		document.addEventListener('visibilitychange', () => {
			this.background = document.visibilityState === 'hidden';
			if (!this.#wanted) return;
			this.#applyTracks();
			this.#report();
		});
	}
}

/** A waiting connection Start can use: not closed, not failed. */
function usable(leg: PublishLeg): boolean {
	return !leg.closed && leg.pc.connectionState !== 'failed' && leg.pc.connectionState !== 'closed';
}
