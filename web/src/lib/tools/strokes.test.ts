import { describe, expect, test } from 'bun:test';
import { STROKE_POINTS_MAX, STROKE_TOTAL_POINTS_MAX } from '$contract/limits.ts';
import type { Point } from '$contract/tools.ts';
import { FADE_AFTER_MS, FADE_MS, StrokeBook, type ToolMessage } from './strokes.ts';

const strokesOf = (ms: ToolMessage[]) => ms.flatMap((m) => (m.type === 'tool.stroke' ? [m.stroke] : []));

describe('what goes out for a stroke', () => {
	test('a freehand line streams the points added since the last frame, then says done', () => {
		const book = new StrokeBook();
		const s = book.begin('free', 'red', [0.1, 0.1], true);
		book.extend(s, [0.2, 0.2]);
		const first = strokesOf(book.flush());
		expect(first).toEqual([
			{
				id: s.id,
				kind: 'free',
				color: 'red',
				points: [
					[0.1, 0.1],
					[0.2, 0.2]
				],
				done: false,
				live: true
			}
		]);
		// Nothing new: nothing sent.
		expect(book.flush()).toEqual([]);
		book.extend(s, [0.3, 0.3]);
		book.end(s, 0);
		expect(strokesOf(book.flush())).toEqual([{ ...first[0]!, points: [[0.3, 0.3]], done: true }]);
	});

	test('more points than one message holds go out over the next frames, at most STROKE_POINTS_MAX each', () => {
		const book = new StrokeBook();
		const s = book.begin('free', 'blue', [0, 0], false);
		for (let i = 1; i < STROKE_POINTS_MAX * 2 + 5; i++) book.extend(s, [i / 1000, 0]);
		book.end(s, 0);
		const sizes: number[] = [];
		const dones: boolean[] = [];
		for (let frame = 0; frame < 5; frame++)
			for (const st of strokesOf(book.flush())) {
				sizes.push(st.points.length);
				dones.push(st.done);
			}
		expect(sizes).toEqual([STROKE_POINTS_MAX, STROKE_POINTS_MAX, 5]);
		expect(dones).toEqual([false, false, true]);
	});

	test('a line let go with nothing new repeats its last point to carry done', () => {
		const book = new StrokeBook();
		const s = book.begin('free', 'red', [0.5, 0.5], true);
		book.flush();
		book.end(s, 0);
		expect(strokesOf(book.flush())).toEqual([expect.objectContaining({ points: [[0.5, 0.5]], done: true })]);
	});

	test('a freehand line that reaches the total limit is ended and carried on by a new one', () => {
		const book = new StrokeBook();
		let s = book.begin('free', 'green', [0, 0], false);
		for (let i = 1; i <= STROKE_TOTAL_POINTS_MAX; i++) s = book.extend(s, [(i % 100) / 100, 0.5]);
		expect(book.strokes.length).toBe(2);
		expect(book.strokes[0]!.points.length).toBe(STROKE_TOTAL_POINTS_MAX);
		expect(book.strokes[0]!.done).toBe(true);
		expect(book.strokes[1]!.points[0]).toEqual(book.strokes[0]!.points.at(-1)!);
	});

	test('an arrow, an ellipse and a rectangle send their two points, replaced as the pointer moves', () => {
		const book = new StrokeBook();
		for (const kind of ['arrow', 'ellipse', 'rect'] as const) {
			const s = book.begin(kind, 'yellow', [0.1, 0.2], true);
			book.extend(s, [0.4, 0.5]);
			book.extend(s, [0.6, 0.7]);
			const [sent] = strokesOf(book.flush());
			expect(sent!.points).toEqual([
				[0.1, 0.2],
				[0.6, 0.7]
			]);
			expect(sent!.kind).toBe(kind);
		}
	});

	test('a label goes out whole and done, with its text', () => {
		const book = new StrokeBook();
		book.begin('label', 'white', [0.3, 0.3], false, 'Valve');
		expect(strokesOf(book.flush())).toEqual([
			expect.objectContaining({ kind: 'label', points: [[0.3, 0.3]], text: 'Valve', done: true, live: false })
		]);
	});

	test('the pointer goes out once per frame with its last spot, null when it left', () => {
		const book = new StrokeBook();
		book.pointer([0.1, 0.1]);
		book.pointer([0.2, 0.3]);
		expect(book.flush()).toEqual([{ type: 'tool.pointer', at: [0.2, 0.3] }]);
		book.pointer(null);
		expect(book.flush()).toEqual([{ type: 'tool.pointer', at: null }]);
		expect(book.flush()).toEqual([]);
	});

	test('ids are unique and rising', () => {
		const book = new StrokeBook();
		const ids = [1, 2, 3].map(() => book.begin('rect', 'red', [0, 0] as Point, true).id);
		expect(ids).toEqual([1, 2, 3]);
	});
});

describe('what is drawn', () => {
	test('undo takes back the last stroke; clear takes all', () => {
		const book = new StrokeBook();
		const a = book.begin('rect', 'red', [0, 0], false);
		book.begin('ellipse', 'red', [0, 0], false);
		expect(book.undo()).toBe(true);
		expect(book.strokes).toEqual([a]);
		book.clear();
		expect(book.strokes).toEqual([]);
		expect(book.undo()).toBe(false);
	});

	test('live strokes fade after being let go; frozen ones stay', () => {
		const book = new StrokeBook();
		const live = book.begin('arrow', 'red', [0, 0], true);
		const frozen = book.begin('arrow', 'red', [0, 0], false);
		expect(StrokeBook.alpha(live, 1e9)).toBe(1); // still drawing
		book.end(live, 1000);
		book.end(frozen, 1000);
		// Nothing to redraw until the live one starts to fade; then every frame.
		expect(book.prune(1000)).toBe(FADE_AFTER_MS);
		expect(book.prune(1000 + FADE_AFTER_MS + 1)).toBe(0);
		expect(StrokeBook.alpha(live, 1000 + FADE_AFTER_MS)).toBe(1);
		expect(StrokeBook.alpha(live, 1000 + FADE_AFTER_MS + FADE_MS / 2)).toBeCloseTo(0.5, 6);
		expect(book.prune(1000 + FADE_AFTER_MS + FADE_MS)).toBeNull();
		expect(book.strokes).toEqual([frozen]);
		expect(book.frozen).toEqual([frozen]);
	});

	test('unfreezing drops the frozen picture’s strokes only', () => {
		const book = new StrokeBook();
		const live = book.begin('free', 'red', [0, 0], true);
		book.begin('free', 'red', [0, 0], false);
		book.clearFrozen();
		expect(book.strokes).toEqual([live]);
	});
});

describe('a mark on live video that follows its object', () => {
	test('goes out again with its new points, and fades only from its last move', () => {
		const book = new StrokeBook();
		const s = book.begin('arrow', 'red', [0.1, 0.1], true);
		book.extend(s, [0.2, 0.2]);
		book.end(s, 0);
		book.flush();
		const moved: Point[] = [
			[0.3, 0.1],
			[0.4, 0.2]
		];
		expect(book.move(s.id, moved, 5_000)).toBe(true);
		expect(strokesOf(book.flush())).toEqual([
			{ id: s.id, kind: 'arrow', color: 'red', points: moved, done: true, live: true }
		]);
		expect(StrokeBook.alpha(book.strokes[0]!, 5_000 + FADE_AFTER_MS)).toBe(1);
	});

	test('a freehand line, a frozen mark or an undone one is not moved', () => {
		const book = new StrokeBook();
		const free = book.begin('free', 'red', [0.1, 0.1], true);
		const frozen = book.begin('rect', 'red', [0.1, 0.1], false);
		expect(book.move(free.id, [[0.5, 0.5]], 0)).toBe(false);
		expect(book.move(frozen.id, [[0.5, 0.5]], 0)).toBe(false);
		book.undo();
		expect(book.move(frozen.id, [[0.5, 0.5]], 0)).toBe(false);
	});
});
