import { error } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import type { Report } from '$contract/records.ts';
import type { PageLoad } from './$types';

// The session's whole record (GET /api/sessions/:id/report); a session the technician may not see is a 404.
export const load: PageLoad = async ({ fetch, params, parent }) => {
	const { me } = await parent();
	try {
		const report = await api<Report>('GET', `/api/sessions/${encodeURIComponent(params.id)}/report`, undefined, fetch);
		return { me, report };
	} catch (err) {
		error(
			err instanceof ApiError && err.status >= 400 ? err.status : 503,
			err instanceof Error ? err.message : m.report_load_failed()
		);
	}
};
