// From a spot of the phone's video frame (fractions, as the technician names
// it: [0,0] top left, [1,1] bottom right of the upright frame) to a pixel of
// the overlay canvas over the preview. The preview shows the frame through CSS
// object-fit (cover crops it to fill the screen; contain letterboxes it),
// centred, maybe mirrored (the front camera, like a mirror); the canvas has
// devicePixelRatio device pixels per CSS pixel. Plain numbers in, plain
// numbers out, so it is tested without a browser.
import type { Point } from '$contract/tools.ts';

export type Fit = 'cover' | 'contain';

export type View = {
	/** The frame's own size (videoWidth × videoHeight: already upright). */
	frame: { width: number; height: number };
	/** The preview element's box, in CSS pixels. */
	box: { width: number; height: number };
	fit: Fit;
	/** The preview is shown flipped left ↔ right. */
	mirrored: boolean;
	/** Device pixels per CSS pixel (the canvas's backing store). */
	dpr: number;
};

export type Mapper = {
	/** The canvas pixel (device pixels) a frame point is shown at. */
	at(point: Point): [number, number];
	/** Device pixels per frame pixel: to size things drawn to the picture (not to the screen). */
	scale: number;
	/** Device pixels per CSS pixel: to size lines and text for the eye. */
	dpr: number;
};

/** Null while the frame's size is not known yet (no picture yet) or the element has no size. */
export function mapper(view: View): Mapper | null {
	const { frame, box, fit, mirrored } = view;
	const dpr = view.dpr > 0 ? view.dpr : 1;
	if (frame.width <= 0 || frame.height <= 0 || box.width <= 0 || box.height <= 0) return null;
	const sx = box.width / frame.width;
	const sy = box.height / frame.height;
	const css = fit === 'cover' ? Math.max(sx, sy) : Math.min(sx, sy);
	const shownWidth = frame.width * css;
	const shownHeight = frame.height * css;
	// object-position 50% 50%: the overflow (cover, negative) or the bands (contain) are shared equally.
	const left = (box.width - shownWidth) / 2;
	const top = (box.height - shownHeight) / 2;
	return {
		at([x, y]) {
			const px = left + x * shownWidth;
			const cssX = mirrored ? box.width - px : px;
			return [cssX * dpr, (top + y * shownHeight) * dpr];
		},
		scale: css * dpr,
		dpr
	};
}
