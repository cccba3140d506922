// How a history row's values read, in the console's language.
import { m } from '#lib/paraglide/messages.js';
import type { RecordingStatus } from '$contract/records.ts';
import { formatCountdown } from '#lib/sessions/format.ts';

/** "12:34" of live time, "1:02:03" past an hour; "Not started" when the customer never got past waiting. */
export function formatLive(seconds: number | null): string {
	return seconds === null ? m.history_not_started() : formatCountdown(seconds * 1000);
}

const RECORDING: Record<RecordingStatus, () => string> = {
	recording: m.history_recording_recording,
	converting: m.history_recording_converting,
	ready: m.history_recording_ready,
	failed: m.history_recording_failed
};

export function recordingLabel(status: RecordingStatus | null): string {
	return status ? (RECORDING[status]?.() ?? status) : '—';
}
