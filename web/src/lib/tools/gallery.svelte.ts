// The session's photos beside the live view: listed on open (and after a
// reconnect), added as `snapshot.stored` arrives; one request at a time.
// A photo of the frozen picture that has strokes on it gets an annotated copy,
// drawn here (the console has the strokes) and uploaded.
import { api } from '#lib/api.ts';
import type { SnapshotRequestView, SnapshotView } from '$contract/tools.ts';
import { drawStrokes } from './render.ts';
import type { LocalStroke } from './strokes.ts';

export type SnapshotFailure = 'no_camera' | 'capture_failed' | 'upload_failed' | 'timed_out' | 'request_failed';

export class Gallery {
	snapshots = $state<SnapshotView[]>([]);
	/** The request the phone is working on. */
	pending = $state<string | null>(null);
	requesting = $state(false);
	failure = $state<SnapshotFailure | null>(null);
	/** The server's refusal of the request (e.g. 409 while another is pending), in its own words. */
	refusal = $state('');
	/** Copies being drawn and uploaded, by source photo. */
	annotating = $state<string[]>([]);

	constructor(
		readonly sessionId: string,
		/** The strokes on the frozen picture now, and how wide it is on screen (for the line width). */
		private readonly frozenStrokes: () => { strokes: LocalStroke[]; shownWidth: number }
	) {}

	async load() {
		try {
			const { snapshots } = await api<{ snapshots: SnapshotView[] }>(
				'GET',
				`/api/sessions/${this.sessionId}/snapshots`
			);
			for (const s of snapshots) this.#add(s);
		} catch {
			/* the list stays as it was; the next reconnect loads it again */
		}
	}

	async take() {
		if (this.requesting || this.pending) return;
		this.requesting = true;
		this.failure = null;
		this.refusal = '';
		try {
			const { snapshot } = await api<{ snapshot: SnapshotRequestView }>(
				'POST',
				`/api/sessions/${this.sessionId}/snapshots`
			);
			// The photo may already be here (a fast phone): then nothing is pending.
			if (!this.snapshots.some((s) => s.id === snapshot.id)) this.pending = snapshot.id;
		} catch (error) {
			this.failure = 'request_failed';
			this.refusal = error instanceof Error ? error.message : '';
		} finally {
			this.requesting = false;
		}
	}

	stored(snapshot: SnapshotView) {
		const mine = this.pending === snapshot.id;
		if (mine) this.pending = null;
		this.#add(snapshot);
		if (mine && snapshot.frozen && !snapshot.annotated) {
			const { strokes, shownWidth } = this.frozenStrokes();
			if (strokes.length) void this.annotate(snapshot, strokes, shownWidth);
		}
	}

	failed(snapshotId: string, code: SnapshotFailure) {
		if (this.pending === snapshotId) this.pending = null;
		this.failure = code;
	}

	/** The full-resolution photo with the strokes over it, encoded as the photo was (PNG for PNG, else JPEG). */
	async annotate(source: SnapshotView, strokes: LocalStroke[], shownWidth: number) {
		this.annotating = [...this.annotating, source.id];
		try {
			const bytes = await (await fetch(`/api/snapshots/${source.id}`, { credentials: 'same-origin' })).blob();
			const image = await createImageBitmap(bytes);
			const canvas = document.createElement('canvas');
			canvas.width = source.width;
			canvas.height = source.height;
			const ctx = canvas.getContext('2d')!;
			ctx.drawImage(image, 0, 0, source.width, source.height);
			// The strokes as thick on the photo as they looked on screen.
			const unit = 3 * (source.width / Math.max(1, shownWidth));
			const toPx = (p: readonly [number, number]): [number, number] => [p[0] * source.width, p[1] * source.height];
			drawStrokes(
				ctx,
				strokes.map((stroke) => ({ stroke, alpha: 1 })),
				toPx,
				unit
			);
			const type = source.contentType === 'image/png' ? 'image/png' : 'image/jpeg';
			const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, type, 0.92));
			if (!blob) throw new Error('encode');
			const response = await fetch(`/api/snapshots/${source.id}/annotated`, {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'content-type': type, accept: 'application/json' },
				body: blob
			});
			if (!response.ok) throw new Error(String(response.status));
			const { snapshot } = (await response.json()) as { snapshot: SnapshotView };
			this.#add(snapshot);
		} catch {
			this.failure = 'upload_failed';
		} finally {
			this.annotating = this.annotating.filter((id) => id !== source.id);
		}
	}

	/** Newest first, each once. */
	#add(snapshot: SnapshotView) {
		if (this.snapshots.some((s) => s.id === snapshot.id)) return;
		this.snapshots = [...this.snapshots, snapshot].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
	}
}
