// Keeps the marks a technician puts on LIVE video on their objects: each
// arrow, ellipse, rectangle or label gets a SpotTracker (tracker.ts) on the
// spot it marks (an arrow's tip, a shape's centre, a label's anchor), and as
// the phone moves, the mark's points move with that spot. The console does
// this (it has the CPU; the phone has enough to do) on a 320-pixel-wide grey
// copy of each received frame, and sends each moved mark as the same stroke
// with its points replaced. bench/tracking.ts measures the tracker.
import type { Point, Stroke } from '$contract/tools.ts';
import { type GreyFrame, SpotTracker, toGrey } from './tracker.ts';

/** The width frames are tracked at: 1 px of it is 4 px of a 1280-wide frame, enough with sub-pixel matching (bench/tracking.ts). */
export const TRACK_WIDTH = 320;
/**
 * How long a mark follows its object before it is left to fade like any live
 * mark: long enough to talk about the thing marked, short enough that live
 * video does not fill up with marks (the technician freezes for lasting ones).
 */
export const FOLLOW_MS = 10_000;
/** A followed mark that did not move is sent again this often, so the phone does not fade it while it is still followed. */
const KEEP_MS = 1_000;
/** Frames in a row the object may be lost (a hand over it) before the mark stops following. */
const LOST_FRAMES = 30;

const FOLLOWED: ReadonlySet<Stroke['kind']> = new Set(['arrow', 'ellipse', 'rect', 'label']);

/** The spot a mark points at, as a fraction of the frame. */
export function anchorOf(stroke: Stroke): Point {
	const [a, b] = [stroke.points[0]!, stroke.points.at(-1)!];
	if (stroke.kind === 'arrow') return b; // the tip
	if (stroke.kind === 'label') return a;
	return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

type Followed = {
	stroke: Stroke;
	tracker: SpotTracker;
	startedAt: number;
	sentAt: number;
	lostFor: number;
	anchor: Point;
};

/** The frame-by-frame part, without the DOM: grey frames in, moved strokes out. */
export class MarkFollower {
	private readonly marks = new Map<number, Followed>();

	/** Whether a mark is followed: a finished arrow, shape or label on live video. */
	static follows(stroke: Stroke): boolean {
		return stroke.live && stroke.done && FOLLOWED.has(stroke.kind);
	}

	follow(stroke: Stroke, frame: GreyFrame, now: number): void {
		const anchor = anchorOf(stroke);
		const tracker = new SpotTracker(frame, anchor[0] * frame.width, anchor[1] * frame.height);
		this.marks.set(stroke.id, { stroke, tracker, startedAt: now, sentAt: now, lostFor: 0, anchor });
	}

	drop(id: number): void {
		this.marks.delete(id);
	}

	clear(): void {
		this.marks.clear();
	}

	get size(): number {
		return this.marks.size;
	}

	/** Tracks every followed mark into this frame; returns the marks that moved (with their new points) or are due to be sent again. */
	next(frame: GreyFrame, now: number): Stroke[] {
		const moved: Stroke[] = [];
		for (const [id, mark] of this.marks) {
			const at = mark.tracker.track(frame);
			mark.lostFor = at.lost ? mark.lostFor + 1 : 0;
			if (now - mark.startedAt > FOLLOW_MS || mark.lostFor > LOST_FRAMES) {
				this.marks.delete(id);
				continue;
			}
			const x = clamp(at.x / frame.width);
			const y = clamp(at.y / frame.height);
			const dx = x - mark.anchor[0];
			const dy = y - mark.anchor[1];
			const still = Math.abs(dx) * frame.width < 0.25 && Math.abs(dy) * frame.height < 0.25;
			if (still && now - mark.sentAt < KEEP_MS) continue;
			if (!still) {
				mark.anchor = [x, y];
				const points = mark.stroke.points.map(([px, py]): Point => [clamp(px + dx), clamp(py + dy)]);
				mark.stroke = { ...mark.stroke, points };
			}
			mark.sentAt = now;
			moved.push(mark.stroke);
		}
		return moved;
	}
}

const clamp = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Runs a MarkFollower on a video element's frames (requestVideoFrameCallback,
 * so once per decoded frame) while it follows anything; `moved` gets each
 * moved mark (to draw it and send it to the phone).
 */
export class VideoMarkFollower {
	private readonly follower = new MarkFollower();
	private readonly canvas = document.createElement('canvas');
	private readonly context = this.canvas.getContext('2d', { willReadFrequently: true });
	private grey?: Uint8Array;
	private handle = 0;

	constructor(
		private readonly video: HTMLVideoElement,
		private readonly moved: (stroke: Stroke) => void
	) {}

	follow(stroke: Stroke): void {
		if (!MarkFollower.follows(stroke) || !('requestVideoFrameCallback' in this.video)) return;
		const frame = this.frame();
		if (!frame) return;
		this.follower.follow(stroke, frame, performance.now());
		if (!this.handle) this.handle = this.video.requestVideoFrameCallback(() => this.tick());
	}

	drop(id: number): void {
		this.follower.drop(id);
	}

	clear(): void {
		this.follower.clear();
	}

	stop(): void {
		this.follower.clear();
		if (this.handle) this.video.cancelVideoFrameCallback(this.handle);
		this.handle = 0;
	}

	private tick(): void {
		this.handle = 0;
		const frame = this.frame();
		if (frame) for (const stroke of this.follower.next(frame, performance.now())) this.moved(stroke);
		if (this.follower.size > 0) this.handle = this.video.requestVideoFrameCallback(() => this.tick());
	}

	/** The video's current frame, small and grey; undefined before the first frame. */
	private frame(): GreyFrame | undefined {
		const { videoWidth, videoHeight } = this.video;
		if (!this.context || !videoWidth || !videoHeight) return undefined;
		const width = TRACK_WIDTH;
		const height = Math.max(1, Math.round((videoHeight / videoWidth) * width));
		if (this.canvas.width !== width || this.canvas.height !== height) {
			this.canvas.width = width;
			this.canvas.height = height;
		}
		this.context.drawImage(this.video, 0, 0, width, height);
		const rgba = this.context.getImageData(0, 0, width, height).data;
		const frame = toGrey(rgba, width, height, this.grey);
		this.grey = frame.data as Uint8Array;
		return frame;
	}
}
