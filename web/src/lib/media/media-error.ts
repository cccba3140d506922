// What the technician is told when Loupe refuses a media request of the
// console (media.error): its code, mapped to a sentence in the console's
// language. The server's `message` is English and for the log; it is shown
// only for a code this build does not know yet.
import type { MediaErrorCode } from '$contract/socket.ts';
import { m } from '#lib/paraglide/messages.js';

type Say = () => string;

/** null: nothing to show (one refused ICE candidate does not end a call: the others still work). */
export function mediaErrorText(code: MediaErrorCode | string | undefined, message?: unknown): Say | null {
	switch (code) {
		case 'invalid_candidate':
			return null;
		case 'invalid_sdp':
			return m.call_media_invalid_sdp;
		case 'media_failed':
			return m.call_media_refused;
		case 'media_timeout':
			return m.call_media_timeout;
		case 'subscribe_failed':
			return m.call_media_subscribe_failed;
		case 'media_unavailable':
			return m.call_media_unavailable;
		default:
			return typeof message === 'string' && message ? () => message : m.call_media_refused;
	}
}
