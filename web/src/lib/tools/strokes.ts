// The technician's own strokes, kept in frame fractions, and what goes out
// for them: drawn here at once, sent at most one message per stroke per
// animation frame (a freehand line sends the points added since the last
// frame, at most STROKE_POINTS_MAX a message). Strokes on live video fade
// (FADE_AFTER_MS, then FADE_MS); strokes on the frozen picture stay.
import { STROKE_POINTS_MAX, STROKE_TOTAL_POINTS_MAX, STROKES_MAX } from '$contract/limits.ts';
import type { Point, Stroke, StrokeColor, StrokeKind } from '$contract/tools.ts';

export const FADE_AFTER_MS = 3_000;
export const FADE_MS = 1_000;

/** A stroke as this side keeps it: `at` is when it was let go (fading counts from then). */
export type LocalStroke = Stroke & { at: number | null; sent: number };

export type ToolMessage = { type: 'tool.stroke'; stroke: Stroke } | { type: 'tool.pointer'; at: Point | null };

export class StrokeBook {
	strokes: LocalStroke[] = [];
	#nextId = 1;
	#dirty = new Set<LocalStroke>();
	#pointer: { at: Point | null } | null = null;

	begin(kind: StrokeKind, color: StrokeColor, point: Point, live: boolean, text?: string): LocalStroke {
		const stroke: LocalStroke = {
			id: this.#nextId++,
			kind,
			color,
			points: kind === 'free' || kind === 'label' ? [point] : [point, point],
			...(text === undefined ? {} : { text }),
			done: kind === 'label',
			live,
			at: null,
			sent: 0
		};
		this.strokes.push(stroke);
		if (this.strokes.length > STROKES_MAX) this.strokes.shift();
		this.#dirty.add(stroke);
		return stroke;
	}

	/**
	 * The pointer moved while drawing: a freehand line gets a point, a shape its
	 * second corner. A freehand line at STROKE_TOTAL_POINTS_MAX is ended and a
	 * new one carries on from its last point (returned: draw on with it).
	 */
	extend(stroke: LocalStroke, point: Point): LocalStroke {
		if (stroke.kind === 'free') {
			if (stroke.points.length >= STROKE_TOTAL_POINTS_MAX) {
				this.end(stroke, performance.now());
				const next = this.begin('free', stroke.color, stroke.points.at(-1)!, stroke.live);
				return this.extend(next, point);
			}
			stroke.points.push(point);
		} else if (stroke.kind !== 'label') stroke.points = [stroke.points[0]!, point];
		this.#dirty.add(stroke);
		return stroke;
	}

	end(stroke: LocalStroke, now: number) {
		stroke.done = true;
		stroke.at = now;
		this.#dirty.add(stroke);
	}

	/**
	 * A mark on live video moved with its object (follow.ts): its points are
	 * replaced, it goes out again, and its fading starts over. False when it is gone.
	 */
	move(id: number, points: Point[], now: number): boolean {
		const stroke = this.strokes.find((s) => s.id === id);
		if (!stroke?.live || stroke.kind === 'free') return false;
		stroke.points = points;
		stroke.at = now;
		this.#dirty.add(stroke);
		return true;
	}

	/** Takes back the last stroke; false when there is none. */
	undo(): boolean {
		const last = this.strokes.pop();
		if (last) this.#dirty.delete(last);
		return !!last;
	}

	clear() {
		this.strokes = [];
		this.#dirty.clear();
	}

	/** Unfreezing: the frozen picture's strokes go with it. */
	clearFrozen() {
		this.strokes = this.strokes.filter((s) => s.live);
	}

	/** The strokes on the frozen picture (for the annotated copy). */
	get frozen(): LocalStroke[] {
		return this.strokes.filter((s) => !s.live);
	}

	/** How opaque a stroke is now: live strokes fade once let go. */
	static alpha(stroke: LocalStroke, now: number): number {
		if (!stroke.live || stroke.at === null) return 1;
		const age = now - stroke.at - FADE_AFTER_MS;
		return age <= 0 ? 1 : Math.max(0, 1 - age / FADE_MS);
	}

	/**
	 * Drops live strokes that have faded away; returns in how many ms the
	 * picture changes by itself: 0 while one fades (draw every frame), the
	 * time until the next starts to, or null. A stroke that only waits to
	 * fade costs no redraw.
	 */
	prune(now: number): number | null {
		this.strokes = this.strokes.filter((s) => StrokeBook.alpha(s, now) > 0);
		let next: number | null = null;
		for (const s of this.strokes) {
			if (!s.live) continue;
			// Still being drawn (no `at` yet): it changes only with the pointer.
			if (s.at === null) continue;
			const wait = Math.max(0, s.at + FADE_AFTER_MS - now);
			next = next === null ? wait : Math.min(next, wait);
		}
		return next;
	}

	pointer(at: Point | null) {
		this.#pointer = { at };
	}

	/** What to send this animation frame: the pointer's last spot, one message per changed stroke. */
	flush(): ToolMessage[] {
		const out: ToolMessage[] = [];
		if (this.#pointer) out.push({ type: 'tool.pointer', at: this.#pointer.at });
		this.#pointer = null;
		for (const stroke of this.#dirty) {
			const message = this.#message(stroke);
			if (message) out.push(message);
			// A freehand line with more points than one message holds goes on next frame.
			if (stroke.kind !== 'free' || stroke.sent >= stroke.points.length) this.#dirty.delete(stroke);
		}
		return out;
	}

	#message(s: LocalStroke): ToolMessage | null {
		let points: Point[];
		if (s.kind === 'free') {
			points = s.points.slice(s.sent, s.sent + STROKE_POINTS_MAX);
			// Let go with nothing new: the last point again carries `done`.
			if (points.length === 0) {
				if (!s.done) return null;
				points = [s.points.at(-1)!];
			}
			s.sent += points.length;
		} else points = s.points;
		const done = s.done && (s.kind !== 'free' || s.sent >= s.points.length);
		const stroke: Stroke = { id: s.id, kind: s.kind, color: s.color, points, done, live: s.live };
		if (s.text !== undefined) stroke.text = s.text;
		return { type: 'tool.stroke', stroke };
	}
}
