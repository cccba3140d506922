// Follows a marked spot of live video from frame to frame, so an arrow or a
// circle the technician put on the phone's picture stays on its object as the
// phone moves. It runs in the console (the phone has enough to do), on a small
// grey copy of each received frame: template matching by normalised
// cross-correlation (insensitive to the picture getting brighter or darker)
// around where constant velocity says the spot should be, refined to a
// fraction of a pixel. bench/tracking.ts measures it on a video whose
// marker moves along a known path, through a real VP8 encoder.

/** One byte of brightness per pixel, row after row. */
export type GreyFrame = { width: number; height: number; data: Uint8Array | Uint8ClampedArray };

export type TrackerOptions = {
	/** Half the side of the matched square, in pixels of the grey frame. */
	radius?: number;
	/** How far from the predicted spot to look, in pixels of the grey frame. */
	search?: number;
	/** Below this correlation the spot counts as lost (covered, out of the picture). */
	lostBelow?: number;
};

export type Tracked = { x: number; y: number; score: number; lost: boolean };

/** RGBA (a canvas's getImageData) to grey, by the Rec. 601 weights in integers. */
export function toGrey(rgba: Uint8ClampedArray, width: number, height: number, out?: Uint8Array): GreyFrame {
	const data = out && out.length === width * height ? out : new Uint8Array(width * height);
	for (let i = 0, j = 0; j < data.length; i += 4, j++)
		data[j] = (rgba[i]! * 77 + rgba[i + 1]! * 150 + rgba[i + 2]! * 29) >> 8;
	return { width, height, data };
}

export class SpotTracker {
	private readonly radius: number;
	private readonly search: number;
	private readonly lostBelow: number;
	private readonly side: number;
	/** The template, mean removed, and its norm. */
	private readonly template: Float32Array;
	/** Each quarter's norm and pixel count (top left, top right, bottom left, bottom right). */
	private readonly templateNorms = new Float64Array(4);
	private readonly quarterSize: number[];
	/** Scratch: per quarter Σv, Σv², Σv·T, and each quarter's score. */
	private readonly quarters = new Float64Array(12);
	private readonly scores = new Float64Array(4);
	/** The worst quarter's score at the last square correlated. */
	private worstQuarter = 0;
	private x: number;
	private y: number;
	private vx = 0;
	private vy = 0;

	constructor(frame: GreyFrame, x: number, y: number, options: TrackerOptions = {}) {
		this.radius = options.radius ?? 12;
		this.search = options.search ?? 16;
		this.lostBelow = options.lostBelow ?? 0.45;
		this.side = this.radius * 2 + 1;
		this.template = new Float32Array(this.side * this.side);
		const r = this.radius;
		this.quarterSize = [r * r, r * (r + 1), (r + 1) * r, (r + 1) * (r + 1)];
		this.x = x;
		this.y = y;
		this.takeTemplate(frame, Math.round(x), Math.round(y), 1);
	}

	/** Where the spot is in this frame (the next frame after the last call). */
	track(frame: GreyFrame): Tracked {
		const px = Math.round(this.x + this.vx);
		const py = Math.round(this.y + this.vy);
		const s = this.search;
		const scores = new Float32Array((2 * s + 1) * (2 * s + 1));
		let best = -2;
		let bx = px;
		let by = py;
		for (let dy = -s; dy <= s; dy++)
			for (let dx = -s; dx <= s; dx++) {
				const score = this.correlation(frame, px + dx, py + dy);
				scores[(dy + s) * (2 * s + 1) + dx + s] = score;
				if (score > best) {
					best = score;
					bx = px + dx;
					by = py + dy;
				}
			}
		if (best < this.lostBelow) {
			// Keep moving as before for a moment: a hand passing over the spot should not drop it.
			this.x += this.vx;
			this.y += this.vy;
			this.vx *= 0.5;
			this.vy *= 0.5;
			return { x: this.x, y: this.y, score: best, lost: true };
		}
		const at = (dx: number, dy: number) => {
			const ix = bx - px + dx + s;
			const iy = by - py + dy + s;
			return ix < 0 || iy < 0 || ix > 2 * s || iy > 2 * s ? best : scores[iy * (2 * s + 1) + ix]!;
		};
		const nx = bx + subPixel(at(-1, 0), best, at(1, 0));
		const ny = by + subPixel(at(0, -1), best, at(0, 1));
		// Velocity smoothed a little, so one noisy match does not throw the next search off.
		this.vx = 0.6 * (nx - this.x) + 0.4 * this.vx;
		this.vy = 0.6 * (ny - this.y) + 0.4 * this.vy;
		this.x = nx;
		this.y = ny;
		// Follow slow changes of the object's look (light, size, angle) only when every
		// quarter matches: a template updated while a hand covers half the object would learn the hand.
		this.correlation(frame, bx, by);
		if (this.worstQuarter > 0.75) this.takeTemplate(frame, bx, by, 0.1);
		return { x: nx, y: ny, score: best, lost: false };
	}

	/**
	 * How well the square centred at (cx, cy) matches the template: the
	 * normalised cross-correlation of each quarter of it, and the mean of the
	 * best two, so an object half covered (a hand, the edge of the picture)
	 * still matches where it is. -1 outside the frame.
	 */
	private correlation(frame: GreyFrame, cx: number, cy: number): number {
		const r = this.radius;
		if (cx - r < 0 || cy - r < 0 || cx + r >= frame.width || cy + r >= frame.height) return -1;
		const { data, width } = frame;
		const q = this.quarters;
		q.fill(0);
		for (let y = -r, t = 0; y <= r; y++) {
			let i = (cy + y) * width + cx - r;
			const row = y < 0 ? 0 : 2;
			for (let x = -r; x <= r; x++, i++, t++) {
				const v = data[i]!;
				const k = (row + (x < 0 ? 0 : 1)) * 3;
				q[k]! += v;
				q[k + 1]! += v * v;
				q[k + 2]! += v * this.template[t]!;
			}
		}
		const scores = this.quarterScores(q);
		let first = -1;
		let second = -1;
		for (const score of scores) {
			if (score > first) {
				second = first;
				first = score;
			} else if (score > second) second = score;
		}
		this.worstQuarter = Math.min(scores[0]!, scores[1]!, scores[2]!, scores[3]!);
		return (first + second) / 2;
	}

	private quarterScores(q: Float64Array): Float64Array {
		const scores = this.scores;
		for (let k = 0; k < 4; k++) {
			const sum = q[k * 3]!;
			// Each quarter of the template has mean zero, so Σ(v − mean)·T = Σ v·T.
			const variance = q[k * 3 + 1]! - (sum * sum) / this.quarterSize[k]!;
			const norm = this.templateNorms[k]!;
			scores[k] = variance <= 1e-6 || norm <= 1e-6 ? 0 : q[k * 3 + 2]! / Math.sqrt(variance * norm);
		}
		return scores;
	}

	/** Blends the square at (cx, cy) into the template by `weight` (1 replaces it); each quarter zero-mean. */
	private takeTemplate(frame: GreyFrame, cx: number, cy: number, weight: number): void {
		const r = this.radius;
		const { data, width, height } = frame;
		const patch = new Float32Array(this.template.length);
		const means = [0, 0, 0, 0];
		const quarterOf = (x: number, y: number) => (y < 0 ? 0 : 2) + (x < 0 ? 0 : 1);
		for (let y = -r, t = 0; y <= r; y++)
			for (let x = -r; x <= r; x++, t++) {
				const sx = Math.min(width - 1, Math.max(0, cx + x));
				const sy = Math.min(height - 1, Math.max(0, cy + y));
				patch[t] = data[sy * width + sx]!;
				means[quarterOf(x, y)]! += patch[t]!;
			}
		for (let k = 0; k < 4; k++) means[k]! /= this.quarterSize[k]!;
		this.templateNorms.fill(0);
		for (let y = -r, t = 0; y <= r; y++)
			for (let x = -r; x <= r; x++, t++) {
				const k = quarterOf(x, y);
				const v = (1 - weight) * this.template[t]! + weight * (patch[t]! - means[k]!);
				this.template[t] = v;
				this.templateNorms[k]! += v * v;
			}
	}
}

/** The peak's offset (−0.5..0.5) from a parabola through three neighbouring scores. */
function subPixel(left: number, centre: number, right: number): number {
	const denominator = left - 2 * centre + right;
	if (denominator >= 0) return 0;
	return Math.max(-0.5, Math.min(0.5, (0.5 * (left - right)) / denominator));
}
