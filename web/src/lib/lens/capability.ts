// Before anything else (before a single-use link is redeemed): can this
// browser do a Lens session at all? It needs a secure context, getUserMedia and
// RTCPeerConnection. The in-app browsers of social and chat apps often embed a
// web view without camera access: those customers are asked to open the link
// in their phone's browser, which can. Only a phone whose every browser lacks
// WebRTC is sent to the app store, if the administrator configured one.

export type Platform = 'ios' | 'android' | 'other';
export type Capability =
	| { ok: true; platform: Platform }
	| { ok: false; platform: Platform; reason: 'in_app'; app: string }
	| { ok: false; platform: Platform; reason: 'insecure' | 'no_webrtc' };

// The app's own marker in its web view's user agent.
const IN_APP: [RegExp, string][] = [
	[/FBAN|FBAV|FB_IAB|FBIOS|FB4A/i, 'Facebook'],
	[/Messenger/i, 'Messenger'],
	[/Instagram/i, 'Instagram'],
	[/LinkedInApp/i, 'LinkedIn'],
	[/WhatsApp/i, 'WhatsApp'],
	[/Snapchat/i, 'Snapchat'],
	[/musical_ly|BytedanceWebview|TikTok/i, 'TikTok'],
	[/Twitter|TwitterAndroid/i, 'X (Twitter)'],
	[/\bLine\//, 'LINE'],
	[/MicroMessenger/i, 'WeChat'],
	[/Pinterest/i, 'Pinterest'],
	[/GSA\//, 'Google'],
	// Android's generic web view marks itself "; wv)".
	[/; wv\)/, 'this app']
];

export function platformOf(ua: string): Platform {
	if (/iPhone|iPad|iPod/.test(ua)) return 'ios';
	if (/Android/.test(ua)) return 'android';
	return 'other';
}

/** What the check reads of the window: RTCPeerConnection is missing altogether in the browsers it looks for. */
type CheckedWindow = Pick<Window, 'navigator' | 'isSecureContext'> & { RTCPeerConnection?: unknown };

export function detectCapability(win: CheckedWindow = window): Capability {
	const ua = win.navigator.userAgent;
	const platform = platformOf(ua);
	const app = IN_APP.find(([re]) => re.test(ua))?.[1];
	if (app) return { ok: false, platform, reason: 'in_app', app };
	if (!win.isSecureContext) return { ok: false, platform, reason: 'insecure' };
	if (typeof win.RTCPeerConnection !== 'function' || typeof win.navigator.mediaDevices?.getUserMedia !== 'function') {
		return { ok: false, platform, reason: 'no_webrtc' };
	}
	return { ok: true, platform };
}

/** Android: a link that opens this page in Chrome (or the default browser when Chrome is missing). */
export function androidIntent(href: string): string {
	const url = new URL(href);
	const fallback = encodeURIComponent(href);
	return `intent://${url.host}${url.pathname}${url.search}#Intent;scheme=${url.protocol.replace(':', '')};package=com.android.chrome;S.browser_fallback_url=${fallback};end`;
}
