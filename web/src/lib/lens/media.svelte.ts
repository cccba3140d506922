// The customer's camera and microphone. Kept here, outside any screen, so the
// preview survives moving from screen to screen (and so the media work can
// publish this same stream once the technician clicks Start).

export type MediaProblem = 'denied' | 'notFound' | 'busy' | 'unsupported' | 'other';

const CONSTRAINTS: MediaStreamConstraints = { video: { facingMode: { ideal: 'environment' } }, audio: true };

function problemOf(error: unknown): MediaProblem {
	const name = error instanceof Error || error instanceof DOMException ? error.name : '';
	if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
	if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'notFound';
	if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
	return 'other';
}

class LensMedia {
	stream = $state.raw<MediaStream | null>(null);
	problem = $state<MediaProblem | null>(null);
	asking = $state(false);

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
			// The phone may take the camera back (a call, another app): drop the stream so the page can ask again.
			for (const track of stream.getVideoTracks()) {
				track.addEventListener('ended', () => {
					if (this.stream === stream) this.stop();
				});
			}
			this.stream = stream;
			return true;
		} catch (error) {
			this.problem = problemOf(error);
			return false;
		} finally {
			this.asking = false;
		}
	}

	stop() {
		for (const track of this.stream?.getTracks() ?? []) track.stop();
		this.stream = null;
	}
}

export const media = new LensMedia();
