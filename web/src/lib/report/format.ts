// Words for the report page: a timeline event's kind, actor and details, in
// the console's language, from the report's JSON (src/contract/records.ts).
import { intlLocale } from '#lib/i18n.svelte.ts';
import { m } from '#lib/paraglide/messages.js';
import { endReason } from '#lib/history/labels.ts';
import type { Report, TimelineEntry } from '$contract/records.ts';

const KINDS: Record<string, () => string> = {
	'session.invited': m.report_kind_session_invited,
	'session.sms_resent': m.report_kind_session_sms_resent,
	'sms.queued': m.report_kind_sms_queued,
	'sms.sent': m.report_kind_sms_sent,
	'sms.delivered': m.report_kind_sms_delivered,
	'sms.failed': m.report_kind_sms_failed,
	'email.queued': m.report_kind_email_queued,
	'email.sent': m.report_kind_email_sent,
	'email.failed': m.report_kind_email_failed,
	'session.email_resent': m.report_kind_session_email_resent,
	'session.opened': m.report_kind_session_opened,
	'session.eula_accepted': m.report_kind_session_eula_accepted,
	'session.started': m.report_kind_session_started,
	'session.on_hold': m.report_kind_session_on_hold,
	'session.resumed': m.report_kind_session_resumed,
	'tool.used': m.report_kind_tool_used,
	'snapshot.taken': m.report_kind_snapshot_taken,
	'chat.message': m.report_kind_chat_message,
	'recording.started': m.report_kind_recording_started,
	'recording.ready': m.report_kind_recording_ready,
	'recording.failed': m.report_kind_recording_failed,
	'notes.edited': m.report_kind_notes_edited,
	'session.closed': m.report_kind_session_closed,
	'session.expired': m.report_kind_session_expired,
	'session.timed_out': m.report_kind_session_timed_out
};

/** The event's name; a kind this page does not know is shown as it is. */
export function kindLabel(kind: string): string {
	return KINDS[kind]?.() ?? kind;
}

const TOOLS: Record<string, () => string> = {
	pointer: m.report_tool_pointer,
	stroke: m.report_tool_stroke,
	undo: m.report_tool_undo,
	clear: m.report_tool_clear,
	zoom: m.report_tool_zoom,
	freeze: m.report_tool_freeze,
	unfreeze: m.report_tool_unfreeze,
	torch_on: m.report_tool_torch_on,
	torch_off: m.report_tool_torch_off,
	camera_switch: m.report_tool_camera_switch
};

export function actorLabel(actor: TimelineEntry['actor']): string {
	if (actor.type === 'customer') return m.report_actor_customer();
	if (actor.type === 'system') return m.report_actor_system();
	return actor.name ?? m.report_unknown();
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** One line about the event, or '' (the chat's text comes from the transcript: details name only the message). */
export function detailsText(entry: TimelineEntry, messages: Report['messages']): string {
	const d = entry.details;
	switch (entry.kind) {
		case 'session.invited':
			return [
				d.method === 'sms' ? m.report_via_sms() : d.method === 'email' ? m.report_via_email() : m.report_via_link(),
				str(d.reference)
			]
				.filter(Boolean)
				.join(' · ');
		case 'sms.failed':
		case 'email.failed':
		case 'recording.failed':
			return str(d.error) ?? '';
		case 'session.opened':
			return str(d.device) ?? '';
		case 'session.eula_accepted':
			return str(d.eulaSha256)
				? m.report_eula_hash({
						language: String(d.language ?? '').toUpperCase(),
						hash: String(d.eulaSha256).slice(0, 12)
					})
				: '';
		case 'tool.used': {
			const tool = str(d.tool) ?? '';
			return TOOLS[tool]?.() ?? tool;
		}
		case 'snapshot.taken':
			return [d.sourceId ? m.report_annotated_photo() : '', d.frozen ? m.report_frozen_photo() : '']
				.filter(Boolean)
				.join(' · ');
		case 'chat.message':
			return messages.find((msg) => msg.id === d.messageId)?.text ?? '';
		case 'notes.edited':
			return typeof d.length === 'number' ? m.report_notes_length({ count: String(d.length) }) : '';
		default:
			if (entry.kind.startsWith('session.') && str(d.reason)) return endReason(str(d.reason)!);
			return '';
	}
}

/** "1:05:09" or "12:04" (minutes and seconds) for a duration. */
export function formatDuration(seconds: number | null): string {
	if (seconds === null) return '—';
	const h = Math.floor(seconds / 3600);
	const mm = Math.floor((seconds % 3600) / 60);
	const ss = seconds % 60;
	const tail = `${String(mm).padStart(h ? 2 : 1, '0')}:${String(ss).padStart(2, '0')}`;
	return h ? `${h}:${tail}` : tail;
}

/** A full date and time with seconds (a report is read later, elsewhere). */
export function formatDateTime(iso: string | null): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

/** A time of day with seconds, for the timeline's rows. */
export function formatTime(iso: string): string {
	return new Intl.DateTimeFormat(intlLocale(), { timeStyle: 'medium' }).format(new Date(iso));
}
