import { describe, expect, test } from 'bun:test';
import type { CameraTools } from '$contract/tools.ts';
import { cameraControls, zoomStep } from './camera-controls.ts';

/** A phone's report; each test says which capability it has or lacks. */
const state = (over: Partial<CameraTools> = {}): CameraTools => ({
	torch: false,
	torchOn: false,
	zoom: null,
	zoomLevel: null,
	canSwitch: false,
	facing: 'environment',
	photo: 'track_frame',
	...over
});

describe('torch', () => {
	test('a track with a torch: the toggle shows, off then on as the phone reports', () => {
		expect(cameraControls(state({ torch: true })).torch).toEqual({ on: false });
		expect(cameraControls(state({ torch: true, torchOn: true })).torch).toEqual({ on: true });
	});
	test('a track without a torch (Firefox, a front camera): no toggle, whatever torchOn says', () => {
		expect(cameraControls(state({ torch: false, torchOn: true })).torch).toBeNull();
	});
	test('before the phone reported anything: no toggle', () => {
		expect(cameraControls(null).torch).toBeNull();
	});
});

describe('zoom', () => {
	test('a track with a zoom range: the slider is the phone’s, at its level', () => {
		const c = cameraControls(state({ zoom: { min: 1, max: 8, step: 0.5 }, zoomLevel: 2 }));
		expect(c.zoom).toEqual({ kind: 'camera', min: 1, max: 8, step: 0.5, value: 2 });
	});
	test('a level outside the range is shown at its edge; no level yet is the minimum', () => {
		expect(cameraControls(state({ zoom: { min: 1, max: 4, step: 0.1 }, zoomLevel: 9 })).zoom.value).toBe(4);
		expect(cameraControls(state({ zoom: { min: 1, max: 4, step: 0.1 }, zoomLevel: null })).zoom.value).toBe(1);
	});
	test('a step of 0 (some Android cameras) becomes a hundredth of the range', () => {
		expect(cameraControls(state({ zoom: { min: 1, max: 5, step: 0 } })).zoom.step).toBe(0.04);
	});
	test('a track without zoom: the console zooms digitally, at its own level', () => {
		expect(cameraControls(state({ zoom: null }), 2.5).zoom).toEqual({
			kind: 'digital',
			min: 1,
			max: 4,
			step: 0.1,
			value: 2.5
		});
	});
	test('a range that cannot zoom (max = min) counts as none', () => {
		expect(cameraControls(state({ zoom: { min: 1, max: 1, step: 0.1 } })).zoom.kind).toBe('digital');
	});
	test('before any report the digital zoom still works', () => {
		expect(cameraControls(null).zoom.kind).toBe('digital');
	});
	test('+ and − move a tenth of the range and stop at its ends', () => {
		const z = cameraControls(state({ zoom: { min: 1, max: 11, step: 0.5 }, zoomLevel: 1 })).zoom;
		expect(zoomStep(z, 1)).toBe(2);
		expect(zoomStep(z, -1)).toBe(1);
		expect(zoomStep({ ...z, value: 10.5 }, 1)).toBe(11);
		const d = cameraControls(null, 1).zoom;
		expect(zoomStep(d, 1)).toBe(1.3);
	});
});

describe('camera switch and photo', () => {
	test('another camera to switch to: the button shows', () => {
		expect(cameraControls(state({ canSwitch: true })).canSwitch).toBe(true);
	});
	test('one camera only: no button', () => {
		expect(cameraControls(state({ canSwitch: false })).canSwitch).toBe(false);
		expect(cameraControls(null).canSwitch).toBe(false);
	});
	test('the photo method follows the report (takePhoto where the browser has ImageCapture)', () => {
		expect(cameraControls(state({ photo: 'take_photo' })).photo).toBe('take_photo');
		expect(cameraControls(state()).photo).toBe('track_frame');
	});
});
