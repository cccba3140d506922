// What the customer is told when Loupe refuses the phone's media request
// (media.error): its code, mapped to a sentence of the Lens's own, in the
// customer's language. The server's English `message` is for the log and the
// console, never shown here.
import type { MediaErrorCode } from '$contract/socket.ts';
import type { MessageKey } from './i18n.ts';

/**
 * `invalid_sdp`: this browser's connection is not one Loupe can use (trying
 * again will not help: another or an updated browser may); `media_failed`,
 * `media_timeout`: the media server refused or did not answer, and the call
 * tries again by itself. Anything else says nothing new to the customer.
 */
export function mediaProblem(code: MediaErrorCode | string | undefined): MessageKey | null {
	if (code === 'invalid_sdp') return 'live.mediaUnusable';
	if (code === 'media_failed' || code === 'media_timeout') return 'live.mediaRefused';
	return null;
}
