// The phone's torch and zoom, as the technician asks for them, and what the
// camera can do (reported to the console as `tool.camera_state`). Browsers drop
// torch and zoom when the track changes (a camera switch gives a new track),
// when the OS gives the camera back (`unmute`) and when constraints are applied
// anew, so the wish is kept here and applied again after each. Plain TS over
// the few MediaStreamTrack methods it needs, so it is tested with a stub track.
import type { CameraTools } from '$contract/tools.ts';

/** What this module needs of a video track (a MediaStreamTrack, or a test's stub). */
export type CameraTrack = Pick<
	MediaStreamTrack,
	'getCapabilities' | 'getSettings' | 'getConstraints' | 'applyConstraints'
> & {
	addEventListener(type: 'unmute', listener: () => void): void;
	removeEventListener(type: 'unmute', listener: () => void): void;
};

type Range = { min: number; max: number; step: number };
/** Torch and zoom are in the Image Capture spec's extensions, not yet in TypeScript's DOM types. */
type Capabilities = MediaTrackCapabilities & { torch?: boolean; zoom?: { min?: number; max?: number; step?: number } };
type Settings = MediaTrackSettings & { torch?: boolean; zoom?: number };

export type CameraContext = { canSwitch: boolean; photo: CameraTools['photo'] };

export class CameraControls {
	#track: CameraTrack | null = null;
	#context: CameraContext = { canSwitch: false, photo: 'track_frame' };
	/** What the technician asked for; applied to every new track that can do it. */
	#torchWanted = false;
	#zoomWanted: number | null = null;
	/** The torch was asked on for this track: switching it off needs a constraint too (a new track starts off). */
	#torchSet = false;
	#onChange: (state: CameraTools) => void;
	#unmuted = () => void this.reapply();

	constructor(onChange: (state: CameraTools) => void) {
		this.#onChange = onChange;
	}

	/** A (new) camera track: the torch and zoom asked for before are applied to it; the new state is reported. */
	async attach(track: CameraTrack | null, context: CameraContext): Promise<void> {
		this.#context = context;
		if (track !== this.#track) {
			this.#track?.removeEventListener('unmute', this.#unmuted);
			this.#track = track;
			this.#torchSet = false;
			track?.addEventListener('unmute', this.#unmuted);
		}
		await this.reapply();
	}

	/** The technician switches the light on or off (nothing happens on a camera that has none). */
	async setTorch(on: boolean): Promise<void> {
		if (!this.#caps().torch) return this.#report();
		this.#torchWanted = on;
		await this.reapply();
	}

	/** The technician zooms: clamped to the camera's range (and its step); ignored without zoom. */
	async setZoom(level: number): Promise<void> {
		const range = this.#range();
		if (!range || !Number.isFinite(level)) return this.#report();
		this.#zoomWanted = clamp(level, range);
		await this.reapply();
	}

	/**
	 * Applies torch and zoom again, keeping the track's other constraints (applyConstraints
	 * replaces them all): after a switch, an unmute, or anything else that set constraints.
	 */
	async reapply(): Promise<void> {
		const track = this.#track;
		if (!track) return this.#report();
		const caps = this.#caps();
		const range = this.#range();
		if (!caps.torch) this.#torchWanted = false;
		if (!range) this.#zoomWanted = null;
		else if (this.#zoomWanted !== null) this.#zoomWanted = clamp(this.#zoomWanted, range);
		// Each in its own advanced set: one the camera refuses does not take the other with it.
		const advanced: Record<string, unknown>[] = [];
		if (caps.torch && (this.#torchWanted || this.#torchSet)) advanced.push({ torch: this.#torchWanted });
		if (range && this.#zoomWanted !== null) advanced.push({ zoom: this.#zoomWanted });
		if (advanced.length) {
			const { advanced: _dropped, ...basic } = track.getConstraints();
			try {
				await track.applyConstraints({ ...basic, advanced } as MediaTrackConstraints);
				this.#torchSet = this.#torchWanted;
			} catch {
				// Refused (the camera is busy, or the browser lied about a capability): the report says what is set.
			}
		}
		this.#report();
	}

	/** What the camera can do and is doing, as the console is told. */
	state(): CameraTools {
		const track = this.#track;
		const caps = this.#caps();
		const settings = (track?.getSettings() ?? {}) as Settings;
		const range = this.#range();
		const facing = settings.facingMode === 'user' || settings.facingMode === 'environment' ? settings.facingMode : null;
		return {
			torch: !!caps.torch,
			torchOn: !!caps.torch && (settings.torch ?? this.#torchWanted),
			zoom: range,
			zoomLevel: range ? (settings.zoom ?? this.#zoomWanted ?? range.min) : null,
			canSwitch: this.#context.canSwitch,
			facing,
			photo: this.#context.photo
		};
	}

	/** Let go of the track (the session left `active`): the next session starts with the light off and no zoom. */
	reset() {
		this.#track?.removeEventListener('unmute', this.#unmuted);
		this.#track = null;
		this.#torchWanted = false;
		this.#zoomWanted = null;
		this.#torchSet = false;
	}

	#caps(): Capabilities {
		const track = this.#track;
		if (!track || typeof track.getCapabilities !== 'function') return {};
		try {
			return track.getCapabilities() as Capabilities;
		} catch {
			return {};
		}
	}

	#range(): Range | null {
		const zoom = this.#caps().zoom;
		if (!zoom || typeof zoom.min !== 'number' || typeof zoom.max !== 'number' || zoom.max <= zoom.min) return null;
		return { min: zoom.min, max: zoom.max, step: typeof zoom.step === 'number' && zoom.step > 0 ? zoom.step : 0 };
	}

	#report() {
		this.#onChange(this.state());
	}
}

function clamp(level: number, range: Range): number {
	const inside = Math.min(range.max, Math.max(range.min, level));
	if (!range.step) return inside;
	const stepped = range.min + Math.round((inside - range.min) / range.step) * range.step;
	// Rounded to the step, kept inside and free of float dust (1.1 + 0.1 * 3 = 1.4000000000000001).
	return Math.min(range.max, Number(stepped.toFixed(6)));
}
