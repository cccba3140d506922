import { describe, expect, test } from 'bun:test';
import { mediaErrorText } from './media-error.ts';

// Paraglide's message functions take the locale as an option (no browser storage in tests).
type Localised = (inputs: object, options: { locale: 'en' | 'nl' }) => string;
const inLanguage = (say: (() => string) | null, locale: 'en' | 'nl') => (say as unknown as Localised)({}, { locale });

describe('what the technician reads after a media.error', () => {
	test('every code the contract names has its own sentence, except a refused candidate, which ends nothing', () => {
		const codes = ['invalid_sdp', 'media_failed', 'media_timeout', 'subscribe_failed', 'media_unavailable'];
		for (const locale of ['en', 'nl'] as const) {
			const said = codes.map((code) => inLanguage(mediaErrorText(code, 'Janus said: parse error at line 3'), locale));
			expect(new Set(said).size).toBe(codes.length);
			for (const text of said) expect(text).not.toContain('Janus said');
		}
		expect(inLanguage(mediaErrorText('media_timeout'), 'nl')).not.toBe(
			inLanguage(mediaErrorText('media_timeout'), 'en')
		);
		expect(mediaErrorText('invalid_candidate')).toBeNull();
	});

	test("a code this build does not know yet shows the server's message", () => {
		expect(mediaErrorText('something_new', 'Something new went wrong.')?.()).toBe('Something new went wrong.');
	});
});
