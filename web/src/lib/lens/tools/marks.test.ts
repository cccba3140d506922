import { describe, expect, test } from 'bun:test';
import type { Stroke } from '$contract/tools.ts';
import { STROKES_MAX } from '$contract/limits.ts';
import { FADE_MS, LIVE_MS, Marks } from './marks.ts';

const stroke = (over: Partial<Stroke>): Stroke => ({
	id: 1,
	kind: 'free',
	color: 'red',
	points: [[0.1, 0.1]],
	done: false,
	live: false,
	...over
});

describe('the technician’s marks', () => {
	test('a free line grows: each message appends its points', () => {
		const marks = new Marks();
		marks.stroke(stroke({ points: [[0.1, 0.1]] }), 0);
		marks.stroke(
			stroke({
				points: [
					[0.2, 0.2],
					[0.3, 0.3]
				]
			}),
			10
		);
		marks.stroke(stroke({ points: [[0.4, 0.4]], done: true }), 20);
		const [shown] = marks.visible(30);
		expect(shown!.stroke.points).toEqual([
			[0.1, 0.1],
			[0.2, 0.2],
			[0.3, 0.3],
			[0.4, 0.4]
		]);
		expect(shown!.stroke.done).toBe(true);
	});

	test('arrow, ellipse and rect replace their points as they are dragged; a label brings its text', () => {
		const marks = new Marks();
		for (const kind of ['arrow', 'ellipse', 'rect'] as const) {
			const id = { arrow: 2, ellipse: 3, rect: 4 }[kind];
			marks.stroke(
				stroke({
					id,
					kind,
					points: [
						[0.1, 0.1],
						[0.2, 0.2]
					]
				}),
				0
			);
			marks.stroke(
				stroke({
					id,
					kind,
					points: [
						[0.1, 0.1],
						[0.5, 0.6]
					]
				}),
				1
			);
		}
		marks.stroke(stroke({ id: 5, kind: 'label', points: [[0.5, 0.5]], text: 'this screw' }), 2);
		const shown = marks.visible(3).map((s) => s.stroke);
		expect(shown.map((s) => s.points)).toEqual([
			[
				[0.1, 0.1],
				[0.5, 0.6]
			],
			[
				[0.1, 0.1],
				[0.5, 0.6]
			],
			[
				[0.1, 0.1],
				[0.5, 0.6]
			],
			[[0.5, 0.5]]
		]);
		expect(shown[3]!.text).toBe('this screw');
	});

	test('undo takes the last stroke begun; clear takes all; reset also hides the pointer', () => {
		const marks = new Marks();
		marks.stroke(stroke({ id: 1 }), 0);
		marks.stroke(stroke({ id: 2 }), 0);
		// Stroke 1 grows after 2 began: it keeps its place, 2 is still the last one.
		marks.stroke(stroke({ id: 1, points: [[0.9, 0.9]] }), 1);
		marks.undo();
		expect(marks.visible(2).map((s) => s.stroke.id)).toEqual([1]);
		marks.clear();
		expect(marks.size).toBe(0);
		marks.pointer = [0.5, 0.5];
		marks.stroke(stroke({ id: 3 }), 0);
		marks.reset();
		expect(marks.pointer).toBeNull();
		expect(marks.size).toBe(0);
	});

	test('a stroke on live video fades after a few seconds and is forgotten; on a frozen picture it stays', () => {
		const marks = new Marks();
		marks.stroke(stroke({ id: 1, live: true }), 1_000);
		marks.stroke(stroke({ id: 2, live: false }), 1_000);
		// Nothing to redraw until the live one starts to fade; then every frame.
		expect(marks.nextChange(1_000)).toBe(LIVE_MS);
		expect(marks.nextChange(1_000 + LIVE_MS + 1)).toBe(0);
		expect(marks.visible(1_000 + LIVE_MS).map((s) => s.alpha)).toEqual([1, 1]);
		const half = marks.visible(1_000 + LIVE_MS + FADE_MS / 2);
		expect(half[0]!.alpha).toBeCloseTo(0.5, 6);
		expect(marks.visible(1_000 + LIVE_MS + FADE_MS).map((s) => s.stroke.id)).toEqual([2]);
		expect(marks.nextChange(1_000 + LIVE_MS + FADE_MS)).toBeNull();
		expect(marks.visible(1_000_000).map((s) => s.alpha)).toEqual([1]);
	});

	test('a live stroke still being drawn does not fade: its clock restarts with each change', () => {
		const marks = new Marks();
		marks.stroke(stroke({ live: true }), 0);
		marks.stroke(stroke({ live: true, points: [[0.2, 0.2]] }), LIVE_MS);
		expect(marks.visible(LIVE_MS * 2)[0]!.alpha).toBe(1);
	});

	test('at most STROKES_MAX strokes are kept: the oldest go first', () => {
		const marks = new Marks();
		for (let id = 1; id <= STROKES_MAX + 5; id++) marks.stroke(stroke({ id }), 0);
		const ids = marks.visible(1).map((s) => s.stroke.id);
		expect(ids.length).toBe(STROKES_MAX);
		expect(ids[0]).toBe(6);
	});
});
