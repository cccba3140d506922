// The History page's rules that need no screen: the filters as the API's
// query and as the page's own URL, local days as instants, the technicians a
// filter offers (the words a row reads in are labels.ts). The API is
// GET /api/history (docs/records.md, "History").
import type { HistoryItem } from '$contract/records.ts';
import type { Right } from '$contract/rights.ts';

export const END_STATES = ['closed', 'expired', 'timed_out'] as const;
export type EndState = (typeof END_STATES)[number];

export type HistoryFilters = {
	q: string;
	technicianId: string;
	/** Local days, as an <input type="date"> gives them: `2026-12-01`, or empty. */
	from: string;
	to: string;
	endState: '' | EndState;
};

export const NO_FILTERS: HistoryFilters = { q: '', technicianId: '', from: '', to: '', endState: '' };
const KEYS = Object.keys(NO_FILTERS) as (keyof HistoryFilters)[];
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether the caller sees more than their own sessions, so the technician filter and column mean something. */
export const seesOthers = (rights: readonly Right[]) =>
	rights.includes('administer') || rights.includes('view_group_sessions');

/**
 * The first moment of a local day (`plus` days later), as an ISO instant: the
 * technician means their own day, not UTC's. Undefined for anything else.
 */
export function localDay(date: string, plus = 0): string | undefined {
	const match = DAY.exec(date);
	if (!match) return undefined;
	const [, y, mo, d] = match.map(Number) as [number, number, number, number];
	const at = new Date(y, mo - 1, d + plus);
	return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** GET /api/history's query for the filters: `to` is the day after the last day asked for, so that whole day counts. */
export function historyQuery(f: HistoryFilters, cursor?: string | null): string {
	const params = new URLSearchParams();
	if (f.q.trim()) params.set('q', f.q.trim());
	if (f.technicianId) params.set('technicianId', f.technicianId);
	const from = localDay(f.from);
	const to = localDay(f.to, 1);
	if (from) params.set('from', from);
	if (to) params.set('to', to);
	if (f.endState) params.set('endState', f.endState);
	if (cursor) params.set('cursor', cursor);
	const query = params.toString();
	return `/api/history${query && `?${query}`}`;
}

/** The filters as the page's own URL keeps them (so a reload or a shared link shows the same list). */
export function filtersToSearch(f: HistoryFilters): string {
	const params = new URLSearchParams();
	for (const key of KEYS) if (f[key].trim()) params.set(key, f[key].trim());
	const query = params.toString();
	return query && `?${query}`;
}

export function filtersFromSearch(params: Pick<URLSearchParams, 'get'>): HistoryFilters {
	const endState = params.get('endState') ?? '';
	const day = (key: 'from' | 'to') => (DAY.test(params.get(key) ?? '') ? params.get(key)! : '');
	return {
		q: params.get('q') ?? '',
		technicianId: params.get('technicianId') ?? '',
		from: day('from'),
		to: day('to'),
		endState: (END_STATES as readonly string[]).includes(endState) ? (endState as EndState) : ''
	};
}

export const hasFilters = (f: HistoryFilters) => KEYS.some((key) => f[key].trim() !== '');

/**
 * The technicians a group viewer can filter by: those met in the rows loaded
 * so far, kept when a filter then hides them (a group viewer may not list
 * technicians; the administrator gets GET /api/technicians instead). By name.
 */
export function techniciansMet(
	known: readonly { id: string; name: string }[],
	items: readonly HistoryItem[]
): { id: string; name: string }[] {
	const byId = new Map(known.map((t) => [t.id, t.name]));
	for (const item of items) byId.set(item.technician.id, item.technician.name);
	return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}
