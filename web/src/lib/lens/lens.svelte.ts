// The customer's one Lens session: redeeming the PIN or link, the EULA answer,
// and /ws/lens, which reports every state change (reconnecting with back-off,
// 1 s doubling to 30 s). One per Lens, made with its call and camera by
// provideLens (context.ts), so every screen sees the same session.
import { api, ApiError } from '#lib/api.ts';
import { browserLang, storedLang, storeLang, translate, type Lang, type MessageKey } from './i18n.ts';
import type { LensCall } from './call.svelte.ts';
import type { LensMedia } from './media.svelte.ts';
import type { LensTools } from './tools/tools.svelte.ts';
import { forgetSessionHint } from './session-hint.ts';
import { takeIceServers } from '../media/ice-servers.ts';
import { isEndedState } from '$contract/states.ts';
import type { IceServerView } from '$contract/ice.ts';
import type { LensView } from '$contract/views.ts';

/**
 * What the server may send besides the view: the EULA in every language, so
 * the text follows the customer's switch (see `session`). Until the server
 * sends it, the EULA stays in the session's language.
 */
type SessionWire = LensView & { eulas?: Partial<Record<Lang, string>> };
/** `{"session"}` answers; `iceServers` for the call's connections (src/contract/ice.ts). */
type SessionAnswer = { session: LensView; iceServers?: IceServerView[] };

/**
 * The first reconnect comes soon: a socket usually closes because its node
 * went away or the network changed, and the picture waits for it. Each next
 * one waits twice as long; a random part spreads the phones of a node that
 * died over the nodes left.
 */
const MIN_DELAY = 250;
/** The live tools' messages (src/contract/tools.ts). */
const TOOL_MESSAGE = /^(tool|snapshot|chat)\./;
const MAX_DELAY = 30_000;

export class Lens {
	#session = $state<SessionWire | null>(null);
	/** The language the customer picked with the switch (remembered on this device). */
	#chosen = $state<Lang | undefined>(storedLang());
	/**
	 * The language the Lens speaks: the customer's own choice first (they told us,
	 * and they can always see and change it on every screen); then the session's,
	 * which the technician picked or Loupe derived from the phone number, and in
	 * which the SMS the customer just read was written, so the page continues in
	 * the same language; before a session is known (the PIN page), the browser's.
	 * The session's language can be a guess (a link/PIN invitation takes the
	 * server's default region unless the technician picks one), which is why the
	 * switch is on every screen: one tap corrects it, and the choice is kept.
	 */
	lang = $derived<Lang>(this.#chosen ?? this.#session?.language ?? browserLang());
	/** The session as the server reports it, with the EULA in the current language when the server sent it in every language. */
	#view = $derived.by<LensView | null>(() => {
		const wire = this.#session;
		const eula = wire?.eulas?.[this.lang];
		return wire && eula ? { ...wire, eula } : wire;
	});
	/** The customer said no to the EULA (the server only says "closed"). */
	declined = $state(false);
	/** The socket dropped and is being re-established. */
	reconnecting = $state(false);

	#socket: WebSocket | null = null;
	#delay = MIN_DELAY;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;

	/** The session's call gets the socket's signalling; both are let go when the session ends. */
	constructor(
		private readonly call: LensCall,
		private readonly media: LensMedia,
		private readonly tools: LensTools
	) {}

	get session(): LensView | null {
		return this.#view;
	}
	set session(session: LensView | null) {
		this.#session = session;
	}

	/** Switches every Lens text at once (no reload) and remembers the choice on this device. */
	setLang(lang: Lang) {
		this.#chosen = lang;
		storeLang(lang);
	}

	get ended(): boolean {
		return !!this.session && isEndedState(this.session.state);
	}

	t = (key: MessageKey, vars?: Record<string, string>) => translate(this.lang, key, vars);

	/** Plain words for a failed request, in the customer's language. */
	problemOf(error: unknown): string {
		if (error instanceof ApiError) {
			if (error.status === 0) return this.t('common.network');
			if (error.status === 429) return this.t('pin.tooMany');
		}
		return this.t('common.error');
	}

	async redeem(body: { pin: string } | { token: string }): Promise<LensView> {
		const { session, iceServers } = await api<SessionAnswer>('POST', '/api/lens/redeem', body);
		takeIceServers(iceServers);
		this.#adopt(session);
		return session;
	}

	/** The session this browser's cookie belongs to, or null when there is none (401). */
	async current(): Promise<LensView | null> {
		try {
			const { session, iceServers } = await api<SessionAnswer>('GET', '/api/lens/session');
			takeIceServers(iceServers);
			this.#adopt(session);
			return session;
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) {
				forgetSessionHint();
				return null;
			}
			throw error;
		}
	}

	async answerEula(accept: boolean): Promise<LensView> {
		// Set first: the socket may report "closed" before this answer arrives.
		if (!accept) this.declined = true;
		try {
			const answer = { accept, language: this.lang };
			const { session, iceServers } = await api<SessionAnswer>('POST', '/api/lens/eula', answer);
			takeIceServers(iceServers);
			this.#adopt(session);
			return session;
		} catch (error) {
			this.declined = false;
			throw error;
		}
	}

	/** The customer ends the session (the socket then reports `closed`). */
	async end(): Promise<void> {
		const { session } = await api<{ session: LensView }>('POST', '/api/lens/end');
		this.#adopt(session);
	}

	/** Forget the session (e.g. to type a new PIN after one ended). */
	reset() {
		this.#closeSocket();
		this.media.stop();
		this.session = null;
		this.declined = false;
		this.tools.reset();
	}

	#adopt(session: LensView) {
		this.tools.stateChanged(session.state);
		this.session = session;
		if (isEndedState(session.state)) this.#finish();
		else if (!this.#socket) this.#connect();
	}

	#finish() {
		this.#closeSocket();
		this.call.hangUp();
		this.tools.reset();
		this.media.stop();
	}

	#closeSocket() {
		clearTimeout(this.#retryTimer);
		this.reconnecting = false;
		const socket = this.#socket;
		this.#socket = null;
		socket?.close(1000);
	}

	#connect() {
		const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/lens`;
		let socket: WebSocket;
		try {
			socket = new WebSocket(url);
		} catch {
			this.#retry();
			return;
		}
		this.#socket = socket;
		socket.onopen = () => {
			const send = (m: Record<string, unknown>) => {
				if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(m));
			};
			this.call.socketOpened(send);
			this.tools.socketOpened(send);
		};
		socket.onmessage = (event) => {
			if (typeof event.data !== 'string') return;
			let message: { type?: unknown; session?: unknown; iceServers?: unknown };
			try {
				message = JSON.parse(event.data);
			} catch {
				return;
			}
			// The technician's tools, photos and chat go to the tools; signalling to the call.
			if (typeof message.type === 'string' && TOOL_MESSAGE.test(message.type))
				return this.tools.receive(message as { type: string });
			if (typeof message.type === 'string' && message.type !== 'state')
				return this.call.receive(message as { type: string });
			if (message.type !== 'state' || !message.session || typeof message.session !== 'object') return;
			this.reconnecting = false;
			this.#delay = MIN_DELAY;
			// Before Start reaches the call: the connection it makes has the fresh credential.
			takeIceServers(message.iceServers);
			// Start reaches the call before the screen changes (see call.stateChanged).
			this.call.stateChanged((message.session as LensView).state);
			this.tools.stateChanged((message.session as LensView).state);
			this.session = message.session as LensView;
			if (isEndedState(this.session.state)) this.#finish();
		};
		socket.onclose = () => {
			if (this.#socket !== socket) return;
			this.#socket = null;
			this.call.socketClosed();
			this.tools.socketClosed();
			if (this.ended) return;
			this.reconnecting = true;
			this.#retry();
		};
	}

	#retry() {
		clearTimeout(this.#retryTimer);
		this.#retryTimer = setTimeout(() => void this.#check(), this.#delay * (0.5 + Math.random()));
		this.#delay = Math.min(this.#delay * 2, MAX_DELAY);
	}

	/** Before reconnecting, ask whether the session still exists: a dead cookie means it ended while we were away. */
	async #check() {
		if (!this.session || this.ended) return;
		try {
			const { session } = await api<{ session: LensView }>('GET', '/api/lens/session');
			this.session = session;
			if (isEndedState(session.state)) return this.#finish();
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) {
				const gone = this.#session;
				if (gone) this.#session = { ...gone, state: 'closed' };
				return this.#finish();
			}
		}
		if (!this.#socket && !this.ended) this.#connect();
	}
}
