import { describe, expect, test } from 'bun:test';
import type { CameraTools } from '$contract/tools.ts';
import { CameraControls, type CameraTrack } from './camera-tools.ts';

type Caps = { torch?: boolean; zoom?: { min: number; max: number; step: number } };

/**
 * A MediaStreamTrack as far as the tools use it: its capabilities, the
 * constraints applied (replacing the previous ones, as the spec says), and its
 * settings following the advanced sets it could satisfy — and, like the
 * browsers, a new track starts with torch off and zoom at its minimum.
 */
class StubTrack implements CameraTrack {
	constraints: MediaTrackConstraints = { frameRate: { ideal: 30 } };
	/** As applied: torch and zoom are not in TypeScript's constraint types yet. */
	applied: Record<string, unknown>[] = [];
	settings: Record<string, unknown>;
	listeners = new Map<string, Set<() => void>>();
	refuse = false;

	constructor(
		readonly caps: Caps,
		facingMode = 'environment'
	) {
		this.settings = {
			width: 1280,
			height: 720,
			facingMode,
			...(caps.torch ? { torch: false } : {}),
			...(caps.zoom ? { zoom: caps.zoom.min } : {})
		};
	}
	getCapabilities() {
		return { width: { min: 1, max: 1920 }, ...this.caps } as MediaTrackCapabilities;
	}
	getSettings() {
		return this.settings as MediaTrackSettings;
	}
	getConstraints() {
		return this.constraints;
	}
	async applyConstraints(c?: MediaTrackConstraints) {
		if (this.refuse) throw new DOMException('busy', 'NotReadableError');
		this.applied.push(c as Record<string, unknown>);
		this.constraints = c!;
		for (const set of (c?.advanced ?? []) as Record<string, unknown>[]) {
			if ('torch' in set && this.caps.torch) this.settings.torch = set.torch;
			if ('zoom' in set && this.caps.zoom) this.settings.zoom = set.zoom;
		}
	}
	addEventListener(type: string, fn: () => void) {
		if (!this.listeners.has(type)) this.listeners.set(type, new Set());
		this.listeners.get(type)!.add(fn);
	}
	removeEventListener(type: string, fn: () => void) {
		this.listeners.get(type)?.delete(fn);
	}
	fire(type: string) {
		for (const fn of this.listeners.get(type) ?? []) fn();
	}
}

const ZOOM = { min: 1, max: 8, step: 0.1 };
const context = { canSwitch: true, photo: 'take_photo' as const };

function controls() {
	const reports: CameraTools[] = [];
	return { tools: new CameraControls((s) => reports.push(s)), reports };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('torch', () => {
	test('a camera with a torch: reported, switched on with an advanced constraint that keeps the others', async () => {
		const { tools, reports } = controls();
		const track = new StubTrack({ torch: true });
		await tools.attach(track, context);
		expect(reports.at(-1)).toMatchObject({
			torch: true,
			torchOn: false,
			zoom: null,
			zoomLevel: null,
			canSwitch: true,
			facing: 'environment',
			photo: 'take_photo'
		});

		await tools.setTorch(true);
		expect(track.applied.at(-1)).toEqual({ frameRate: { ideal: 30 }, advanced: [{ torch: true }] });
		expect(reports.at(-1)).toMatchObject({ torch: true, torchOn: true });

		await tools.setTorch(false);
		expect(track.settings.torch).toBe(false);
		expect(reports.at(-1)!.torchOn).toBe(false);
	});

	test('a camera without a torch (Firefox, most front cameras): reported absent, a request changes nothing', async () => {
		const { tools, reports } = controls();
		const track = new StubTrack({});
		await tools.attach(track, { canSwitch: false, photo: 'track_frame' });
		await tools.setTorch(true);
		expect(track.applied).toEqual([]);
		expect(reports.at(-1)).toEqual({
			torch: false,
			torchOn: false,
			zoom: null,
			zoomLevel: null,
			canSwitch: false,
			facing: 'environment',
			photo: 'track_frame'
		});
	});

	test('a refused constraint: the report tells the truth (still off)', async () => {
		const { tools, reports } = controls();
		const track = new StubTrack({ torch: true });
		await tools.attach(track, context);
		track.refuse = true;
		await tools.setTorch(true);
		expect(reports.at(-1)!.torchOn).toBe(false);
	});
});

describe('zoom', () => {
	test('a camera with zoom: its range is reported and a level is applied, clamped to the range and step', async () => {
		const { tools, reports } = controls();
		const track = new StubTrack({ zoom: ZOOM });
		await tools.attach(track, context);
		expect(reports.at(-1)).toMatchObject({ zoom: ZOOM, zoomLevel: 1, torch: false });

		await tools.setZoom(2.34);
		expect(track.applied.at(-1)).toEqual({ frameRate: { ideal: 30 }, advanced: [{ zoom: 2.3 }] });
		expect(reports.at(-1)!.zoomLevel).toBe(2.3);

		await tools.setZoom(50);
		expect(track.settings.zoom).toBe(8);
		await tools.setZoom(0);
		expect(track.settings.zoom).toBe(1);
	});

	test('a camera without zoom: range null (the console zooms digitally), a request changes nothing', async () => {
		const { tools, reports } = controls();
		const track = new StubTrack({ torch: true });
		await tools.attach(track, context);
		await tools.setZoom(3);
		expect(track.applied).toEqual([]);
		expect(reports.at(-1)).toMatchObject({ zoom: null, zoomLevel: null });
	});

	test('torch and zoom each in their own advanced set, so a refused one does not undo the other', async () => {
		const { tools } = controls();
		const track = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(track, context);
		await tools.setTorch(true);
		await tools.setZoom(4);
		expect(track.applied.at(-1)!.advanced).toEqual([{ torch: true }, { zoom: 4 }]);
	});
});

describe('applied again when the browser drops them', () => {
	test('after a camera switch (a new track): torch and zoom are applied to the new track, zoom clamped to its range', async () => {
		const { tools, reports } = controls();
		const rear = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(rear, context);
		await tools.setTorch(true);
		await tools.setZoom(6);

		const other = new StubTrack({ torch: true, zoom: { min: 1, max: 5, step: 0.5 } });
		await tools.attach(other, context);
		expect(other.applied.at(-1)!.advanced).toEqual([{ torch: true }, { zoom: 5 }]);
		expect(reports.at(-1)).toMatchObject({ torchOn: true, zoomLevel: 5 });
	});

	test('a switch to a camera without torch or zoom (the front one): reported off, not asked back later', async () => {
		const { tools, reports } = controls();
		const rear = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(rear, context);
		await tools.setTorch(true);
		const front = new StubTrack({}, 'user');
		await tools.attach(front, context);
		expect(front.applied).toEqual([]);
		expect(reports.at(-1)).toMatchObject({ torch: false, torchOn: false, zoom: null, zoomLevel: null, facing: 'user' });
		const back = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(back, context);
		expect(reports.at(-1)).toMatchObject({ torchOn: false, zoomLevel: 1 });
	});

	test('after an unmute (the OS gave the camera back): applied again, on that track only', async () => {
		const { tools } = controls();
		const track = new StubTrack({ torch: true });
		await tools.attach(track, context);
		await tools.setTorch(true);
		// The browser forgot it while muted.
		track.settings.torch = false;
		const before = track.applied.length;
		track.fire('unmute');
		await settle();
		expect(track.applied.length).toBe(before + 1);
		expect(track.settings.torch).toBe(true);

		// An old track's unmute no longer touches anything.
		const next = new StubTrack({ torch: true });
		await tools.attach(next, context);
		const count = track.applied.length;
		track.fire('unmute');
		await settle();
		expect(track.applied.length).toBe(count);
	});

	test('after another constraint change (reapply keeps that change and adds torch and zoom back)', async () => {
		const { tools } = controls();
		const track = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(track, context);
		await tools.setZoom(3);
		await tools.setTorch(true);
		// Someone applied a resolution: the browser dropped torch and zoom with it.
		track.constraints = { width: { ideal: 1920 } };
		track.settings.torch = false;
		track.settings.zoom = 1;
		await tools.reapply();
		expect(track.applied.at(-1)).toEqual({ width: { ideal: 1920 }, advanced: [{ torch: true }, { zoom: 3 }] });
	});

	test('reset: the next session starts with the light off and no zoom', async () => {
		const { tools } = controls();
		const track = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(track, context);
		await tools.setTorch(true);
		tools.reset();
		const fresh = new StubTrack({ torch: true, zoom: ZOOM });
		await tools.attach(fresh, context);
		expect(fresh.applied).toEqual([]);
		expect(fresh.listeners.get('unmute')?.size).toBe(1);
		expect(track.listeners.get('unmute')?.size).toBe(0);
	});
});
