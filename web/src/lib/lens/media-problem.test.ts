import { describe, expect, test } from 'bun:test';
import { translate } from './i18n.ts';
import { mediaProblem } from './media-problem.ts';

describe('what the customer reads after a media.error', () => {
	test('a refused description: use another or an updated browser; a refused or unanswered request: trying again', () => {
		expect(mediaProblem('invalid_sdp')).toBe('live.mediaUnusable');
		expect(mediaProblem('media_failed')).toBe('live.mediaRefused');
		expect(mediaProblem('media_timeout')).toBe('live.mediaRefused');
	});

	test('the rest changes nothing on the screen', () => {
		for (const code of ['invalid_candidate', 'subscribe_failed', 'media_unavailable', undefined])
			expect(mediaProblem(code)).toBeNull();
	});

	test('in both languages, in words of the Lens', () => {
		for (const key of ['live.mediaUnusable', 'live.mediaRefused'] as const) {
			const en = translate('en', key);
			const nl = translate('nl', key);
			expect(en.length).toBeGreaterThan(20);
			expect(nl).not.toBe(en);
		}
	});
});
