// Draws strokes (frame fractions) onto a 2D canvas: the console's overlay
// over the picture and the annotated copy of a frozen snapshot use the same
// code, so the copy shows what the technician saw. `toPx` maps a fraction to
// the canvas's pixels; `unit` is one line width in those pixels (the copy
// scales it with the image).
import type { Point, StrokeColor } from '$contract/tools.ts';
import type { LocalStroke } from './strokes.ts';

export const COLOR_CSS: Record<StrokeColor, string> = {
	red: '#ff3b30',
	yellow: '#ffd60a',
	green: '#34c759',
	blue: '#0a84ff',
	white: '#ffffff'
};

export type ToPx = (p: Point) => [number, number];

export function drawStrokes(
	ctx: CanvasRenderingContext2D,
	strokes: readonly { stroke: LocalStroke; alpha: number }[],
	toPx: ToPx,
	unit: number
) {
	ctx.lineCap = 'round';
	ctx.lineJoin = 'round';
	for (const { stroke, alpha } of strokes) {
		if (alpha <= 0) continue;
		ctx.globalAlpha = alpha;
		const color = COLOR_CSS[stroke.color];
		// A dark halo under every stroke keeps it readable on any picture.
		ctx.strokeStyle = 'rgb(0 0 0 / 0.45)';
		ctx.lineWidth = unit * 1.9;
		path(ctx, stroke, toPx, unit, true);
		ctx.strokeStyle = color;
		ctx.fillStyle = color;
		ctx.lineWidth = unit;
		path(ctx, stroke, toPx, unit, false);
	}
	ctx.globalAlpha = 1;
}

function path(ctx: CanvasRenderingContext2D, s: LocalStroke, toPx: ToPx, unit: number, halo: boolean) {
	const pts = s.points.map(toPx);
	const [a, b] = [pts[0]!, pts.at(-1)!];
	ctx.beginPath();
	switch (s.kind) {
		case 'free':
			ctx.moveTo(a[0], a[1]);
			if (pts.length === 1) ctx.lineTo(a[0] + 0.01, a[1]);
			for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
			ctx.stroke();
			return;
		case 'rect':
			ctx.strokeRect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
			return;
		case 'ellipse':
			ctx.ellipse(
				(a[0] + b[0]) / 2,
				(a[1] + b[1]) / 2,
				Math.abs(b[0] - a[0]) / 2,
				Math.abs(b[1] - a[1]) / 2,
				0,
				0,
				2 * Math.PI
			);
			ctx.stroke();
			return;
		case 'arrow': {
			ctx.moveTo(a[0], a[1]);
			ctx.lineTo(b[0], b[1]);
			const angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
			const head = unit * 4.5;
			for (const side of [-1, 1]) {
				ctx.moveTo(b[0], b[1]);
				ctx.lineTo(b[0] - head * Math.cos(angle + side * 0.45), b[1] - head * Math.sin(angle + side * 0.45));
			}
			ctx.stroke();
			return;
		}
		case 'label':
			// A label has its own dark pill: no halo pass.
			if (!halo) label(ctx, s.text ?? '', a, unit);
			return;
	}
}

/** A label: its words on a dark pill, the spot at its left middle. */
function label(ctx: CanvasRenderingContext2D, text: string, at: [number, number], unit: number) {
	const size = unit * 5;
	ctx.font = `600 ${size}px system-ui, sans-serif`;
	const w = ctx.measureText(text).width;
	const pad = size * 0.35;
	const fill = ctx.fillStyle;
	ctx.fillStyle = 'rgb(16 21 29 / 0.78)';
	ctx.beginPath();
	ctx.roundRect(at[0], at[1] - size * 0.7, w + pad * 2, size * 1.4, size * 0.3);
	ctx.fill();
	ctx.fillStyle = fill;
	ctx.textBaseline = 'middle';
	ctx.fillText(text, at[0] + pad, at[1]);
}

/** The pointer as the customer sees it: a ring with a dot, red on a white edge. */
export function drawPointer(ctx: CanvasRenderingContext2D, at: [number, number]) {
	ctx.globalAlpha = 1;
	ctx.lineWidth = 5;
	ctx.strokeStyle = 'rgb(255 255 255 / 0.85)';
	ctx.beginPath();
	ctx.arc(at[0], at[1], 14, 0, 2 * Math.PI);
	ctx.stroke();
	ctx.lineWidth = 3;
	ctx.strokeStyle = COLOR_CSS.red;
	ctx.stroke();
	ctx.fillStyle = COLOR_CSS.red;
	ctx.beginPath();
	ctx.arc(at[0], at[1], 3.5, 0, 2 * Math.PI);
	ctx.fill();
}
