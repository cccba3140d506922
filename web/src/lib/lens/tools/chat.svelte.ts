// The chat on the phone: the transcript (GET /api/lens/messages on every
// (re)connect, so a reload or a lost socket shows it all again), then each
// chat.message as it comes (the customer's own included: that is the
// server's acknowledgement), by id so none shows twice. While the drawer is
// closed new messages from the technician count as unread; while the page is
// hidden they also show in the title ("(2) …") and on the app's badge.
import type { ChatMessageView } from '$contract/tools.ts';
import { CHAT_TEXT_MAX } from '$contract/limits.ts';

type Send = (message: Record<string, unknown>) => void;

export class LensChat {
	messages = $state<ChatMessageView[]>([]);
	open = $state(false);
	unread = $state(0);
	/** Unread while the page was hidden: in the title and on the badge until it is visible again. */
	#hiddenUnread = 0;
	#title: string | null = null;
	#ids = new Set<string>();
	#send: Send | null = null;
	#bound = false;

	async socketOpened(send: Send) {
		this.#send = send;
		this.#bindVisibility();
		try {
			const response = await fetch('/api/lens/messages', {
				credentials: 'same-origin',
				headers: { accept: 'application/json' }
			});
			if (!response.ok) return;
			const { messages } = (await response.json()) as { messages: ChatMessageView[] };
			// The transcript first, then whatever arrived over the socket meanwhile (already in #ids).
			const known = this.messages;
			this.#ids.clear();
			this.messages = [];
			for (const m of [...messages, ...known]) this.#add(m, false);
		} catch {
			// The socket's messages still come; the transcript is fetched again on the next connect.
		}
	}

	socketClosed() {
		this.#send = null;
	}

	/** A chat.message: shown, counted as unread unless the customer is looking at it. */
	received(message: ChatMessageView) {
		if (!this.#add(message, true) || message.from !== 'technician') return;
		if (!this.open || document.visibilityState === 'hidden') this.unread++;
		if (document.visibilityState === 'hidden') this.#signal(++this.#hiddenUnread);
	}

	/** False when it could not go (no socket, or nothing to send). The message shows when the server echoes it. */
	send(text: string): boolean {
		const words = text.trim();
		if (!words || words.length > CHAT_TEXT_MAX || !this.#send) return false;
		this.#send({ type: 'chat.send', text: words });
		return true;
	}

	toggle(open = !this.open) {
		this.open = open;
		if (open) this.unread = 0;
	}

	reset() {
		this.messages = [];
		this.#ids.clear();
		this.open = false;
		this.unread = 0;
		this.#clearSignal();
	}

	#add(message: ChatMessageView, fresh: boolean): boolean {
		if (this.#ids.has(message.id)) return false;
		this.#ids.add(message.id);
		this.messages = fresh ? [...this.messages, message] : [...this.messages, message].sort(bySentAt);
		return true;
	}

	#signal(count: number) {
		this.#title ??= document.title.replace(/^\(\d+\) /, '');
		document.title = `(${count}) ${this.#title}`;
		navigator.setAppBadge?.(count).catch(() => {});
	}

	#clearSignal() {
		this.#hiddenUnread = 0;
		if (this.#title !== null) document.title = this.#title;
		this.#title = null;
		navigator.clearAppBadge?.().catch(() => {});
	}

	#bindVisibility() {
		if (this.#bound) return;
		this.#bound = true;
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState !== 'visible') return;
			this.#clearSignal();
			if (this.open) this.unread = 0;
		});
	}
}

const bySentAt = (a: ChatMessageView, b: ChatMessageView) => a.sentAt.localeCompare(b.sentAt);
