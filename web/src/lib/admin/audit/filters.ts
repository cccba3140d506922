// The audit view's filters as a query string (the page's URL, the API's and
// the CSV export's alike), and a row's details as one short line.
import type { AuditRow } from '$contract/records.ts';

export const FILTER_KEYS = ['actorId', 'sessionId', 'kind', 'from', 'to'] as const;
export type AuditFilters = Record<(typeof FILTER_KEYS)[number], string>;

/** The filters in `params`, each '' when absent. */
export function filtersFrom(params: URLSearchParams): AuditFilters {
	return Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k)?.trim() ?? ''])) as AuditFilters;
}

/** Only the filters that are set, in a fixed order: an empty one would be refused as invalid. */
export function auditSearch(filters: AuditFilters, extra: Record<string, string> = {}): string {
	const params = new URLSearchParams();
	for (const key of FILTER_KEYS) if (filters[key].trim()) params.set(key, filters[key].trim());
	for (const [key, value] of Object.entries(extra)) params.set(key, value);
	const text = params.toString();
	return text ? `?${text}` : '';
}

const MAX_SUMMARY = 120;

/** `key: value` pairs of the details, objects as JSON, cut to a line; '' for none. */
export function detailsSummary(details: AuditRow['details']): string {
	if (!details) return '';
	const text = Object.entries(details)
		.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
		.join(', ');
	return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
