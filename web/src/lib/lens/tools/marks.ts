// The technician's marks as the phone shows them: the pointer and the strokes,
// built from tool.pointer / tool.stroke / tool.undo / tool.clear. Plain TS
// with the time passed in, so the fading is tested without waiting. The
// overlay draws `visible(now)` once per animation frame.
import { STROKE_TOTAL_POINTS_MAX, STROKES_MAX } from '$contract/limits.ts';
import type { Point, Stroke } from '$contract/tools.ts';

/** A stroke on live video stays this long after its last change, then fades out over FADE_MS. */
export const LIVE_MS = 3_000;
export const FADE_MS = 1_000;

export type Mark = { stroke: Stroke; changedAt: number };
export type Shown = { stroke: Stroke; alpha: number };

export class Marks {
	pointer: Point | null = null;
	/** In drawing order; a stroke keeps its place while it grows. */
	#strokes = new Map<number, Mark>();

	stroke(incoming: Stroke, now: number) {
		const known = this.#strokes.get(incoming.id);
		// A free line streams: each message brings the points after the last ones.
		const points =
			known && incoming.kind === 'free' && known.stroke.kind === 'free'
				? [...known.stroke.points, ...incoming.points].slice(-STROKE_TOTAL_POINTS_MAX)
				: incoming.points;
		this.#strokes.set(incoming.id, { stroke: { ...incoming, points }, changedAt: now });
		// The same bound as the console's: the oldest strokes go first.
		for (const id of this.#strokes.keys()) {
			if (this.#strokes.size <= STROKES_MAX) break;
			this.#strokes.delete(id);
		}
	}

	/** The technician's undo: the last stroke begun goes. */
	undo() {
		const last = [...this.#strokes.keys()].at(-1);
		if (last !== undefined) this.#strokes.delete(last);
	}

	clear() {
		this.#strokes.clear();
	}

	reset() {
		this.clear();
		this.pointer = null;
	}

	/** What to draw now, with each live stroke's opacity; faded strokes are forgotten. */
	visible(now: number): Shown[] {
		const shown: Shown[] = [];
		for (const [id, { stroke, changedAt }] of this.#strokes) {
			const alpha = stroke.live ? fade(now - changedAt) : 1;
			if (alpha <= 0) this.#strokes.delete(id);
			else shown.push({ stroke, alpha });
		}
		return shown;
	}

	/**
	 * In how many ms the picture changes without a new message: 0 while a live
	 * stroke fades (draw every frame), the time until the next one starts to
	 * fade, or null when nothing will change. A stroke that just waits to fade
	 * costs no redraw (a phone has its camera and encoder to run).
	 */
	nextChange(now: number): number | null {
		let next: number | null = null;
		for (const { stroke, changedAt } of this.#strokes.values()) {
			if (!stroke.live) continue;
			const wait = Math.max(0, changedAt + LIVE_MS - now);
			next = next === null ? wait : Math.min(next, wait);
		}
		return next;
	}

	get size(): number {
		return this.#strokes.size;
	}
}

function fade(age: number): number {
	if (age <= LIVE_MS) return 1;
	return Math.max(0, 1 - (age - LIVE_MS) / FADE_MS);
}
