import { error } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import type { TokenView } from '$contract/org-schemas.ts';
import type { PageLoad } from './$types';

// Re-run after every change with invalidate('loupe:tokens'): the list is the server's.
export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('loupe:tokens');
	const { me } = await parent();
	try {
		const { tokens } = await api<{ tokens: TokenView[] }>('GET', '/api/tokens', undefined, fetch);
		// An administrator's list holds everyone's; this page is the caller's own (the admin page has the rest).
		return { tokens: tokens.filter((t) => t.technicianId === me.id) };
	} catch (err) {
		error(
			err instanceof ApiError && err.status >= 400 ? err.status : 503,
			err instanceof Error ? err.message : m.common_unreachable()
		);
	}
};
