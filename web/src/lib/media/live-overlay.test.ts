// What the console's live view says over the picture, and in which order: a
// picture being recovered says "reconnecting" (English and Dutch), but a
// reason that explains missing frames by design (hold, camera off, the app in
// the background) outranks it, and a live picture says nothing.
import { describe, expect, test } from 'bun:test';
import { m } from '#lib/paraglide/messages.js';
import type { SessionView } from '$contract/views.ts';
import { type liveOverlay, overlayReason } from './live-overlay.ts';

const session = (state: SessionView['state'] = 'active') =>
	({ state, customer: { leftAt: null, offlineAt: null, timesOutAt: null } }) as unknown as SessionView;
type Call = Parameters<typeof liveOverlay>[1];
const call = (over: Partial<Call> = {}): Call => ({
	status: 'live',
	problem: '',
	customer: { muted: false, camera: true, background: false },
	customerPublishing: true,
	stalled: false,
	...over
});

// Paraglide's message functions take the locale as an option (no browser storage in tests).
const inLanguage = (locale: 'en' | 'nl'): string => m.live_reconnecting({}, { locale });

describe('the live overlay', () => {
	test('a live picture says nothing; a stalled one, or the console restarting its connection, says reconnecting', () => {
		expect(overlayReason(session(), call(), 0)).toBeNull();
		expect(overlayReason(session(), call({ stalled: true }), 0)).toBe('reconnecting');
		expect(overlayReason(session(), call({ status: 'reconnecting' }), 0)).toBe('reconnecting');
		expect(inLanguage('en')).toBe('The picture was interrupted; reconnecting…');
		expect(inLanguage('nl')).toBe('Het beeld is onderbroken; opnieuw verbinden…');
	});

	test('frames missing by design are said as such, not as reconnecting', () => {
		expect(overlayReason(session('on_hold'), call({ stalled: true }), 0)).toBe('on_hold');
		const customer = { muted: false, camera: true, background: true };
		expect(overlayReason(session(), call({ stalled: true, customer }), 0)).toBe('background');
		expect(
			overlayReason(session(), call({ stalled: true, customer: { ...customer, background: false, camera: false } }), 0)
		).toBe('camera_off');
		expect(overlayReason(session(), call({ status: 'reconnecting', customerPublishing: false }), 0)).toBe(
			'waiting_camera'
		);
	});

	test('a stall only counts on a live picture: while connecting it says connecting', () => {
		expect(overlayReason(session(), call({ status: 'connecting', stalled: true }), 0)).toBe('connecting');
	});
});
