import { describe, expect, test } from 'bun:test';
import { auditSearch, detailsSummary, filtersFrom } from './filters.ts';

describe('audit filters', () => {
	test('only the filters that are set reach the query, trimmed, with extras after', () => {
		const filters = filtersFrom(new URLSearchParams('kind=%20session.%20&from=&actorId=abc&colour=red'));
		expect(filters).toEqual({ actorId: 'abc', sessionId: '', kind: 'session.', from: '', to: '' });
		expect(auditSearch(filters, { cursor: 'YTE' })).toBe('?actorId=abc&kind=session.&cursor=YTE');
		expect(auditSearch(filtersFrom(new URLSearchParams()))).toBe('');
	});

	test('details as one short line', () => {
		expect(detailsSummary(null)).toBe('');
		expect(detailsSummary({ reason: 'closed', rights: ['a', 'b'], n: 2 })).toBe(
			'reason: closed, rights: ["a","b"], n: 2'
		);
		const long = detailsSummary({ text: 'x'.repeat(500) });
		expect(long).toHaveLength(120);
		expect(long.endsWith('…')).toBe(true);
	});
});
