import { describe, expect, test } from 'bun:test';
import type { Stroke } from '$contract/tools.ts';
import { anchorOf, FOLLOW_MS, MarkFollower } from './follow.ts';
import type { GreyFrame } from './tracker.ts';

const W = 160;
const H = 90;
const blobAt = (i: number) => ({ x: 40 + 2 * i, y: 40 + i });

function frame(i: number): GreyFrame {
	const data = new Uint8Array(W * H);
	const blob = blobAt(i);
	for (let y = 0; y < H; y++)
		for (let x = 0; x < W; x++) {
			let h = Math.imul((x >> 2) * 374761393 + (y >> 2) * 668265263, 1274126177);
			h ^= h >>> 15;
			let v = 100 + ((h >>> 0) % 60);
			if (Math.abs(x - blob.x) < 10 && Math.abs(y - blob.y) < 10)
				v = Math.floor(Math.hypot(x - blob.x, y - blob.y) / 3) % 2 ? 210 : 40;
			data[y * W + x] = v;
		}
	return { width: W, height: H, data };
}

// An arrow from up-left of the blob to the blob's centre.
const arrow: Stroke = {
	id: 7,
	kind: 'arrow',
	color: 'red',
	points: [
		[20 / W, 20 / H],
		[40 / W, 40 / H]
	],
	done: true,
	live: true
};

describe('marks on live video follow their object', () => {
	test('an arrow keeps its tip on the moving object, and its shape', () => {
		const follower = new MarkFollower();
		follower.follow(arrow, frame(0), 0);
		let last: Stroke | undefined;
		for (let i = 1; i <= 20; i++) for (const moved of follower.next(frame(i), i * 33)) last = moved;
		const tip = anchorOf(last!);
		expect(Math.abs(tip[0] * W - blobAt(20).x)).toBeLessThan(1);
		expect(Math.abs(tip[1] * H - blobAt(20).y)).toBeLessThan(1);
		// The tail moved by as much as the tip.
		expect(last!.points[0]![0] * W).toBeCloseTo(20 + 40, 0);
		expect(last!.id).toBe(7);
	});

	test('only finished arrows, shapes and labels on live video are followed', () => {
		expect(MarkFollower.follows(arrow)).toBe(true);
		expect(MarkFollower.follows({ ...arrow, live: false })).toBe(false);
		expect(MarkFollower.follows({ ...arrow, done: false })).toBe(false);
		expect(MarkFollower.follows({ ...arrow, kind: 'free' })).toBe(false);
	});

	test('a mark stops following after FOLLOW_MS, and undo drops it', () => {
		const follower = new MarkFollower();
		follower.follow(arrow, frame(0), 0);
		follower.next(frame(1), FOLLOW_MS + 1);
		expect(follower.size).toBe(0);
		follower.follow(arrow, frame(0), 0);
		follower.drop(arrow.id);
		expect(follower.next(frame(1), 10)).toEqual([]);
	});

	test("a shape's anchor is its centre, a label's its spot", () => {
		expect(anchorOf({ ...arrow, kind: 'ellipse' })).toEqual([30 / W, 30 / H]);
		expect(anchorOf({ ...arrow, kind: 'label', points: [[0.5, 0.25]] })).toEqual([0.5, 0.25]);
	});
});

describe('a followed mark that does not move', () => {
	test('is sent again about once a second, so the phone keeps showing it while it is followed', () => {
		const still = (_: number) => frame(0);
		const follower = new MarkFollower();
		follower.follow(arrow, still(0), 0);
		expect(follower.next(still(1), 500)).toEqual([]);
		expect(follower.next(still(2), 1_100)).toHaveLength(1);
		expect(follower.next(still(3), 1_200)).toEqual([]);
	});
});
