// The browser's two PeerConnections to Janus, signalled through Loupe's socket:
// one publishes this side's tracks (Loupe returns Janus's answer), one receives
// the other side (Janus offers, this page answers). Loupe relays ICE candidates
// both ways; candidates that arrive before the remote description wait.
import type { BrowserCandidate, PcName } from '$contract/socket.ts';
import { closePeerConnection, peerConnection } from './ice-servers.ts';
import { asDtlsServer, withStartBitrate } from './sdp.ts';

export type { PcName };
/** A candidate Loupe relays from Janus; null once Janus has sent them all. */
export type Candidate = BrowserCandidate | null;
/** Sends one signalling message over the page's socket (the console adds the session id). */
export type Signal = (message: Record<string, unknown>) => void;

abstract class Leg {
	readonly pc: RTCPeerConnection;
	#pending: Candidate[] = [];
	#closed = false;
	/** Our own candidates, held until the offer they belong to is sent (see PublishLeg.prepare). */
	#outbox: Candidate[] | null = null;

	constructor(
		readonly name: PcName,
		protected readonly signal: Signal,
		onState: (state: RTCPeerConnectionState) => void
	) {
		this.pc = peerConnection({ bundlePolicy: 'max-bundle' });
		this.pc.onicecandidate = (e) => {
			const c = e.candidate;
			const candidate = c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null;
			if (this.#outbox) this.#outbox.push(candidate);
			else this.signal({ type: 'rtc.candidate', pc: name, candidate });
		};
		this.pc.onconnectionstatechange = () => {
			if (!this.#closed) onState(this.pc.connectionState);
		};
	}

	get closed(): boolean {
		return this.#closed;
	}

	async addCandidate(candidate: Candidate) {
		if (this.#closed) return;
		if (!this.pc.remoteDescription) {
			this.#pending.push(candidate);
			return;
		}
		// A candidate Janus sent for an older negotiation can fail: it is harmless.
		await this.pc.addIceCandidate(candidate ?? undefined).catch(() => {});
	}

	protected holdCandidates() {
		this.#outbox ??= [];
	}

	protected sendCandidates() {
		const held = this.#outbox ?? [];
		this.#outbox = null;
		for (const candidate of held) this.signal({ type: 'rtc.candidate', pc: this.name, candidate });
	}

	protected async flush() {
		for (const c of this.#pending.splice(0)) await this.pc.addIceCandidate(c ?? undefined).catch(() => {});
	}

	close() {
		this.#closed = true;
		this.pc.onicecandidate = null;
		this.pc.onconnectionstatechange = null;
		this.pc.ontrack = null;
		closePeerConnection(this.pc);
	}
}

// On a poor link the voice must go on: audio gets the higher priority (also
// for DSCP marking), video yields first and is capped so it cannot starve it.
const ENCODING: Record<'audio' | 'video', RTCRtpEncodingParameters> = {
	audio: { priority: 'high', networkPriority: 'high' },
	video: { priority: 'low', networkPriority: 'low', maxBitrate: 1_500_000 }
};

/** See withStartBitrate: the first keyframe is paced out at 1 Mbit/s instead of 300 kbit/s. */
const START_KBPS = 1_000;

export class PublishLeg extends Leg {
	readonly senders = new Map<'audio' | 'video', RTCRtpSender>();
	#offer: Promise<RTCSessionDescriptionInit> | null = null;
	#sent = false;

	constructor(
		readonly stream: MediaStream,
		signal: Signal,
		onState: (s: RTCPeerConnectionState) => void
	) {
		super('publish', signal, onState);
		for (const track of stream.getTracks()) {
			const kind = track.kind as 'audio' | 'video';
			const transceiver = this.pc.addTransceiver(track, {
				direction: 'sendonly',
				streams: [stream],
				sendEncodings: [ENCODING[kind]]
			});
			this.senders.set(kind, transceiver.sender);
		}
	}

	/**
	 * Makes the offer now, so that offer() only has to send it. No media leaves
	 * the page: local candidates are gathered (with a TURN server, a relay is
	 * allocated: no camera or microphone packet goes to it) and held until offer().
	 */
	prepare(): Promise<RTCSessionDescriptionInit> {
		this.#offer ??= (async () => {
			this.holdCandidates();
			const offer = await this.pc.createOffer();
			await this.pc.setLocalDescription(offer);
			return offer;
		})();
		return this.#offer;
	}

	/**
	 * Detaches the camera and microphone: the senders send nothing at all (no
	 * packet, not even black frames) until they are given their tracks again.
	 */
	async silence(): Promise<void> {
		await Promise.all([...this.senders.values()].map((sender) => sender.replaceTrack(null)));
	}

	/** True once the offer went out (it is sent once). */
	get offered(): boolean {
		return this.#sent;
	}

	async offer() {
		if (this.#sent) return;
		this.#sent = true;
		const offer = await this.prepare();
		if (this.closed) return;
		this.signal({ type: 'rtc.offer', sdp: offer.sdp });
		this.sendCandidates();
	}

	/** A new offer with new ICE credentials on this same connection (ice-restart.ts); answered like the first. */
	async restartIce() {
		if (this.closed || !this.#sent) return;
		const offer = await this.pc.createOffer({ iceRestart: true });
		await this.pc.setLocalDescription(offer);
		if (this.closed) return;
		this.signal({ type: 'rtc.offer', sdp: offer.sdp, iceRestart: true });
	}

	async answered(sdp: string) {
		// An answer for an offer this leg no longer waits on (a late or repeated one) is not ours.
		if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
		await this.pc.setRemoteDescription({ type: 'answer', sdp: withStartBitrate(sdp, START_KBPS) });
		await this.flush();
	}
}

export class SubscribeLeg extends Leg {
	readonly stream = new MediaStream();

	constructor(signal: Signal, onState: (s: RTCPeerConnectionState) => void, onTrack: (stream: MediaStream) => void) {
		super('subscribe', signal, onState);
		this.pc.ontrack = (e) => {
			if (!this.stream.getTracks().includes(e.track)) this.stream.addTrack(e.track);
			onTrack(this.stream);
		};
	}

	async offered(sdp: string, subscription: number) {
		if (this.closed) return;
		await this.pc.setRemoteDescription({ type: 'offer', sdp });
		await this.flush();
		const created = await this.pc.createAnswer();
		const answer = { type: 'answer' as const, sdp: asDtlsServer(created.sdp ?? '') };
		// Sent before it is applied: Janus needs it to answer our connectivity
		// checks, and applying it starts them; sent after, the first checks went
		// unanswered and were repeated about 50 ms later.
		this.signal({ type: 'rtc.answer', sdp: answer.sdp, subscription });
		await this.pc.setLocalDescription(answer);
	}
}
