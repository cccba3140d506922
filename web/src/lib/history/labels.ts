// How a history row's values read, in the console's language.
import { m } from '#lib/paraglide/messages.js';
import type { RecordingStatus } from '$contract/records.ts';
import { endReasonLabel, formatCountdown } from '#lib/sessions/format.ts';

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

// Short, and said of whoever ran the session (the console's own "Ended by you" is the technician's view of their own).
const REASONS: Record<string, () => string> = {
	technician: m.history_reason_technician,
	customer: m.history_reason_customer,
	customer_declined: m.history_reason_customer_declined,
	expired: m.history_reason_pin_expired,
	pin_expired: m.history_reason_pin_expired,
	timed_out: m.history_reason_customer_gone,
	customer_gone: m.history_reason_customer_gone
};

export function endReason(reason: string | null): string {
	if (!reason) return '';
	return REASONS[reason]?.() ?? endReasonLabel(reason);
}
