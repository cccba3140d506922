// The customer's camera and microphone. One per Lens (see context.ts), owned
// by the /l layout rather than any screen, so the preview survives moving from
// screen to screen (and so the call can publish this same stream once the
// technician clicks Start).

export type MediaProblem = 'denied' | 'notFound' | 'busy' | 'unsupported' | 'other';

// 30 frames/s where the camera can (phones usually do; some browsers default to
// less): smoother to follow, and a requested keyframe is at most 33 ms away.
// `zoom: true` asks the browser to expose the camera's zoom (getCapabilities().zoom),
// which the technician's zoom uses (tools/camera-tools.ts); browsers without it ignore it.
const VIDEO = { frameRate: { ideal: 30 }, zoom: true } as MediaTrackConstraints;
const CONSTRAINTS: MediaStreamConstraints = { video: { ...VIDEO, facingMode: { ideal: 'environment' } }, audio: true };

function problemOf(error: unknown): MediaProblem {
	const name = error instanceof Error || error instanceof DOMException ? error.name : '';
	if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
	if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'notFound';
	if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
	return 'other';
}

export class LensMedia {
	stream = $state.raw<MediaStream | null>(null);
	problem = $state<MediaProblem | null>(null);
	asking = $state(false);
	/** How many cameras the phone has: a switch button only makes sense with two or more. */
	cameras = $state(0);
	#facing: 'environment' | 'user' = 'environment';

	get live(): boolean {
		return !!this.stream?.getTracks().some((t) => t.readyState === 'live');
	}

	/** Asks for camera and microphone (once; a live stream is reused). True when there is a stream. */
	async request(): Promise<boolean> {
		if (this.live) return true;
		this.problem = null;
		if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
			this.problem = 'unsupported';
			return false;
		}
		this.asking = true;
		try {
			const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
			this.#watch(stream);
			this.stream = stream;
			void this.#countCameras();
			return true;
		} catch (error) {
			this.problem = problemOf(error);
			return false;
		} finally {
			this.asking = false;
		}
	}

	/** Front ↔ rear: a new camera track with the same microphone (the call replaces the track it sends). */
	async switchCamera(): Promise<void> {
		const current = this.stream;
		if (!current) return;
		const facing = this.#facing === 'environment' ? 'user' : 'environment';
		const old = current.getVideoTracks()[0];
		// Phones often cannot open two cameras at once: let go of the old one first.
		old?.stop();
		try {
			const video = await navigator.mediaDevices.getUserMedia({ video: { ...VIDEO, facingMode: { ideal: facing } } });
			const stream = new MediaStream([...current.getAudioTracks(), ...video.getVideoTracks()]);
			this.#watch(stream);
			this.#facing = facing;
			this.stream = stream;
		} catch (error) {
			this.problem = problemOf(error);
			this.stop();
		}
	}

	stop() {
		for (const track of this.stream?.getTracks() ?? []) track.stop();
		this.stream = null;
	}

	/** The phone may take the camera back (a call, another app): drop the stream so the page can ask again. */
	#watch(stream: MediaStream) {
		for (const track of stream.getVideoTracks()) {
			track.addEventListener('ended', () => {
				if (this.stream === stream) this.stop();
			});
		}
	}

	async #countCameras() {
		try {
			this.cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length;
		} catch {
			this.cameras = 1;
		}
	}
}
