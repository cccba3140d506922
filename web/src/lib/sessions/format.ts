// How sessions read in the console: state names, SMS status, countdowns.
import type { SessionState, SessionView, SmsStatus } from '#lib/types.ts';

export const INVITATION_STATES: readonly SessionState[] = ['invited', 'connecting'];
export const LIVE_STATES: readonly SessionState[] = ['waiting', 'active', 'on_hold'];
export const ENDED_STATES: readonly SessionState[] = ['closed', 'expired', 'timed_out'];

export const isInvitation = (s: SessionView) => INVITATION_STATES.includes(s.state);
export const isLive = (s: SessionView) => LIVE_STATES.includes(s.state);
export const isEnded = (s: SessionView) => ENDED_STATES.includes(s.state);

const STATE_LABELS: Record<SessionState, string> = {
	invited: 'Invited',
	connecting: 'Customer opened the link',
	waiting: 'Waiting for you to start',
	active: 'Active',
	on_hold: 'On hold',
	closed: 'Closed',
	expired: 'Expired',
	timed_out: 'Timed out'
};

export function stateLabel(state: SessionState): string {
	return STATE_LABELS[state] ?? state;
}

const SMS_LABELS: Record<SmsStatus, string> = {
	queued: 'Queued',
	sent: 'Sent',
	delivered: 'Delivered',
	failed: 'Failed'
};

export function smsLabel(status: SmsStatus): string {
	return SMS_LABELS[status] ?? status;
}

const END_REASONS: Record<string, string> = {
	technician: 'Ended by you',
	customer: 'Ended by the customer',
	customer_declined: 'The customer declined the EULA',
	expired: 'The PIN expired before it was used',
	pin_expired: 'The PIN expired before it was used',
	timed_out: 'The customer was gone too long',
	customer_gone: 'The customer was gone too long'
};

export function endReasonLabel(reason: string | null): string {
	if (!reason) return '';
	return END_REASONS[reason] ?? reason.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
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

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** A time of day for today's events, else a short date and time. */
export function formatWhen(iso: string | null, now = Date.now()): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	if (new Date(now).toDateString() === date.toDateString()) return timeOnly.format(date);
	return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The technician's rights that let them start a Lens session, and how. */
export function lensMethods(rights: readonly string[]): { sms: boolean; link: boolean } {
	const base = rights.includes('start_lens_sessions') && rights.includes('start_private_sessions');
	return { sms: base && rights.includes('use_sms_method'), link: base && rights.includes('use_link_method') };
}
