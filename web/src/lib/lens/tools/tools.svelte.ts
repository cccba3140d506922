// The technician's live tools as the phone carries them out: the marks over
// the picture, the frozen still, the torch, zoom and camera switch, the photo
// and the chat. The Lens's socket hands every tool.*, snapshot.* and chat.*
// message here (lens.svelte.ts); the live screen shows the state. While the
// session is not active nothing stays on screen: marks and the frozen still
// go as soon as it leaves `active`, the camera's torch and zoom when the call ends.
import type { CameraTools, ChatMessageView, Point, Stroke } from '$contract/tools.ts';
import type { LensMedia } from '../media.svelte.ts';
import { CameraControls } from './camera-tools.ts';
import { LensChat } from './chat.svelte.ts';
import { Marks } from './marks.ts';
import { encode, grab, SnapshotError, takePhoto, upload } from './snapshot.ts';

type Send = (message: Record<string, unknown>) => void;
type ToolMessage = { type: string; [k: string]: unknown };

/** How long "Photo taken" shows. */
const PHOTO_NOTICE_MS = 4_000;

export class LensTools {
	readonly chat = new LensChat();
	readonly marks = new Marks();
	frozen = $state(false);
	/** The still shown while frozen: the camera's frame at the track's own size. */
	still = $state.raw<HTMLCanvasElement | null>(null);
	camera = $state<CameraTools | null>(null);
	/** The live screen is up: it fills the whole screen, so the Lens's own top bar steps aside (LensShell). */
	fullScreen = $state(false);
	/** "Photo taken" is showing. */
	photoTaken = $state(false);
	/** The live screen's preview: where freeze and a fallback snapshot take their frame from. */
	preview: HTMLVideoElement | null = null;

	#send: Send | null = null;
	#state: string | undefined;
	#controls = new CameraControls((state) => this.#reportCamera(state));
	#photoTimer: ReturnType<typeof setTimeout> | undefined;
	/** The overlay's redraw (one per animation frame, however many messages arrive). */
	#redraw: (() => void) | null = null;

	constructor(private readonly media: LensMedia) {}

	socketOpened(send: Send) {
		this.#send = send;
		void this.chat.socketOpened(send);
		if (this.camera) this.#reportCamera(this.camera);
	}

	socketClosed() {
		this.#send = null;
		this.chat.socketClosed();
	}

	/** The session's state, as each report arrives. */
	stateChanged(state: string | undefined) {
		const was = this.#state;
		this.#state = state;
		if (state !== 'active') this.#clearPicture();
		if (state !== 'active' && state !== 'on_hold') {
			this.#controls.reset();
			this.camera = null;
		} else if (was !== state && this.camera) this.#reportCamera(this.camera);
	}

	/** The live screen's camera track (a new one after a switch): torch and zoom are applied to it again. */
	attach(track: MediaStreamTrack | null, cameras: number) {
		const photo = typeof window !== 'undefined' && 'ImageCapture' in window ? 'take_photo' : 'track_frame';
		void this.#controls.attach(track, { canSwitch: cameras > 1, photo });
	}

	onRedraw(redraw: (() => void) | null) {
		this.#redraw = redraw;
	}

	receive(m: ToolMessage) {
		switch (m.type) {
			case 'tool.pointer':
				this.marks.pointer = (m.at as Point | null) ?? null;
				return this.#redraw?.();
			case 'tool.stroke':
				this.marks.stroke(m.stroke as Stroke, performance.now());
				return this.#redraw?.();
			case 'tool.undo':
				this.marks.undo();
				return this.#redraw?.();
			case 'tool.clear':
				this.marks.clear();
				return this.#redraw?.();
			case 'tool.freeze':
				return this.#freeze(m.frozen === true);
			case 'tool.torch':
				return void this.#controls.setTorch(m.on === true);
			case 'tool.zoom':
				return void this.#controls.setZoom(Number(m.level));
			case 'tool.camera':
				if (this.media.cameras > 1) void this.media.switchCamera();
				return;
			case 'snapshot.request':
				return void this.#snapshot(String(m.snapshotId));
			case 'snapshot.stored':
				return this.#photoNotice();
			case 'chat.message':
				return this.chat.received(m.message as ChatMessageView);
		}
	}

	/** The customer ended or the session is gone: nothing of it stays. */
	reset() {
		this.#clearPicture();
		this.#controls.reset();
		this.camera = null;
		this.chat.reset();
		clearTimeout(this.#photoTimer);
		this.photoTaken = false;
	}

	#freeze(frozen: boolean) {
		if (frozen && this.preview) {
			// The camera keeps running behind the still: only the picture shown stops.
			this.still = grab(this.preview);
			this.frozen = !!this.still;
		} else {
			this.frozen = false;
			this.still = null;
		}
		this.#redraw?.();
	}

	async #snapshot(snapshotId: string) {
		const still = this.frozen ? this.still : null;
		try {
			const photo = still ? await encode(still) : await takePhoto(this.#track(), this.preview);
			await upload(snapshotId, photo, !!still);
		} catch (error) {
			const code = error instanceof SnapshotError ? error.code : 'capture_failed';
			this.#send?.({ type: 'snapshot.failed', snapshotId, code });
		} finally {
			// takePhoto may reset the camera's settings (some phones drop the torch for the photo's own flash).
			if (!still) void this.#controls.reapply();
		}
	}

	#photoNotice() {
		clearTimeout(this.#photoTimer);
		this.photoTaken = true;
		this.#photoTimer = setTimeout(() => (this.photoTaken = false), PHOTO_NOTICE_MS);
	}

	#clearPicture() {
		this.marks.reset();
		this.frozen = false;
		this.still = null;
		this.#redraw?.();
	}

	#track(): MediaStreamTrack | null {
		return this.media.stream?.getVideoTracks()[0] ?? null;
	}

	#reportCamera(state: CameraTools) {
		this.camera = state;
		if (this.#state === 'active' || this.#state === 'on_hold')
			this.#send?.({ type: 'tool.camera_state', tools: state });
	}
}
