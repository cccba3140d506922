// size: one call's whole life (waiting connection, join, publish, subscribe, the receiving connection's
// recovery) in one place; the recovery's own rules are in recovery.ts and ice-restart.ts.
// The technician's side of a live session: the customer's camera and voice
// coming in, the technician's microphone going out, and the numbers that say
// how well it runs. One per session opened in the console, owned by its live
// view; it re-joins by itself after a socket reconnect, a failed connection or
// a media server restart. While the customer waits for Start, the selected
// session's detail makes its call and connects the receiving side ahead
// (prepare(), see prepared-calls.ts): Janus keeps it paused, so nothing arrives
// before Start, and Start then needs no new connection before the picture.
import type { PeerState } from '$contract/socket.ts';
import { m } from '#lib/paraglide/messages.js';
import { onNetworkChange } from './ice-restart.ts';
import { mediaErrorText } from './media-error.ts';
import { PublishLeg, SubscribeLeg, type Candidate } from './peer.ts';
import { PictureWatch, ReceiveRestart } from './recovery.ts';
import { QUALITY_SAMPLE_MS } from '$contract/limits.ts';
import { qualitySample, StatsReader, type MediaStats } from './stats.ts';

/** `reconnecting`: the receiving connection's network failed it and its ICE is being restarted (recovery.ts). */
export type CallStatus = 'connecting' | 'live' | 'reconnecting' | 'no_camera' | 'interrupted' | 'failed' | 'displaced';
type Message = { type: string; sessionId?: string; [k: string]: unknown };
/** This side's words are message functions, so a shown problem follows a language switch; the server's own words are kept as they are. */
type Text = () => string;
const none: Text = () => '';

/** The console socket, as the call needs it. */
export type CallSocket = {
	send(message: Record<string, unknown>): void;
	listen(listener: (m: Message) => void): () => void;
};

// ICE over UDP usually connects within a second or two; after this, say what is wrong.
const CONNECT_TIMEOUT_MS = 15_000;
const RETRY_MS = 4_000;
/**
 * The microphone's connection is made once the picture is live, or after this
 * long without it: made at the same time, the two compete for the same CPU (and,
 * on a busy server, Janus's) and the picture came later.
 */
const MIC_WAIT_MS = 1_500;

export class ConsoleCall {
	status = $state<CallStatus>('connecting');
	/** The customer's camera and microphone. */
	remote = $state.raw<MediaStream | null>(null);
	stats = $state<MediaStats | null>(null);
	/** The customer's own report: muted, camera off, app in the background. */
	customer = $state<PeerState | null>(null);
	/** Whether the customer's phone is publishing at all (Janus receives it). */
	customerPublishing = $state(false);
	/** The phone sent its offer since the picture was last live (Janus may hang it up again when ICE fails): if no picture follows, the network is the problem. */
	#customerOffered = false;
	micMuted = $state(false);
	/** No new frame for a while although the phone says its camera sends: its network is being recovered (recovery.ts). */
	stalled = $state(false);
	/** The session is on hold (set by the live view): no frames are expected then. */
	held = false;
	#micProblem = $state<Text>(none);
	#problem = $state<Text>(none);

	/** Why the technician's microphone is not in the call, if it is not. */
	get micProblem(): string {
		return this.#micProblem();
	}

	/** Why the picture is not live, while it is not. */
	get problem(): string {
		return this.#problem();
	}

	#mic: MediaStream | null = null;
	#pub: PublishLeg | null = null;
	#sub: SubscribeLeg | null = null;
	#off: () => void = () => {};
	#statsTimer: ReturnType<typeof setInterval> | undefined;
	#connectTimer: ReturnType<typeof setTimeout> | undefined;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#micTimer: ReturnType<typeof setTimeout> | undefined;
	/** The microphone may join (see MIC_WAIT_MS) as soon as the browser has opened it. */
	#micDue = false;
	#reader = new StatsReader();
	#picture = new PictureWatch();
	#restart = new ReceiveRestart(
		(message) => this.#send(message),
		() => this.#join(),
		(restarting) => this.#restarting(restarting)
	);
	#unwatchNetwork: () => void = () => {};
	/** When the last `stats.sample` went to the server (for the report's quality chart). */
	#sampledAt = Number.NEGATIVE_INFINITY;
	#stopped = false;
	/** Made by prepare(): receiving only, no microphone, no problems shown; start() ends it. */
	#waiting = false;
	#listening = false;

	constructor(
		readonly sessionId: string,
		private readonly socket: CallSocket
	) {}

	/**
	 * While the session waits for Start: the receiving connection only. The
	 * microphone is neither opened nor sent, and a failure is not shown: start()
	 * joins afresh if this did not connect.
	 */
	prepare() {
		if (this.#listening || this.#stopped) return;
		this.#waiting = true;
		this.#listen();
		this.#join(true);
	}

	/** True while prepare()'s connection may still serve Start. */
	get prepared(): boolean {
		const state = this.#sub?.pc.connectionState;
		return this.#waiting && !this.#stopped && (state === 'new' || state === 'connecting' || state === 'connected');
	}

	async start() {
		const ready = this.prepared;
		this.#waiting = false;
		this.#listen();
		this.#statsTimer = setInterval(() => void this.#readStats(), 1000);
		if (ready) {
			// The connection made while waiting carries the picture now; the microphone follows as after a join.
			if (this.#sub!.pc.connectionState === 'connected') this.#legState('connected', this.#sub!);
			else {
				this.#micTimer = setTimeout(() => this.#publishMic(), MIC_WAIT_MS);
				this.#armConnectTimer();
			}
		} else {
			// The picture first: join now, while the browser opens the microphone
			// (tens of milliseconds, more on first use); the microphone follows.
			this.#join(true);
		}
		try {
			this.#mic = await navigator.mediaDevices.getUserMedia({
				audio: { echoCancellation: true, noiseSuppression: true },
				video: false
			});
		} catch (error) {
			const name = error instanceof DOMException ? error.name : '';
			this.#micProblem = name === 'NotAllowedError' ? m.call_mic_blocked : m.call_mic_missing;
		}
		if (this.#stopped) {
			for (const t of this.#mic?.getTracks() ?? []) t.stop();
			return;
		}
		if (this.#micDue && this.status !== 'displaced') this.#publishMic();
	}

	#listen() {
		if (this.#listening) return;
		this.#listening = true;
		this.#off = this.socket.listen((msg) => this.#receive(msg));
		this.#unwatchNetwork = onNetworkChange(() => this.#restart.networkChanged());
	}

	stop() {
		if (!this.#stopped && this.status !== 'displaced') this.#send({ type: 'media.leave' });
		this.#stopped = true;
		this.#off();
		this.#unwatchNetwork();
		this.#restart.stop();
		clearInterval(this.#statsTimer);
		clearTimeout(this.#connectTimer);
		clearTimeout(this.#retryTimer);
		clearTimeout(this.#micTimer);
		this.#pub?.close();
		this.#sub?.close();
		this.#pub = this.#sub = null;
		for (const t of this.#mic?.getTracks() ?? []) t.stop();
		this.#mic = null;
		this.remote = null;
	}

	toggleMute() {
		this.micMuted = !this.micMuted;
		for (const t of this.#mic?.getAudioTracks() ?? []) t.enabled = !this.micMuted;
		this.#send({ type: 'media.state', muted: this.micMuted, camera: false, background: false });
	}

	/** Another window had taken this session's media over: take it back here. */
	takeOver() {
		this.status = 'connecting';
		this.#problem = none;
		this.#join(true);
	}

	/**
	 * The subscriber and, with a microphone, the publisher, anew. A microphone
	 * connection that still works is kept (unless `fresh`): a retry for the
	 * picture need not cut the customer's sound.
	 */
	#join(fresh = false) {
		if (this.#stopped) return;
		const keepMic = !fresh && this.#pub?.pc.connectionState === 'connected';
		if (!keepMic) {
			this.#pub?.close();
			this.#pub = null;
		}
		this.#sub?.close();
		this.#sub = null;
		this.#restart.stop();
		this.stalled = false;
		// A problem stays on screen until the picture is back: no flicker between retries.
		if (this.status !== 'interrupted' && this.status !== 'failed') this.status = 'connecting';
		this.#send({ type: 'media.join' });
		if (this.#waiting) return;
		if (!keepMic) {
			this.#micDue = false;
			clearTimeout(this.#micTimer);
			this.#micTimer = setTimeout(() => this.#publishMic(), MIC_WAIT_MS);
		}
		this.#armConnectTimer();
	}

	/** The technician's microphone into the call (see MIC_WAIT_MS), once the browser has opened it. */
	#publishMic() {
		clearTimeout(this.#micTimer);
		if (this.#waiting) return;
		this.#micDue = true;
		if (!this.#mic || this.#pub || this.#stopped || this.status === 'displaced') return;
		const pub = new PublishLeg(
			this.#mic,
			(message) => this.#send(message),
			(s) => this.#legState(s)
		);
		this.#pub = pub;
		void pub.offer().catch(() => this.#fail(m.call_mic_offer_failed));
	}

	/** From the phone's offer (or a join), the picture has CONNECT_TIMEOUT_MS to appear before the console says why not. */
	#armConnectTimer() {
		clearTimeout(this.#connectTimer);
		this.#connectTimer = setTimeout(() => {
			if (
				this.status !== 'live' &&
				this.status !== 'interrupted' &&
				(this.#customerOffered || this.customerPublishing)
			) {
				this.#fail(m.call_connect_timeout);
			}
		}, CONNECT_TIMEOUT_MS);
	}

	#send(message: Record<string, unknown>) {
		this.socket.send({ ...message, sessionId: this.sessionId });
	}

	#receive(msg: Message) {
		if (msg.type === 'socket.open') return this.status === 'displaced' ? undefined : this.#join(true);
		if (msg.sessionId !== this.sessionId) return;
		switch (msg.type) {
			case 'rtc.answer':
				void this.#pub?.answered(String(msg.sdp)).catch(() => this.#fail(m.call_answer_unusable));
				break;
			case 'rtc.offer': {
				const subscription = Number(msg.subscription);
				// Janus's answer to this console's ICE restart: the connection it has takes it.
				if (this.#sub && this.#restart.takesOffer(subscription))
					void this.#sub.offered(String(msg.sdp), subscription).catch(() => this.#restart.refused());
				else this.#subscribe(String(msg.sdp), subscription);
				break;
			}
			case 'rtc.candidate': {
				const leg = msg.pc === 'publish' ? this.#pub : this.#sub;
				void leg?.addCandidate(msg.candidate as Candidate);
				break;
			}
			case 'media.peer':
				if (msg.side === 'customer') {
					this.customer = msg.state as PeerState;
					this.customerPublishing = msg.publishing === true;
					if (msg.offering === true && !this.#customerOffered && this.status !== 'live') {
						this.#customerOffered = true;
						this.#armConnectTimer();
					}
					if (!this.customerPublishing && (this.status === 'live' || this.status === 'connecting'))
						this.status = 'no_camera';
				}
				break;
			case 'media.interrupted':
				clearTimeout(this.#retryTimer);
				this.status = 'interrupted';
				this.#problem = m.call_media_interrupted;
				break;
			case 'media.restart':
				if (this.status === 'displaced') break;
				// Its media server died and the call moved to another: said until the picture is back.
				if (msg.reason === 'media_server_moved') {
					this.status = 'interrupted';
					this.#problem = m.call_media_moved;
				} else this.status = 'connecting';
				this.#join(true);
				break;
			case 'media.displaced':
				// Another window of this technician took the session's media: stop here, say so, offer it back.
				clearTimeout(this.#retryTimer);
				clearTimeout(this.#connectTimer);
				clearTimeout(this.#micTimer);
				this.#pub?.close();
				this.#sub?.close();
				this.#pub = this.#sub = null;
				this.remote = null;
				this.status = 'displaced';
				this.#problem = m.call_displaced;
				break;
			case 'media.error': {
				// The receiving connection could not be restarted: it is made anew (ReceiveRestart).
				if (msg.code === 'restart_failed' && msg.pc === 'subscribe') {
					this.#restart.refused();
					break;
				}
				const say = mediaErrorText(msg.code as string | undefined, msg.message);
				if (say) this.#fail(say);
				break;
			}
		}
	}

	/** Janus offers the customer's media (again after the phone re-published): a fresh receiving connection. */
	#subscribe(sdp: string, subscription: number) {
		this.#sub?.close();
		this.customerPublishing = true;
		if (this.status === 'no_camera') this.status = 'connecting';
		const sub = new SubscribeLeg(
			(message) => this.#send(message),
			(s) => this.#legState(s, sub),
			(stream) => (this.remote = stream)
		);
		this.#sub = sub;
		this.#restart.follow(subscription);
		this.#picture.reset();
		this.stalled = false;
		this.#reader = new StatsReader();
		void sub.offered(sdp, subscription).catch(() => this.#fail(m.call_receive_failed));
	}

	#legState(state: RTCPeerConnectionState, leg?: SubscribeLeg) {
		if (leg && leg !== this.#sub) return;
		if (leg && state === 'connected' && this.#waiting) return;
		if (leg) this.#restart.state(state);
		// A receiving connection that was up restarts its ICE (status `reconnecting`) before anything is shown or retried.
		if (leg && state === 'failed' && this.#restart.restarting) return;
		if (!leg && state === 'failed' && (this.status === 'live' || this.status === 'reconnecting'))
			return this.#micAgain();
		if (leg && state === 'connected') {
			this.#publishMic();
			this.status = 'live';
			this.#customerOffered = false;
			this.#problem = none;
			clearTimeout(this.#retryTimer);
			clearTimeout(this.#connectTimer);
		} else if (state === 'failed') {
			// ICE gives up after about as long as the connect timer: whichever comes
			// first, a connection that never carried the picture points at the network.
			const neverLive = this.status !== 'live' && this.status !== 'interrupted';
			this.#fail(neverLive ? m.call_connect_timeout : m.call_connection_lost);
		}
	}

	/** The receiving connection's ICE restart began or ended (ReceiveRestart); connected again makes it live. */
	#restarting(restarting: boolean) {
		if (restarting && (this.status === 'live' || this.status === 'connecting')) this.status = 'reconnecting';
		else if (!restarting && this.status === 'reconnecting')
			this.status = this.#sub?.pc.connectionState === 'connected' ? 'live' : 'connecting';
	}

	/**
	 * The microphone's connection failed while the picture's did not (yet): only
	 * the microphone is made anew, in a moment; the picture is left to recover.
	 */
	#micAgain() {
		this.#pub?.close();
		this.#pub = null;
		clearTimeout(this.#micTimer);
		this.#micTimer = setTimeout(() => this.#publishMic(), RETRY_MS);
	}

	#fail(message: Text) {
		if (this.#stopped || this.status === 'displaced') return;
		// Before Start nothing is shown and nothing retried: start() joins afresh.
		if (this.#waiting) return;
		this.status = 'failed';
		this.#problem = message;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = setTimeout(() => this.#join(), RETRY_MS);
	}

	async #readStats() {
		const pc = this.#sub?.pc;
		if (!pc || this.#sub?.closed) return;
		try {
			this.stats = await this.#reader.read(pc);
			const now = performance.now();
			const expecting =
				this.status === 'live' &&
				this.customerPublishing &&
				!this.held &&
				this.customer?.camera !== false &&
				this.customer?.background !== true;
			this.stalled = this.#picture.sample(this.stats.framesDecoded, now, expecting);
			if ((this.status === 'live' || this.status === 'reconnecting') && now - this.#sampledAt >= QUALITY_SAMPLE_MS) {
				this.#sampledAt = now;
				this.#send({ type: 'stats.sample', sample: qualitySample(this.stats) });
			}
		} catch {
			/* a PeerConnection closed in the meantime */
		}
	}
}
