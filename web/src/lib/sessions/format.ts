// How sessions read in the console: state names, SMS and e-mail status, countdowns.
import { intlLocale } from '#lib/i18n.svelte.ts';
import { m } from '#lib/paraglide/messages.js';
import { isEndedState, isInvitationState, isSessionListState } from '$contract/states.ts';
import type { SessionState, SmsStatus } from '$contract/states.ts';
import type { SessionView } from '$contract/views.ts';
import type { EmailView } from '$contract/org-schemas.ts';

/** In the console's Invitations: invited, or opened by the customer. */
export const isInvitation = (s: SessionView) => isInvitationState(s.state);
/** In the console's session list: the customer accepted the EULA (waiting, active, on hold). */
export const inSessionList = (s: SessionView) => isSessionListState(s.state);
export const isEnded = (s: SessionView) => isEndedState(s.state);

// Message functions, called when a label is shown: the words follow the console's language.
const STATE_LABELS: Record<SessionState, () => string> = {
	invited: m.state_invited,
	connecting: m.state_connecting,
	waiting: m.state_waiting,
	active: m.state_active,
	on_hold: m.state_on_hold,
	closed: m.state_closed,
	expired: m.state_expired,
	timed_out: m.state_timed_out
};

export function stateLabel(state: SessionState): string {
	return STATE_LABELS[state]?.() ?? state;
}

const SMS_LABELS: Record<SmsStatus, () => string> = {
	queued: m.sms_queued,
	sent: m.sms_sent,
	delivered: m.sms_delivered,
	failed: m.sms_failed
};

export function smsLabel(status: SmsStatus): string {
	return SMS_LABELS[status]?.() ?? status;
}

const EMAIL_LABELS: Record<EmailView['status'], () => string> = {
	queued: m.email_queued,
	sending: m.email_sending,
	sent: m.email_sent,
	failed: m.email_failed
};

export function emailLabel(status: EmailView['status']): string {
	return EMAIL_LABELS[status]?.() ?? status;
}

/** How the invitation reaches the customer, for a list row: the number or address, else the method's name. */
export function invitedVia(s: Pick<SessionView, 'method' | 'phone' | 'email'>): string {
	if (s.method === 'sms') return s.phone ?? m.invitations_method_sms();
	if (s.method === 'email') return s.email ?? m.invitations_method_email();
	return m.invitations_method_link();
}

const END_REASONS: Record<string, () => string> = {
	technician: m.end_reason_technician,
	customer: m.end_reason_customer,
	customer_declined: m.end_reason_customer_declined,
	expired: m.end_reason_pin_expired,
	pin_expired: m.end_reason_pin_expired,
	timed_out: m.end_reason_customer_gone,
	customer_gone: m.end_reason_customer_gone
};

export function endReasonLabel(reason: string | null): string {
	if (!reason) return '';
	return END_REASONS[reason]?.() ?? reason.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}

/** "19:32", or "1:05:00" past an hour; never negative. Rounds down, so a fresh 20-minute PIN never reads 20:01. */
export function formatCountdown(ms: number): string {
	const total = Math.max(0, Math.floor(ms / 1000));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
	return h ? `${h}:${mmss}` : mmss;
}

/** Milliseconds from now until an ISO time (negative once passed, 0 for a bad time). */
export function msUntil(iso: string | null, now: number): number {
	if (!iso) return 0;
	const at = Date.parse(iso);
	return Number.isNaN(at) ? 0 : at - now;
}

/** "123 456" for reading aloud; the digits themselves stay contiguous in the DOM. */
export function pinHalves(pin: string): [string, string] {
	return [pin.slice(0, 3), pin.slice(3)];
}

/** A time of day for today's events, else a short date and time, in the console's language. */
export function formatWhen(iso: string | null, now = Date.now()): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	if (new Date(now).toDateString() === date.toDateString())
		return new Intl.DateTimeFormat(intlLocale(), { timeStyle: 'short' }).format(date);
	return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export type LensMethods = { sms: boolean; link: boolean; email: boolean };

/**
 * The technician's rights that let them start a Lens session, and how. E-mail
 * also needs the server to have a mail server (`emailInvitations` from GET /api/auth/options).
 */
export function lensMethods(rights: readonly string[], emailInvitations = false): LensMethods {
	const base = rights.includes('start_lens_sessions') && rights.includes('start_private_sessions');
	return {
		sms: base && rights.includes('use_sms_method'),
		link: base && rights.includes('use_link_method'),
		email: base && emailInvitations && rights.includes('use_email_method')
	};
}
