import { describe, expect, test } from 'bun:test';
import { type GreyFrame, SpotTracker, toGrey } from './tracker.ts';

// A small scene: a textured background and a ringed blob moving 2.5 px a
// frame to the right and 1 px down; optionally its left half covered.
const W = 160;
const H = 90;
const noise = (x: number, y: number) => {
	let h = Math.imul((x >> 2) * 374761393 + (y >> 2) * 668265263, 1274126177);
	h ^= h >>> 15;
	return ((h >>> 0) % 60) - 30;
};
const blobAt = (i: number) => ({ x: 30 + 2.5 * i, y: 30 + i });

function frame(i: number, options: { covered?: boolean; gone?: boolean } = {}): GreyFrame {
	const data = new Uint8Array(W * H);
	const blob = blobAt(i);
	for (let y = 0; y < H; y++)
		for (let x = 0; x < W; x++) {
			const dx = x - blob.x;
			const dy = y - blob.y;
			let v = 120 + noise(x, y);
			if (!options.gone && Math.abs(dx) < 10 && Math.abs(dy) < 10)
				v = Math.floor(Math.hypot(dx, dy) / 3) % 2 ? 200 : 50;
			if (options.covered && dx < 0 && dx > -14 && Math.abs(dy) < 14) v = 70;
			data[y * W + x] = v;
		}
	return { width: W, height: H, data };
}

describe('a mark on live video follows its object', () => {
	test('the tracked spot stays within a pixel of the moving object', () => {
		const tracker = new SpotTracker(frame(0), 30, 30, { radius: 8, search: 8 });
		for (let i = 1; i < 30; i++) {
			const at = tracker.track(frame(i));
			const truth = blobAt(i);
			expect(at.lost).toBe(false);
			expect(Math.hypot(at.x - truth.x, at.y - truth.y)).toBeLessThan(1);
		}
	});

	test('half covered by a hand, the object is still found where it is', () => {
		const tracker = new SpotTracker(frame(0), 30, 30, { radius: 8, search: 8 });
		for (let i = 1; i < 30; i++) {
			const at = tracker.track(frame(i, { covered: i >= 10 && i < 20 }));
			const truth = blobAt(i);
			expect(Math.hypot(at.x - truth.x, at.y - truth.y)).toBeLessThan(2);
		}
	});

	test('an object that leaves the picture is reported lost, not followed onto the background', () => {
		const tracker = new SpotTracker(frame(0), 30, 30, { radius: 8, search: 8 });
		for (let i = 1; i < 5; i++) tracker.track(frame(i));
		const gone = tracker.track(frame(5, { gone: true }));
		expect(gone.lost).toBe(true);
	});

	test('grey is the Rec. 601 weighting of RGBA', () => {
		const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
		expect([...toGrey(rgba, 4, 1).data]).toEqual([76, 149, 28, 255]);
	});
});
