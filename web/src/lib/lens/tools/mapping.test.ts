import { describe, expect, test } from 'bun:test';
import { mapper, type View } from './mapping.ts';

const view = (over: Partial<View>): View => ({
	frame: { width: 1280, height: 720 },
	box: { width: 390, height: 844 },
	fit: 'cover',
	mirrored: false,
	dpr: 1,
	...over
});

describe('frame fractions → overlay pixels', () => {
	test('cover on a portrait screen crops a landscape frame left and right, keeping its height', () => {
		// 844 / 720 scales the frame to 1500.4 × 844; 555.2 px are cut on each side.
		const map = mapper(view({}))!;
		const [cx, cy] = map.at([0.5, 0.5]);
		expect(cx).toBeCloseTo(195, 6);
		expect(cy).toBeCloseTo(422, 6);
		const [x0, y0] = map.at([0, 0]);
		expect(x0).toBeCloseTo((390 - 1280 * (844 / 720)) / 2, 6);
		expect(y0).toBe(0);
		expect(map.at([0, 1])[1]).toBeCloseTo(844, 6);
		// A point a quarter of the way across lies off screen, to the left: it is cropped away.
		expect(map.at([0.25, 0.5])[0]).toBeLessThan(0);
	});

	test('contain letterboxes: the whole frame is inside the box, bands above and below', () => {
		const map = mapper(view({ fit: 'contain' }))!;
		const scale = 390 / 1280;
		const band = (844 - 720 * scale) / 2;
		expect(map.at([0, 0])).toEqual([0, band]);
		const [x1, y1] = map.at([1, 1]);
		expect(x1).toBeCloseTo(390, 6);
		expect(y1).toBeCloseTo(844 - band, 6);
		expect(map.scale).toBeCloseTo(scale, 9);
	});

	test('the same landscape frame on a landscape screen: cover crops top and bottom', () => {
		const map = mapper(view({ box: { width: 844, height: 390 }, frame: { width: 640, height: 480 } }))!;
		const scale = 844 / 640;
		expect(map.at([0, 0])[0]).toBe(0);
		expect(map.at([0, 0])[1]).toBeCloseTo((390 - 480 * scale) / 2, 6);
		expect(map.at([0.5, 0.5])).toEqual([422, 195]);
	});

	test('a mirrored preview (front camera) flips x only', () => {
		const plain = mapper(view({ fit: 'contain' }))!;
		const mirrored = mapper(view({ fit: 'contain', mirrored: true }))!;
		const [px, py] = plain.at([0.2, 0.3]);
		const [mx, my] = mirrored.at([0.2, 0.3]);
		expect(mx).toBeCloseTo(390 - px, 6);
		expect(my).toBe(py);
		// The frame's left edge is on the screen's right.
		expect(mirrored.at([0, 0.5])[0]).toBeCloseTo(390, 6);
	});

	test('devicePixelRatio scales every coordinate to the canvas backing store', () => {
		const one = mapper(view({}))!;
		const three = mapper(view({ dpr: 3 }))!;
		const [ax, ay] = one.at([0.6, 0.1]);
		const [bx, by] = three.at([0.6, 0.1]);
		expect(bx).toBeCloseTo(ax * 3, 6);
		expect(by).toBeCloseTo(ay * 3, 6);
		expect(three.scale).toBeCloseTo(one.scale * 3, 9);
		expect(three.dpr).toBe(3);
	});

	test('no mapping before the frame or the element has a size', () => {
		expect(mapper(view({ frame: { width: 0, height: 0 } }))).toBeNull();
		expect(mapper(view({ box: { width: 0, height: 844 } }))).toBeNull();
	});
});
