// Where the phone's video frame sits on the console's screen, and back: the
// picture is letterboxed (object-fit: contain) and maybe zoomed and panned
// digitally, but every point sent names a fraction of the frame itself
// (docs/tools.md, Coordinates), so the phone can place it on its own view.
import type { Point } from '$contract/tools.ts';

export type Size = { width: number; height: number };
/** The frame's letterboxed rectangle inside the element, in element pixels. */
export type Box = { x: number; y: number; w: number; h: number };
/** Digital zoom: `zoom` ≥ 1, `center` the frame fraction shown at the element's centre. */
export type View = { zoom: number; center: Point };

export const UNZOOMED: View = { zoom: 1, center: [0.5, 0.5] };
export const DIGITAL_ZOOM_MAX = 4;

/** The frame's rectangle under object-fit: contain, centred, bars on two sides. */
export function contain(element: Size, frame: Size): Box {
	if (element.width <= 0 || element.height <= 0 || frame.width <= 0 || frame.height <= 0)
		return { x: 0, y: 0, w: 0, h: 0 };
	const scale = Math.min(element.width / frame.width, element.height / frame.height);
	const w = frame.width * scale;
	const h = frame.height * scale;
	return { x: (element.width - w) / 2, y: (element.height - h) / 2, w, h };
}

/** A spot of the element (pixels from its top left) as a fraction of the frame, or null outside the frame. */
export function toFrame(at: [number, number], element: Size, box: Box, view: View = UNZOOMED): Point | null {
	if (box.w <= 0 || box.h <= 0) return null;
	const fx = view.center[0] + (at[0] - element.width / 2) / (box.w * view.zoom);
	const fy = view.center[1] + (at[1] - element.height / 2) / (box.h * view.zoom);
	if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
	return [fx, fy];
}

/** Like toFrame, but a spot outside the frame is held at its nearest edge (a stroke dragged past it). */
export function toFrameClamped(at: [number, number], element: Size, box: Box, view: View = UNZOOMED): Point | null {
	if (box.w <= 0 || box.h <= 0) return null;
	const fx = view.center[0] + (at[0] - element.width / 2) / (box.w * view.zoom);
	const fy = view.center[1] + (at[1] - element.height / 2) / (box.h * view.zoom);
	return [clamp01(fx), clamp01(fy)];
}

/** A frame fraction back to element pixels (to draw it). */
export function toElement(p: Point, element: Size, box: Box, view: View = UNZOOMED): [number, number] {
	return [
		element.width / 2 + (p[0] - view.center[0]) * box.w * view.zoom,
		element.height / 2 + (p[1] - view.center[1]) * box.h * view.zoom
	];
}

/**
 * The CSS transform (origin: the element's centre) that shows the
 * letterboxed picture as `view` says: scaled by zoom, the centre point moved
 * to the middle.
 */
export function viewTransform(box: Box, view: View): string {
	if (view.zoom === 1 && view.center[0] === 0.5 && view.center[1] === 0.5) return 'none';
	const tx = view.zoom * box.w * (0.5 - view.center[0]);
	const ty = view.zoom * box.h * (0.5 - view.center[1]);
	return `translate(${round(tx)}px, ${round(ty)}px) scale(${round(view.zoom)})`;
}

/** A view whose zoom is within 1..DIGITAL_ZOOM_MAX and whose picture still covers the frame's part it can. */
export function fitView(zoom: number, center: Point): View {
	const z = Math.min(DIGITAL_ZOOM_MAX, Math.max(1, zoom));
	const half = 0.5 / z;
	const c = (v: number) => Math.min(1 - half, Math.max(half, v));
	return { zoom: z, center: [c(center[0]), c(center[1])] };
}

/** The view moved by a drag of (dx, dy) element pixels: the picture follows the pointer. */
export function panBy(view: View, box: Box, dx: number, dy: number): View {
	if (box.w <= 0 || box.h <= 0) return view;
	return fitView(view.zoom, [view.center[0] - dx / (box.w * view.zoom), view.center[1] - dy / (box.h * view.zoom)]);
}

/** Zoomed to `zoom`, keeping the frame spot under `at` (element pixels) where it is. */
export function zoomAt(view: View, zoom: number, at: [number, number], element: Size, box: Box): View {
	const spot = toFrameClamped(at, element, box, view);
	const z = Math.min(DIGITAL_ZOOM_MAX, Math.max(1, zoom));
	if (!spot || box.w <= 0) return fitView(z, view.center);
	const cx = spot[0] - (at[0] - element.width / 2) / (box.w * z);
	const cy = spot[1] - (at[1] - element.height / 2) / (box.h * z);
	return fitView(z, [cx, cy]);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 1000) / 1000;
