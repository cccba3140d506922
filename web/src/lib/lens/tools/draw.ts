// Draws the pointer and strokes onto the overlay canvas, through a Mapper
// (frame fraction → canvas pixel). Line widths and text are sized for the eye
// (CSS pixels × dpr), not the frame, so a mark reads the same on any phone.
// A thin dark edge under every line keeps it visible on a light or dark scene.
import type { StrokeColor } from '$contract/tools.ts';
import type { Mapper } from './mapping.ts';
import type { Shown } from './marks.ts';
import type { Point } from '$contract/tools.ts';

export const COLORS: Record<StrokeColor, string> = {
	red: '#ff3b30',
	yellow: '#ffd60a',
	green: '#30d158',
	blue: '#0a84ff',
	white: '#ffffff'
};
const EDGE = 'rgba(0, 0, 0, 0.55)';
const LINE = 4;

export function drawMarks(ctx: CanvasRenderingContext2D, map: Mapper, shown: Shown[], pointer: Point | null) {
	ctx.setTransform(1, 0, 0, 1, 0, 0);
	ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
	ctx.lineCap = 'round';
	ctx.lineJoin = 'round';
	for (const { stroke, alpha } of shown) {
		ctx.globalAlpha = alpha;
		const color = COLORS[stroke.color] ?? COLORS.red;
		const points = stroke.points.map((p) => map.at(p));
		if (stroke.kind === 'label') label(ctx, map, points[0]!, stroke.text ?? '', color);
		else outlined(ctx, map, color, () => path(ctx, map, stroke.kind, points));
	}
	ctx.globalAlpha = 1;
	if (pointer) drawPointer(ctx, map, map.at(pointer));
}

/** Strokes the current path twice: a wider dark edge, then the colour. */
function outlined(ctx: CanvasRenderingContext2D, map: Mapper, color: string, trace: () => void) {
	ctx.beginPath();
	trace();
	ctx.strokeStyle = EDGE;
	ctx.lineWidth = (LINE + 2) * map.dpr;
	ctx.stroke();
	ctx.strokeStyle = color;
	ctx.lineWidth = LINE * map.dpr;
	ctx.stroke();
}

function path(ctx: CanvasRenderingContext2D, map: Mapper, kind: string, points: [number, number][]) {
	const [a, b = a] = points as [[number, number], [number, number]?];
	if (kind === 'free') {
		ctx.moveTo(a[0], a[1]);
		// A single point (a tap) is a dot.
		if (points.length === 1) ctx.lineTo(a[0] + 0.01, a[1]);
		for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
	} else if (kind === 'arrow') {
		ctx.moveTo(a[0], a[1]);
		ctx.lineTo(b[0], b[1]);
		const angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
		const head = 16 * map.dpr;
		for (const side of [-1, 1]) {
			ctx.moveTo(b[0], b[1]);
			ctx.lineTo(b[0] - head * Math.cos(angle + side * 0.45), b[1] - head * Math.sin(angle + side * 0.45));
		}
	} else if (kind === 'rect') {
		ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
	} else if (kind === 'ellipse') {
		ctx.ellipse(
			(a[0] + b[0]) / 2,
			(a[1] + b[1]) / 2,
			Math.abs(b[0] - a[0]) / 2,
			Math.abs(b[1] - a[1]) / 2,
			0,
			0,
			Math.PI * 2
		);
	}
}

/** A label: the words on a dark plate, their spot at the plate's left middle. */
function label(ctx: CanvasRenderingContext2D, map: Mapper, [x, y]: [number, number], text: string, color: string) {
	if (!text) return;
	const size = 17 * map.dpr;
	ctx.font = `600 ${size}px system-ui, sans-serif`;
	ctx.textBaseline = 'middle';
	const width = ctx.measureText(text).width;
	const pad = 6 * map.dpr;
	ctx.fillStyle = 'rgba(15, 22, 34, 0.8)';
	ctx.beginPath();
	ctx.roundRect(x, y - size / 2 - pad, width + pad * 2, size + pad * 2, 6 * map.dpr);
	ctx.fill();
	ctx.fillStyle = color;
	ctx.fillText(text, x + pad, y);
}

/** The pointer: a ring with a dot, bright on any background. */
function drawPointer(ctx: CanvasRenderingContext2D, map: Mapper, [x, y]: [number, number]) {
	const r = 14 * map.dpr;
	ctx.beginPath();
	ctx.arc(x, y, r, 0, Math.PI * 2);
	ctx.fillStyle = 'rgba(255, 59, 48, 0.28)';
	ctx.fill();
	ctx.lineWidth = 3 * map.dpr;
	ctx.strokeStyle = '#ffffff';
	ctx.stroke();
	ctx.beginPath();
	ctx.arc(x, y, 4 * map.dpr, 0, Math.PI * 2);
	ctx.fillStyle = '#ff3b30';
	ctx.fill();
}
