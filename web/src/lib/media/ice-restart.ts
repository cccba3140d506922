// When a page's publishing connection loses its network (Wi-Fi to 4G, a link
// gone for a few seconds), the connection is kept and only its ICE restarted
// (a new offer with iceRestart, relayed by Loupe to Janus on the same handle:
// src/media/ice-restart.ts). Feed and subscriptions stay, so the other side's
// picture comes back as soon as ICE is up again. Only a restart that does not
// bring the connection back in time, or that Loupe reports as impossible
// (media.error restart_failed), makes the page publish anew.

/** A connection that went `disconnected` may come back by itself: this long first. */
export const DISCONNECTED_GRACE_MS = 2_000;
/** A restart that has not brought the connection back after this long gives way to a new publish. */
export const RESTART_TIMEOUT_MS = 8_000;
/** Restarts in a row without the connection coming back, before publishing anew. */
const MAX_ATTEMPTS = 2;

export class IceWatch {
	#grace: ReturnType<typeof setTimeout> | undefined;
	#deadline: ReturnType<typeof setTimeout> | undefined;
	#attempts = 0;
	#restarting = false;
	#stopped = false;
	/** The connection was connected once: only then is there anything to restart. */
	#wasUp = false;

	constructor(
		private readonly restart: () => Promise<void>,
		private readonly giveUp: () => void,
		private readonly changed: (restarting: boolean) => void = () => {}
	) {}

	get restarting(): boolean {
		return this.#restarting;
	}

	/** The connection's state, as it changes. */
	state(s: RTCPeerConnectionState) {
		if (this.#stopped) return;
		if (s === 'connected') {
			this.#wasUp = true;
			this.#attempts = 0;
			clearTimeout(this.#grace);
			clearTimeout(this.#deadline);
			this.#set(false);
		} else if (s === 'disconnected') {
			clearTimeout(this.#grace);
			this.#grace = setTimeout(() => void this.now(), DISCONNECTED_GRACE_MS);
		} else if (s === 'failed') this.now();
	}

	/** The browser says the network changed (online, navigator.connection): restart at once. */
	networkChanged() {
		if (this.#wasUp) this.now();
	}

	/**
	 * Restarts ICE now, unless a restart is under way; gives up after
	 * MAX_ATTEMPTS. False when there is nothing to restart (never connected,
	 * stopped): the caller publishes anew.
	 */
	now(): boolean {
		if (this.#stopped || !this.#wasUp) return false;
		if (this.#restarting) return true;
		clearTimeout(this.#grace);
		if (this.#attempts >= MAX_ATTEMPTS) {
			this.#fail();
			return true;
		}
		this.#attempts++;
		this.#set(true);
		this.#deadline = setTimeout(() => this.#fail(), RESTART_TIMEOUT_MS);
		this.restart().catch(() => this.#fail());
		return true;
	}

	/** Loupe could not restart the connection (restart_failed): publish anew. */
	refused() {
		if (this.#restarting) this.#fail();
	}

	stop() {
		this.#stopped = true;
		clearTimeout(this.#grace);
		clearTimeout(this.#deadline);
	}

	#fail() {
		if (this.#stopped) return;
		this.stop();
		this.#set(false);
		this.giveUp();
	}

	#set(restarting: boolean) {
		if (this.#restarting === restarting) return;
		this.#restarting = restarting;
		this.changed(restarting);
	}
}

/** Calls `listener` when the browser reports a network change; returns the unbinding. */
export function onNetworkChange(listener: () => void): () => void {
	const connection = (navigator as Navigator & { connection?: EventTarget }).connection;
	window.addEventListener('online', listener);
	connection?.addEventListener('change', listener);
	return () => {
		window.removeEventListener('online', listener);
		connection?.removeEventListener('change', listener);
	};
}
