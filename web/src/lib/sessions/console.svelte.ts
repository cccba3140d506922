// The technician's sessions, kept live: GET /api/sessions for a first picture,
// then /ws/console (a snapshot on every connect, then one message per change).
// The socket reconnects with back-off, 1 s doubling to 30 s, and each new
// snapshot replaces the list, so nothing missed while offline lingers.
import { api } from '#lib/api.ts';
import { errorMessage } from '#lib/i18n.svelte.ts';
import { m } from '#lib/paraglide/messages.js';
import type { SessionView } from '$contract/views.ts';
import { takeIceServers } from '../media/ice-servers.ts';
import { isEnded, isInvitation, inSessionList } from './format.ts';

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** The server closes the socket with this code when its sign-in ended (logout, password reset, disabled). */
const SIGNED_OUT = 4401;

const MIN_DELAY = 1_000;
const MAX_DELAY = 30_000;
// Below the idle timeouts of the usual reverse proxies (often 60 s).
const PING_EVERY = 25_000;
const HISTORY_MS = 24 * 60 * 60 * 1000;

const newestFirst = (a: SessionView, b: SessionView) => Date.parse(b.createdAt) - Date.parse(a.createdAt);

const endedAt = (s: SessionView) => Date.parse(s.endedAt ?? s.pinExpiresAt) || 0;

/** The latest moment a view speaks of; used to drop an HTTP answer the socket already overtook. */
function freshness(s: SessionView): number {
	const times = [
		s.createdAt,
		s.openedAt,
		s.eulaAcceptedAt,
		s.startedAt,
		s.endedAt,
		s.sms?.updatedAt ?? null,
		s.emailStatus?.updatedAt ?? null
	];
	return Math.max(...times.map((t) => (t ? Date.parse(t) || 0 : 0)));
}

export class ConsoleStore {
	/** Every session the server told us about, newest first. */
	sessions = $state<SessionView[]>([]);
	connection = $state<Connection>('connecting');
	/** True once either the first GET or a snapshot has arrived. */
	loaded = $state(false);
	loadError = $state('');
	/** Ticks each second while started, for countdowns. */
	now = $state(Date.now());
	/** Whether a live view fills the window (the technician's last choice; the default while working). */
	workMode = $state(true);
	/** The live session whose view fills the window now, if any: the page puts the rest away. */
	working = $state<string | null>(null);

	invitations = $derived(this.sessions.filter(isInvitation));
	live = $derived(this.sessions.filter(inSessionList));
	/** Ended in the last 24 hours, most recently ended first. */
	history = $derived(
		this.sessions
			.filter((s) => isEnded(s) && this.now - endedAt(s) < HISTORY_MS)
			.sort((a, b) => endedAt(b) - endedAt(a))
	);

	#socket: WebSocket | null = null;
	#delay = MIN_DELAY;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#pingTimer: ReturnType<typeof setInterval> | undefined;
	#tickTimer: ReturnType<typeof setInterval> | undefined;
	#stopped = true;
	#haveSnapshot = false;
	#everConnected = false;
	#listeners = new Set<(message: { type: string; [k: string]: unknown }) => void>();

	/** `onSignedOut` runs once the server says this sign-in is over: reconnecting could only be refused. */
	constructor(private readonly onSignedOut: () => void = () => {}) {}

	start() {
		if (!this.#stopped) return;
		this.#stopped = false;
		this.#tickTimer = setInterval(() => (this.now = Date.now()), 1000);
		window.addEventListener('online', this.#reconnectNow);
		void this.#loadOnce();
		this.#connect();
	}

	stop() {
		this.#stopped = true;
		clearInterval(this.#tickTimer);
		clearTimeout(this.#retryTimer);
		clearInterval(this.#pingTimer);
		window.removeEventListener('online', this.#reconnectNow);
		const socket = this.#socket;
		this.#socket = null;
		socket?.close(1000);
	}

	get(id: string): SessionView | undefined {
		return this.sessions.find((s) => s.id === id);
	}

	/** Takes in a view from an HTTP answer (create, end, resend) unless the socket already brought something newer. */
	merge(session: SessionView) {
		const current = this.get(session.id);
		if (current) {
			if (isEnded(current) && !isEnded(session)) return;
			if (freshness(session) < freshness(current)) return;
		}
		this.#put(session);
	}

	#put(session: SessionView) {
		const i = this.sessions.findIndex((s) => s.id === session.id);
		if (i === -1) this.sessions = [session, ...this.sessions].sort(newestFirst);
		else this.sessions[i] = session;
	}

	async #loadOnce() {
		try {
			const { sessions } = await api<{ sessions: SessionView[] }>('GET', '/api/sessions');
			if (this.#haveSnapshot || this.#stopped) return;
			for (const s of sessions) this.merge(s);
			this.loaded = true;
			this.loadError = '';
		} catch (err) {
			if (!this.#haveSnapshot) this.loadError = err instanceof Error ? errorMessage(err) : m.console_load_failed();
		}
	}

	#connect() {
		if (this.#stopped) return;
		const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/console`;
		let socket: WebSocket;
		try {
			socket = new WebSocket(url);
		} catch {
			this.#scheduleReconnect();
			return;
		}
		this.#socket = socket;
		socket.onopen = () => {
			clearInterval(this.#pingTimer);
			this.#pingTimer = setInterval(() => this.#send({ type: 'ping' }), PING_EVERY);
		};
		socket.onmessage = (event) => this.#receive(event.data);
		socket.onclose = (event) => {
			if (this.#socket !== socket) return;
			this.#socket = null;
			clearInterval(this.#pingTimer);
			if (this.#stopped) return;
			if (event.code === SIGNED_OUT) {
				// Take PINs and links off the screen at once, then leave for the sign-in page.
				this.stop();
				this.sessions = [];
				this.onSignedOut();
				return;
			}
			this.connection = 'reconnecting';
			this.#scheduleReconnect();
		};
	}

	#scheduleReconnect() {
		clearTimeout(this.#retryTimer);
		this.#retryTimer = setTimeout(() => this.#connect(), this.#delay);
		this.#delay = Math.min(this.#delay * 2, MAX_DELAY);
	}

	/** Back online: try at once instead of waiting out the back-off. */
	#reconnectNow = () => {
		if (this.#stopped || this.#socket) return;
		clearTimeout(this.#retryTimer);
		this.#delay = MIN_DELAY;
		this.#connect();
	};

	#send(message: unknown) {
		if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
	}

	/** For live media: signalling goes over the same socket. */
	send = (message: Record<string, unknown>) => this.#send(message);

	/** Media messages, and `socket.open` after each (re)connect (media then joins again). */
	listen = (listener: (message: { type: string; [k: string]: unknown }) => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	#receive(data: unknown) {
		if (typeof data !== 'string') return;
		let message: { type?: unknown; sessions?: unknown; session?: unknown; iceServers?: unknown };
		try {
			message = JSON.parse(data);
		} catch {
			return;
		}
		if (message.type === 'snapshot' && Array.isArray(message.sessions)) {
			this.#haveSnapshot = true;
			// The call's connections use these from now on (a fresh TURN credential with each snapshot).
			takeIceServers(message.iceServers);
			this.sessions = [...(message.sessions as SessionView[])].sort(newestFirst);
			this.loaded = true;
			this.loadError = '';
			this.connection = 'live';
			// Only a connection the server accepted resets the back-off.
			this.#delay = MIN_DELAY;
			const reconnected = this.#everConnected;
			this.#everConnected = true;
			if (reconnected) for (const listener of this.#listeners) listener({ type: 'socket.open' });
		} else if (
			message.type === 'session' &&
			message.session &&
			typeof (message.session as SessionView).id === 'string'
		) {
			this.#put(message.session as SessionView);
		} else if (typeof message.type === 'string') {
			for (const listener of this.#listeners) listener(message as { type: string });
		}
	}
}
