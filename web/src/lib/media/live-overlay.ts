// The one line over the picture when it is not simply live. Being away
// outranks hold: it ends the session. A picture being recovered (the phone's
// network changed or dropped, or the console's own connection restarts its
// ICE) says "reconnecting" until new frames come (recovery.ts).
import { m } from '#lib/paraglide/messages.js';
import type { SessionView } from '$contract/views.ts';
import type { ConsoleCall } from './console-call.svelte.ts';

const inWords = (ms: number) => (ms < 60_000 ? `${Math.ceil(ms / 1000)} s` : `${Math.ceil(ms / 60_000)} min`);

/** Why the picture is not simply live, most important first; null while it is. */
export type OverlayReason =
	| 'offline'
	| 'dropped'
	| 'on_hold'
	| 'problem'
	| 'background'
	| 'camera_off'
	| 'waiting_camera'
	| 'reconnecting'
	| 'connecting';

type CallView = Pick<ConsoleCall, 'status' | 'problem' | 'customer' | 'customerPublishing' | 'stalled'>;

export function overlayReason(
	session: SessionView,
	call: Omit<CallView, 'problem'>,
	now: number
): OverlayReason | null {
	if (session.customer.offlineAt && now >= Date.parse(session.customer.offlineAt)) return 'offline';
	if (session.customer.leftAt) return 'dropped';
	if (session.state === 'on_hold') return 'on_hold';
	if (call.status === 'interrupted' || call.status === 'failed' || call.status === 'displaced') return 'problem';
	if (call.customer?.background) return 'background';
	if (call.customer && !call.customer.camera) return 'camera_off';
	if (call.status === 'no_camera' || !call.customerPublishing) return 'waiting_camera';
	if (call.status === 'reconnecting' || (call.status === 'live' && call.stalled)) return 'reconnecting';
	if (call.status === 'connecting') return 'connecting';
	return null;
}

export function liveOverlay(session: SessionView, call: CallView, now: number): string {
	const timesOutIn = session.customer.timesOutAt ? Math.max(0, Date.parse(session.customer.timesOutAt) - now) : 0;
	const away = session.customer.leftAt ? now - Date.parse(session.customer.leftAt) : 0;
	switch (overlayReason(session, call, now)) {
		case 'offline':
			return m.live_offline({ time: inWords(timesOutIn) });
		case 'dropped':
			return m.live_dropped({ seconds: Math.round(away / 1000) });
		case 'on_hold':
			return m.live_on_hold();
		case 'problem':
			return call.problem;
		case 'background':
			return m.live_background();
		case 'camera_off':
			return m.live_camera_off();
		case 'waiting_camera':
			return m.live_waiting_camera();
		case 'reconnecting':
			return m.live_reconnecting();
		case 'connecting':
			return m.live_connecting();
		default:
			return '';
	}
}
