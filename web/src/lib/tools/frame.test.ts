import { describe, expect, test } from 'bun:test';
import { contain, fitView, panBy, toElement, toFrame, toFrameClamped, viewTransform, zoomAt } from './frame.ts';

const near = (a: readonly number[] | null, b: readonly number[]) => {
	expect(a).not.toBeNull();
	for (let i = 0; i < b.length; i++) expect(a![i]).toBeCloseTo(b[i]!, 6);
};

describe('the frame letterboxed in the element (object-fit: contain)', () => {
	// A landscape 1280×720 frame in a squarish 1000×800 element: bars above and below.
	const wideEl = { width: 1000, height: 800 };
	const wideFrame = { width: 1280, height: 720 };
	// A portrait 720×1280 phone frame in a wide 1600×900 element: bars left and right.
	const tallEl = { width: 1600, height: 900 };
	const tallFrame = { width: 720, height: 1280 };

	test('a wide frame gets bars above and below', () => {
		const box = contain(wideEl, wideFrame);
		expect(box).toEqual({ x: 0, y: (800 - 562.5) / 2, w: 1000, h: 562.5 });
		near(toFrame([500, 400], wideEl, box), [0.5, 0.5]);
		near(toFrame([0, box.y], wideEl, box), [0, 0]);
		near(toFrame([250, box.y + 562.5 * 0.75], wideEl, box), [0.25, 0.75]);
		// In the bar: not on the frame.
		expect(toFrame([500, 50], wideEl, box)).toBeNull();
		near(toFrameClamped([500, 50], wideEl, box), [0.5, 0]);
	});

	test('a tall frame gets bars left and right', () => {
		const box = contain(tallEl, tallFrame);
		expect(box.h).toBe(900);
		expect(box.w).toBeCloseTo(506.25, 6);
		expect(box.x).toBeCloseTo((1600 - 506.25) / 2, 6);
		near(toFrame([box.x + box.w * 0.1, 900 * 0.9], tallEl, box), [0.1, 0.9]);
		expect(toFrame([100, 450], tallEl, box)).toBeNull();
		expect(toFrame([1500, 450], tallEl, box)).toBeNull();
		near(toFrameClamped([1500, 450], tallEl, box), [1, 0.5]);
	});

	test('toElement is toFrame’s inverse', () => {
		const box = contain(tallEl, tallFrame);
		const at = toElement([0.3, 0.7], tallEl, box);
		near(toFrame(at, tallEl, box), [0.3, 0.7]);
	});

	test('an element or frame without size maps nothing', () => {
		const box = contain({ width: 0, height: 0 }, wideFrame);
		expect(toFrame([1, 1], wideEl, box)).toBeNull();
		expect(contain(wideEl, { width: 0, height: 0 }).w).toBe(0);
	});
});

describe('digital zoom and pan', () => {
	const el = { width: 1000, height: 800 };
	const box = contain(el, { width: 1280, height: 720 });

	test('zoomed 2× on the centre: the element centre is still the frame centre, its edge a quarter in', () => {
		const view = fitView(2, [0.5, 0.5]);
		near(toFrame([500, 400], el, box, view), [0.5, 0.5]);
		near(toFrame([0, 400], el, box, view), [0.25, 0.5]);
		// The letterbox bar at zoom 2 shows picture: y = 400 - 562.5 * 2 * 0.25 is frame y 0.25.
		near(toFrame([500, 400 - 281.25], el, box, view), [0.5, 0.25]);
	});

	test('zoomed and panned to the top-left quarter', () => {
		const view = fitView(2, [0.25, 0.25]);
		near(toFrame([500, 400], el, box, view), [0.25, 0.25]);
		near(toFrame([0, 400 - 281.25], el, box, view), [0, 0]);
		const at = toElement([0.1, 0.2], el, box, view);
		near(toFrame(at, el, box, view), [0.1, 0.2]);
		// The CSS transform moves the frame's (0.25, 0.25) to the middle: at 2×, half a picture right and down.
		expect(viewTransform(box, view)).toBe(`translate(500px, 281.25px) scale(2)`);
	});

	test('the transform and the mapping agree: a frame point lands where toElement says', () => {
		const view = fitView(3, [0.6, 0.4]);
		const p: [number, number] = [0.7, 0.2];
		// Unzoomed position, then the transform about the element centre.
		const ux = box.x + p[0] * box.w - el.width / 2;
		const uy = box.y + p[1] * box.h - el.height / 2;
		const tx = view.zoom * box.w * (0.5 - view.center[0]);
		const ty = view.zoom * box.h * (0.5 - view.center[1]);
		near([el.width / 2 + view.zoom * ux + tx, el.height / 2 + view.zoom * uy + ty], toElement(p, el, box, view));
	});

	test('the view cannot pan past the frame nor zoom out of range', () => {
		expect(fitView(2, [0, 1])).toEqual({ zoom: 2, center: [0.25, 0.75] });
		expect(fitView(0.5, [0.1, 0.1])).toEqual({ zoom: 1, center: [0.5, 0.5] });
		expect(fitView(10, [0.5, 0.5]).zoom).toBe(4);
		expect(viewTransform(box, fitView(1, [0.5, 0.5]))).toBe('none');
	});

	test('a drag moves the picture with the pointer', () => {
		const view = fitView(2, [0.5, 0.5]);
		const moved = panBy(view, box, 100, 0);
		// 100 px at 2× of a 1000 px wide picture is 0.05 of the frame.
		near(moved.center, [0.45, 0.5]);
	});

	test('zooming at a spot keeps that spot under the pointer', () => {
		const at: [number, number] = [700, 300];
		const before = toFrame(at, el, box, fitView(1, [0.5, 0.5]));
		const after = zoomAt(fitView(1, [0.5, 0.5]), 2, at, el, box);
		near(toFrame(at, el, box, after), before!);
	});
});
