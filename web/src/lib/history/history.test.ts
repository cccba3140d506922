import { describe, expect, test } from 'bun:test';
import type { HistoryItem } from '$contract/records.ts';
import {
	filtersFromSearch,
	filtersToSearch,
	hasFilters,
	historyQuery,
	localDay,
	NO_FILTERS,
	seesOthers,
	techniciansMet
} from './history.ts';

describe('historyQuery', () => {
	test('no filters: the plain list', () => {
		expect(historyQuery(NO_FILTERS)).toBe('/api/history');
	});

	test('the filters and the cursor as parameters; the search trimmed; local days as instants, `to` the day after', () => {
		const path = historyQuery(
			{ q: ' boiler 42 ', technicianId: 't1', from: '2026-12-01', to: '2026-12-03', endState: 'expired' },
			'abc'
		);
		const params = new URL(path, 'http://x').searchParams;
		expect(Object.fromEntries(params)).toEqual({
			q: 'boiler 42',
			technicianId: 't1',
			from: new Date(2026, 11, 1).toISOString(),
			to: new Date(2026, 11, 4).toISOString(),
			endState: 'expired',
			cursor: 'abc'
		});
	});
});

describe('localDay', () => {
	test('a day is its first local moment; the day after crosses a month', () => {
		expect(localDay('2026-12-31', 1)).toBe(new Date(2027, 0, 1).toISOString());
		expect(localDay('2026-12-31')).toBe(new Date(2026, 11, 31).toISOString());
	});

	test('anything but a day is nothing', () => {
		expect(localDay('')).toBeUndefined();
		expect(localDay('yesterday')).toBeUndefined();
		expect(localDay('2026-12-01T10:00')).toBeUndefined();
	});
});

describe('the filters in the page URL', () => {
	test('round-trip, leaving out what is empty', () => {
		const f = { ...NO_FILTERS, q: 'Smith', from: '2026-12-01', endState: 'closed' as const };
		const search = filtersToSearch(f);
		expect(search).toBe('?q=Smith&from=2026-12-01&endState=closed');
		expect(filtersFromSearch(new URLSearchParams(search))).toEqual(f);
		expect(filtersToSearch(NO_FILTERS)).toBe('');
	});

	test('a hand-made URL with values the filters cannot hold shows none of them', () => {
		const f = filtersFromSearch(new URLSearchParams('from=monday&to=2026-13&endState=active'));
		expect(f).toEqual(NO_FILTERS);
		expect(hasFilters(f)).toBe(false);
		expect(hasFilters({ ...NO_FILTERS, q: 'x' })).toBe(true);
		expect(hasFilters({ ...NO_FILTERS, q: '  ' })).toBe(false);
	});
});

describe('who sees others', () => {
	test('an administrator and a group viewer; a technician only their own', () => {
		expect(seesOthers(['administer'])).toBe(true);
		expect(seesOthers(['start_lens_sessions', 'view_group_sessions'])).toBe(true);
		expect(seesOthers(['start_lens_sessions', 'use_sms_method'])).toBe(false);
	});
});

describe('techniciansMet', () => {
	const item = (id: string, name: string) => ({ technician: { id, name } }) as HistoryItem;

	test('those met so far and in the new rows, once each, by name', () => {
		const known = [{ id: 'b', name: 'Bea' }];
		expect(techniciansMet(known, [item('c', 'Cas'), item('a', 'Ann'), item('c', 'Cas')])).toEqual([
			{ id: 'a', name: 'Ann' },
			{ id: 'b', name: 'Bea' },
			{ id: 'c', name: 'Cas' }
		]);
	});
});
