// The live session's chat on the console: the transcript on open (and after
// a reconnect), `chat.message` appended once each (by id), and the one send
// in flight: its draft comes back if the server refuses it.
import { CHAT_TEXT_MAX } from '$contract/limits.ts';
import { api } from '#lib/api.ts';
import type { ChatMessageView } from '$contract/tools.ts';

export type ChatError = 'rate_limited' | 'tool_not_allowed' | 'invalid_message' | 'load_failed' | null;

export class Chat {
	messages = $state<ChatMessageView[]>([]);
	error = $state<ChatError>(null);
	#inFlight: string | null = null;

	constructor(
		readonly sessionId: string,
		private readonly send: (message: Record<string, unknown>) => void
	) {}

	async load() {
		try {
			const { messages } = await api<{ messages: ChatMessageView[] }>(
				'GET',
				`/api/sessions/${this.sessionId}/messages`
			);
			for (const message of messages) this.received(message);
			if (this.error === 'load_failed') this.error = null;
		} catch {
			this.error = 'load_failed';
		}
	}

	/** Sends the text (trimmed at the end, 1..CHAT_TEXT_MAX); false when there is nothing to send. */
	post(text: string): boolean {
		const words = text.trimEnd();
		if (!words.trim() || words.length > CHAT_TEXT_MAX) return false;
		this.#inFlight = words;
		this.error = null;
		this.send({ type: 'chat.send', text: words });
		return true;
	}

	/** True while a sent message waits for its echo: a socket error then is the chat's. */
	get awaiting(): boolean {
		return this.#inFlight !== null;
	}

	/** A refusal of the message in flight: the error shows and its words come back (returned). */
	refused(code: Exclude<ChatError, null | 'load_failed'>): string {
		const draft = this.#inFlight ?? '';
		this.#inFlight = null;
		this.error = code;
		return draft;
	}

	received(message: ChatMessageView) {
		if (this.messages.some((m) => m.id === message.id)) return;
		if (message.from === 'technician') this.#inFlight = null;
		this.messages = [...this.messages, message].sort((a, b) => Date.parse(a.sentAt) - Date.parse(b.sentAt));
	}
}
