// The console's freeze: the frame the video shows now, drawn on a canvas at
// the video's own size (the console freezes at once, the phone a trip later).

/** Draws the video's current frame on `still`; the frame's size, or undefined when the video has none yet. */
export function drawStill(
	video: HTMLVideoElement,
	still: HTMLCanvasElement
): { width: number; height: number } | undefined {
	if (!video.videoWidth) return undefined;
	still.width = video.videoWidth;
	still.height = video.videoHeight;
	still.getContext('2d')?.drawImage(video, 0, 0, still.width, still.height);
	return { width: still.width, height: still.height };
}
