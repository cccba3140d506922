// How the console recovers the customer's picture and says so meanwhile.
//
// Two things interrupt a picture that was live. The phone's network changed or
// dropped for a few seconds: the console's own connection to Janus is fine, so
// its state says nothing, and the phone, cut off, cannot say anything either
// (its socket is as cut as its media). What the console does see is that no
// new frame is decoded although the phone says its camera sends (PictureWatch);
// the phone restarts its own ICE (../lens/call.svelte.ts, ice-restart.ts) and
// the frames come back on the same subscription. Or the console's own network
// failed its receiving connection: then the console restarts that connection's
// ICE itself (ReceiveRestart: `rtc.restart` on its subscription, Janus's new
// offer answered on the same PeerConnection), and makes it anew only when that
// does not work.
import { IceWatch } from './ice-restart.ts';
import type { Signal } from './peer.ts';

/** No new frame for this long, while the phone says it sends, is an interrupted picture. */
export const STALL_MS = 1_500;

/**
 * Tells from the receiving connection's frames-decoded count, read about once
 * a second, whether a picture that was flowing stopped. Only a picture that
 * showed at least one frame can stall (before that the console says it is
 * connecting), and only while frames are expected: a camera the customer turned
 * off, an app in the background or a session on hold send none by design, and
 * the clock starts afresh when frames are expected again.
 */
export class PictureWatch {
	#frames = -1;
	#since = 0;

	/** One reading; returns whether the picture is stalled now. */
	sample(framesDecoded: number, now: number, expecting: boolean): boolean {
		if (!expecting || framesDecoded !== this.#frames) {
			this.#frames = framesDecoded;
			this.#since = now;
			return false;
		}
		return framesDecoded > 0 && now - this.#since >= STALL_MS;
	}

	/** A new receiving connection counts its frames from zero. */
	reset() {
		this.#frames = -1;
	}
}

/**
 * The console's receiving connection, restarted through Loupe when its network
 * fails it (the rules are IceWatch's): `rtc.restart` names the subscription,
 * Janus answers with a new offer on it, which the same connection takes
 * (takesOffer). A restart refused (`restart_failed`) or that does not bring the
 * connection back makes it anew (`makeAnew`).
 */
export class ReceiveRestart {
	#watch: IceWatch | null = null;
	#subscription = 0;
	#awaitingOffer = false;

	constructor(
		private readonly send: Signal,
		private readonly makeAnew: () => void,
		private readonly changed: (restarting: boolean) => void
	) {}

	get restarting(): boolean {
		return this.#watch?.restarting ?? false;
	}

	/** A new receiving connection, for Janus's subscription `subscription`: the one restarted from now on. */
	follow(subscription: number) {
		this.stop();
		this.#subscription = subscription;
		const watch: IceWatch = new IceWatch(
			async () => {
				this.#awaitingOffer = true;
				this.send({ type: 'rtc.restart', subscription });
			},
			() => {
				if (this.#watch !== watch) return;
				this.#awaitingOffer = false;
				this.makeAnew();
			},
			(restarting) => {
				if (this.#watch === watch) this.changed(restarting);
			}
		);
		this.#watch = watch;
	}

	/** The receiving connection's state, as it changes. */
	state(s: RTCPeerConnectionState) {
		this.#watch?.state(s);
	}

	/** The console's browser says its network changed. */
	networkChanged() {
		this.#watch?.networkChanged();
	}

	/** Whether Janus's offer for `subscription` answers the restart asked for: then the same connection takes it. */
	takesOffer(subscription: number): boolean {
		if (!this.#awaitingOffer || subscription !== this.#subscription) return false;
		this.#awaitingOffer = false;
		return true;
	}

	/** Loupe could not restart it (restart_failed for `subscribe`), or the restart offer could not be taken. */
	refused() {
		this.#watch?.refused();
	}

	stop() {
		this.#watch?.stop();
		this.#watch = null;
		this.#awaitingOffer = false;
	}
}
