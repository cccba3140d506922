// The customer's own camera shown in a <video>: muted (it is their own
// microphone), inline, playing as soon as the browser allows.

/** Shows `stream` in `video` unless it already does. */
export function playPreview(video: HTMLVideoElement, stream: MediaStream): void {
	if (video.srcObject === stream) return;
	// Svelte sets muted as a property only; older iOS wants the attribute before it autoplays inline.
	video.muted = true;
	video.setAttribute('muted', '');
	video.srcObject = stream;
	video.play().catch(() => {
		// autoplay does it once allowed; nothing to tell the customer
	});
}
