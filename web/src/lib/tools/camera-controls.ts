// Which camera controls the console shows, from the phone's last report
// (`tool.camera_state`): the torch only where the phone's track has one, the
// phone's own zoom where its track exposes the `zoom` range, else a digital
// zoom of the console's own picture, and the camera switch only when the
// phone has another camera. Plain TS: the decisions are unit-tested.
import type { CameraTools } from '$contract/tools.ts';
import { DIGITAL_ZOOM_MAX } from './frame.ts';

export type ZoomControl =
	/** The phone's camera zooms (the `zoom` constraint): values in its range, sent as `tool.zoom`. */
	| { kind: 'camera'; min: number; max: number; step: number; value: number }
	/** The console zooms and pans its own picture; nothing is sent. */
	| { kind: 'digital'; min: 1; max: number; step: number; value: number };

export type CameraControls = {
	torch: { on: boolean } | null;
	zoom: ZoomControl;
	canSwitch: boolean;
	/** The snapshot is a full-resolution photo (takePhoto) or a frame of the track. */
	photo: CameraTools['photo'] | null;
};

/** A step the slider can use: the phone's own, else a hundredth of the range. */
function usableStep(min: number, max: number, step: number): number {
	if (step > 0 && step <= max - min) return step;
	return max > min ? (max - min) / 100 : 0.1;
}

/**
 * The controls for the phone's report (`null`: none yet, so no torch and no
 * switch; the digital zoom works on any picture). `digitalZoom` is the
 * console's own zoom, shown when the phone cannot zoom.
 */
export function cameraControls(state: CameraTools | null, digitalZoom = 1): CameraControls {
	const digital: ZoomControl = { kind: 'digital', min: 1, max: DIGITAL_ZOOM_MAX, step: 0.1, value: digitalZoom };
	if (!state) return { torch: null, zoom: digital, canSwitch: false, photo: null };
	const range = state.zoom;
	// A range that cannot zoom (max ≤ min) is no zoom at all: the console zooms instead.
	const zoom: ZoomControl =
		range && range.max > range.min
			? {
					kind: 'camera',
					min: range.min,
					max: range.max,
					step: usableStep(range.min, range.max, range.step),
					value: Math.min(range.max, Math.max(range.min, state.zoomLevel ?? range.min))
				}
			: digital;
	return {
		torch: state.torch ? { on: state.torchOn } : null,
		zoom,
		canSwitch: state.canSwitch,
		photo: state.photo
	};
}

/** One press of + or − on the zoom: a tenth of the range, kept inside it. */
export function zoomStep(control: ZoomControl, direction: 1 | -1): number {
	const delta = Math.max(control.step, (control.max - control.min) / 10);
	const next = control.value + direction * delta;
	const stepped = control.min + Math.round((next - control.min) / control.step) * control.step;
	return Math.min(control.max, Math.max(control.min, Number(stepped.toFixed(6))));
}
