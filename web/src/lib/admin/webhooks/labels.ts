// The words for webhook events and delivery states, in the console's language.
import type { WebhookEvent } from '$contract/org.ts';
import { m } from '#lib/paraglide/messages.js';

export const eventLabel = (event: WebhookEvent): string =>
	({
		'session.created': m.webhooks_event_session_created,
		'session.state_changed': m.webhooks_event_session_state_changed,
		'session.ended': m.webhooks_event_session_ended,
		'sms.status_changed': m.webhooks_event_sms_status_changed,
		'email.status_changed': m.webhooks_event_email_status_changed,
		'snapshot.created': m.webhooks_event_snapshot_created
	})[event]();

export type DeliveryStatus = 'queued' | 'sending' | 'delivered' | 'failed';

export const statusLabel = (status: DeliveryStatus): string =>
	({
		queued: m.webhooks_status_queued,
		sending: m.webhooks_status_sending,
		delivered: m.webhooks_status_delivered,
		failed: m.webhooks_status_failed
	})[status]();

/** The receiver's host, to name it by in notices and titles (the whole URL may be long). */
export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}
