// The server sets `loupe_lens_open=1` (path /l, readable, no secret) beside the
// Lens's HttpOnly session cookie. Without it this browser has no session to
// resume, so /l shows the PIN field at once instead of first asking the server
// (one round trip, seconds on a slow mobile network, that could only say 401).
const NAME = 'loupe_lens_open';

export function mayHaveSession(): boolean {
	return typeof document !== 'undefined' && document.cookie.split(/;\s*/).includes(`${NAME}=1`);
}

/** The server said there is no session (or it ended): stop looking for one on the next visit. */
export function forgetSessionHint(): void {
	// biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in the phones' Firefox and Safari; this cookie holds no secret.
	if (typeof document !== 'undefined') document.cookie = `${NAME}=; Max-Age=0; Path=/l; SameSite=Lax`;
}
