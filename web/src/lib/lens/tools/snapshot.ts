// The photo the technician asked for: the frozen still when the picture is
// frozen, else the camera's own photo (ImageCapture.takePhoto, full
// resolution, where the browser has it), else a frame of the camera drawn
// onto a canvas. For that frame a clone of the track is asked for the
// camera's highest resolution, so the track the call sends keeps its own
// size; a clone the browser will not resize falls back to the preview's frame.
// Uploaded as the image bytes to POST /api/lens/snapshots/:id.

export type SnapshotFailure = 'no_camera' | 'capture_failed' | 'upload_failed';

export class SnapshotError extends Error {
	constructor(readonly code: SnapshotFailure) {
		super(code);
	}
}

const QUALITY = 0.92;

type Capture = { takePhoto(): Promise<Blob> };
declare const ImageCapture: { new (track: MediaStreamTrack): Capture } | undefined;

export function encode(canvas: HTMLCanvasElement, type = 'image/jpeg'): Promise<Blob> {
	return new Promise((resolve, reject) =>
		canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new SnapshotError('capture_failed'))), type, QUALITY)
	);
}

/** The current picture of a video element, at the frame's own size. */
export function grab(video: HTMLVideoElement): HTMLCanvasElement | null {
	const { videoWidth: width, videoHeight: height } = video;
	if (!width || !height) return null;
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	canvas.getContext('2d')?.drawImage(video, 0, 0, width, height);
	return canvas;
}

/** A new photo from the camera (not frozen). */
export async function takePhoto(track: MediaStreamTrack | null, preview: HTMLVideoElement | null): Promise<Blob> {
	if (track?.readyState !== 'live') throw new SnapshotError('no_camera');
	if (typeof ImageCapture === 'function') {
		try {
			return await new ImageCapture(track).takePhoto();
		} catch {
			// Some cameras refuse takePhoto while streaming: a frame of the track will do.
		}
	}
	const still = (await fullFrame(track)) ?? (preview ? grab(preview) : null);
	if (!still) throw new SnapshotError('capture_failed');
	return encode(still);
}

/** A frame of a clone of the track at the camera's largest size, or null when that cannot be had. */
async function fullFrame(track: MediaStreamTrack): Promise<HTMLCanvasElement | null> {
	const caps = typeof track.getCapabilities === 'function' ? track.getCapabilities() : {};
	const width = caps.width?.max;
	const height = caps.height?.max;
	if (!width || !height) return null;
	const clone = track.clone();
	const video = document.createElement('video');
	try {
		await clone.applyConstraints({ width: { ideal: width }, height: { ideal: height } });
		video.muted = true;
		video.playsInline = true;
		video.srcObject = new MediaStream([clone]);
		await video.play();
		await firstFrame(video);
		return grab(video);
	} catch {
		return null;
	} finally {
		video.srcObject = null;
		clone.stop();
	}
}

function firstFrame(video: HTMLVideoElement): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('no frame')), 3_000);
		const done = () => {
			clearTimeout(timer);
			resolve();
		};
		if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => done());
		else if (video.readyState >= 2) done();
		else video.addEventListener('loadeddata', done, { once: true });
	});
}

export async function upload(id: string, photo: Blob, frozen: boolean): Promise<void> {
	const type = photo.type || 'image/jpeg';
	let response: Response;
	try {
		response = await fetch(`/api/lens/snapshots/${encodeURIComponent(id)}${frozen ? '?frozen=1' : ''}`, {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'content-type': type, accept: 'application/json' },
			body: photo
		});
	} catch {
		throw new SnapshotError('upload_failed');
	}
	if (!response.ok) throw new SnapshotError('upload_failed');
}
