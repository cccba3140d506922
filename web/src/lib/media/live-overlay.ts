// The one line over the picture when it is not simply live. Being away
// outranks hold: it ends the session.
import { m } from '#lib/paraglide/messages.js';
import type { SessionView } from '$contract/views.ts';
import type { ConsoleCall } from './console-call.svelte.ts';

const inWords = (ms: number) => (ms < 60_000 ? `${Math.ceil(ms / 1000)} s` : `${Math.ceil(ms / 60_000)} min`);

export function liveOverlay(
	session: SessionView,
	call: Pick<ConsoleCall, 'status' | 'problem' | 'customer' | 'customerPublishing'>,
	now: number
): string {
	const away = session.customer.leftAt ? now - Date.parse(session.customer.leftAt) : 0;
	const offline = !!session.customer.offlineAt && now >= Date.parse(session.customer.offlineAt);
	const timesOutIn = session.customer.timesOutAt ? Math.max(0, Date.parse(session.customer.timesOutAt) - now) : 0;
	if (offline) return m.live_offline({ time: inWords(timesOutIn) });
	if (session.customer.leftAt) return m.live_dropped({ seconds: Math.round(away / 1000) });
	if (session.state === 'on_hold') return m.live_on_hold();
	if (call.status === 'interrupted' || call.status === 'failed' || call.status === 'displaced') return call.problem;
	if (call.customer?.background) return m.live_background();
	if (call.customer && !call.customer.camera) return m.live_camera_off();
	if (call.status === 'no_camera' || !call.customerPublishing) return m.live_waiting_camera();
	if (call.status === 'connecting') return m.live_connecting();
	return '';
}
