import { error } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { auditSearch, filtersFrom } from '#lib/admin/audit/filters.ts';
import { m } from '#lib/paraglide/messages.js';
import type { AuditRow } from '$contract/records.ts';
import type { Technician } from '$contract/views.ts';
import type { PageLoad } from './$types';

type Page = { rows: AuditRow[]; nextCursor: string | null };

// The filters live in the URL, so a filtered view can be bookmarked or shared, and Back undoes a filter.
export const load: PageLoad = async ({ fetch, parent, url }) => {
	const { me } = await parent();
	const filters = filtersFrom(url.searchParams);
	const empty = { filters, technicians: [] as Technician[], page: { rows: [], nextCursor: null } as Page, problem: '' };
	if (!me.rights.includes('administer')) return { allowed: false, ...empty };
	try {
		const [{ technicians }, page] = await Promise.all([
			api<{ technicians: Technician[] }>('GET', '/api/technicians', undefined, fetch),
			api<Page>('GET', `/api/audit${auditSearch(filters)}`, undefined, fetch).catch((err) => {
				// A filter the server refuses (a mistyped session id): said beside the form, not as a broken page.
				if (err instanceof ApiError && err.status === 400) return err.message;
				throw err;
			})
		]);
		if (typeof page === 'string') return { ...empty, allowed: true, technicians, problem: page };
		return { ...empty, allowed: true, technicians, page };
	} catch (err) {
		if (err instanceof ApiError && err.status === 403) return { allowed: false, ...empty };
		error(
			err instanceof ApiError && err.status >= 400 ? err.status : 503,
			err instanceof Error ? err.message : m.common_unreachable()
		);
	}
};
