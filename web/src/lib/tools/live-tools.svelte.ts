// Everything the live view's tools hold for one session, on the console's
// socket: drawing and camera (DrawTools), photos (Gallery), chat (Chat). One
// listener hands each incoming tool message to its part; a socket refusal
// is the chat's while a message of it is in flight, else the toolbar's.
import type { CallSocket } from '#lib/media/console-call.svelte.ts';
import type { CameraTools, ChatMessageView, SnapshotView } from '$contract/tools.ts';
import { Chat } from './chat.svelte.ts';
import { DrawTools } from './draw.svelte.ts';
import { Gallery, type SnapshotFailure } from './gallery.svelte.ts';

export type ToolNotice = 'rate_limited' | 'tool_not_allowed' | 'invalid_message';
const NOTICES: readonly string[] = ['rate_limited', 'tool_not_allowed', 'invalid_message'];
const NOTICE_MS = 4_000;

export class LiveTools {
	readonly draw: DrawTools;
	readonly gallery: Gallery;
	readonly chat: Chat;
	notice = $state<ToolNotice | null>(null);
	/** The refused chat message's words, for the chat input to take back. */
	draftBack = $state<string | null>(null);
	/** How wide the picture is on screen (the annotated copy's line width follows it). */
	shownWidth = 0;
	#off: () => void = () => {};
	#noticeTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(
		readonly sessionId: string,
		private readonly socket: CallSocket
	) {
		const send = (message: Record<string, unknown>) => socket.send({ ...message, sessionId });
		this.draw = new DrawTools(send);
		this.chat = new Chat(sessionId, send);
		this.gallery = new Gallery(sessionId, () => ({ strokes: this.draw.book.frozen, shownWidth: this.shownWidth }));
	}

	start() {
		this.#off = this.socket.listen((message) => this.#receive(message));
		void this.chat.load();
		void this.gallery.load();
	}

	stop() {
		this.#off();
		this.draw.stop();
		clearTimeout(this.#noticeTimer);
	}

	#receive(msg: { type: string; [k: string]: unknown }) {
		if (msg.type === 'socket.open') {
			// Whatever happened while the socket was away is in the lists.
			void this.chat.load();
			void this.gallery.load();
			return;
		}
		if (msg.type === 'error') return this.#refused(String(msg.code));
		if (msg.sessionId !== this.sessionId) return;
		switch (msg.type) {
			case 'tool.camera_state':
				this.draw.cameraState(msg.tools as CameraTools);
				break;
			case 'chat.message':
				this.chat.received(msg.message as ChatMessageView);
				break;
			case 'snapshot.stored':
				this.gallery.stored(msg.snapshot as SnapshotView);
				break;
			case 'snapshot.failed':
				this.gallery.failed(String(msg.snapshotId), msg.code as SnapshotFailure);
				break;
		}
	}

	#refused(code: string) {
		if (!NOTICES.includes(code)) return;
		if (this.chat.awaiting) {
			this.draftBack = this.chat.refused(code as ToolNotice);
			return;
		}
		this.notice = code as ToolNotice;
		clearTimeout(this.#noticeTimer);
		this.#noticeTimer = setTimeout(() => (this.notice = null), NOTICE_MS);
	}
}
