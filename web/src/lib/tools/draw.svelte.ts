// The technician's drawing and camera tools for one live session: the tool
// and colour chosen, the frozen picture, the digital view, the phone's camera
// report; pointer and strokes go out once per animation frame (StrokeBook).
import { LABEL_TEXT_MAX } from '$contract/limits.ts';
import type { CameraTools, Point, StrokeColor, StrokeKind } from '$contract/tools.ts';
import { type CameraControls, cameraControls, zoomStep } from './camera-controls.ts';
import { VideoMarkFollower } from './follow.ts';
import { fitView, UNZOOMED, type View } from './frame.ts';
import { type LocalStroke, StrokeBook } from './strokes.ts';

/** A display frame at 60 Hz: at most one message per stroke in that time. */
const FRAME_MS = 1000 / 60;

export type Tool = 'pointer' | Exclude<StrokeKind, 'free'> | 'draw';
export type Send = (message: Record<string, unknown>) => void;

export class DrawTools {
	tool = $state<Tool>('pointer');
	color = $state<StrokeColor>('red');
	frozen = $state(false);
	camera = $state.raw<CameraTools | null>(null);
	view = $state.raw<View>(UNZOOMED);
	/** Bumped on every change of the strokes: the overlay draws again. */
	version = $state(0);
	readonly book = new StrokeBook();
	controls: CameraControls = $derived(cameraControls(this.camera, this.view.zoom));

	#frame = 0;
	#flushedAt = 0;
	#drawing: LocalStroke | null = null;
	/** Moves marks on live video with their objects (follow.ts); made once the video element is there. */
	#follower: VideoMarkFollower | null = null;

	constructor(private readonly send: Send) {}

	/** The live picture, so marks on it can follow their objects. */
	watch(video: HTMLVideoElement) {
		this.#follower?.stop();
		this.#follower = new VideoMarkFollower(video, (moved) => {
			if (this.book.move(moved.id, moved.points, performance.now())) this.#changed();
			else this.#follower?.drop(moved.id);
		});
	}

	get kind(): StrokeKind | null {
		return this.tool === 'pointer' ? null : this.tool === 'draw' ? 'free' : this.tool;
	}

	/** Where the pointer is on the frame (drawn here as the phone draws it), or null. */
	pointerAt = $state.raw<Point | null>(null);

	pointer(at: Point | null) {
		this.pointerAt = at;
		this.book.pointer(at);
		this.#schedule();
	}

	/** The pointer went down on the picture with a drawing tool (not the label: see label()). */
	strokeStart(at: Point) {
		const kind = this.kind;
		if (!kind || kind === 'label') return;
		this.#drawing = this.book.begin(kind, this.color, at, !this.frozen);
		this.#changed();
	}

	strokeMove(at: Point) {
		if (!this.#drawing) return;
		this.#drawing = this.book.extend(this.#drawing, at);
		this.#changed();
	}

	strokeEnd() {
		if (!this.#drawing) return;
		this.book.end(this.#drawing, performance.now());
		this.#follower?.follow(this.#drawing);
		this.#drawing = null;
		this.#changed();
	}

	get drawing(): boolean {
		return this.#drawing !== null;
	}

	label(at: Point, text: string) {
		const words = text.trim().slice(0, LABEL_TEXT_MAX);
		if (!words) return;
		this.book.begin('label', this.color, at, !this.frozen, words);
		const s = this.book.strokes.at(-1)!;
		s.at = performance.now();
		this.#follower?.follow(s);
		this.#changed();
	}

	undo() {
		// What is queued goes first, so the phone undoes the same stroke.
		this.#flush();
		this.#drawing = null;
		const last = this.book.strokes.at(-1);
		if (last) this.#follower?.drop(last.id);
		if (this.book.undo()) this.send({ type: 'tool.undo' });
		this.version++;
	}

	clear() {
		this.#flush();
		this.#drawing = null;
		this.#follower?.clear();
		this.book.clear();
		this.send({ type: 'tool.clear' });
		this.version++;
	}

	/** This side's picture is already frozen or live again (the view does it at once); tell the phone. */
	setFrozen(frozen: boolean) {
		if (frozen === this.frozen) return;
		this.#flush();
		this.strokeEnd();
		this.frozen = frozen;
		// A frozen picture does not move; live marks left on it stay where they are.
		if (frozen) this.#follower?.clear();
		if (!frozen) this.book.clearFrozen();
		this.send({ type: 'tool.freeze', frozen });
		this.version++;
	}

	torch() {
		const torch = this.controls.torch;
		if (torch) this.send({ type: 'tool.torch', on: !torch.on });
	}

	switchCamera() {
		if (this.controls.canSwitch) this.send({ type: 'tool.camera' });
	}

	/** The slider or + / −: the phone's zoom (sent) or the console's own. */
	zoomTo(level: number) {
		const zoom = this.controls.zoom;
		if (zoom.kind === 'camera') {
			const value = Math.min(zoom.max, Math.max(zoom.min, level));
			// Shown at once; the phone's next report confirms it.
			if (this.camera) this.camera = { ...this.camera, zoomLevel: value };
			this.send({ type: 'tool.zoom', level: value });
		} else this.view = fitView(level, this.view.center);
	}

	zoomBy(direction: 1 | -1) {
		this.zoomTo(zoomStep(this.controls.zoom, direction));
	}

	zoomReset() {
		if (this.controls.zoom.kind === 'camera') this.zoomTo(this.controls.zoom.min);
		else this.view = UNZOOMED;
	}

	/** The phone's report; a phone that gained a camera zoom drops the console's digital one. */
	cameraState(tools: CameraTools) {
		this.camera = tools;
		if (tools.zoom && tools.zoom.max > tools.zoom.min) this.view = UNZOOMED;
	}

	stop() {
		this.#follower?.stop();
		cancelAnimationFrame(this.#frame);
		this.#frame = 0;
	}

	#changed() {
		this.version++;
		this.#schedule();
	}

	/**
	 * Sends at once when nothing went out in the last frame's time, else at the
	 * next animation frame: the first move reaches the phone without waiting
	 * for a frame, and a stream of moves still goes out once per frame.
	 */
	#schedule() {
		if (this.#frame) return;
		if (performance.now() - this.#flushedAt >= FRAME_MS) return this.#flush();
		this.#frame = requestAnimationFrame(() => {
			this.#frame = 0;
			this.#flush();
		});
	}

	#flush() {
		this.#flushedAt = performance.now();
		const out = this.book.flush();
		for (const message of out) this.send(message);
		// A long freehand line may still have points for the next frame.
		if (out.length && this.book.strokes.some((s) => s.kind === 'free' && s.sent < s.points.length)) this.#schedule();
	}
}
