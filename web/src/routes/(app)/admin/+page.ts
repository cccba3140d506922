import { error } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import type { TokenView } from '$contract/org-schemas.ts';
import type { Group, Technician } from '$contract/views.ts';
import type { PageLoad } from './$types';

// Re-run after every change with invalidate('loupe:admin'), so the tables always show the server's truth.
export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('loupe:admin');
	const { me } = await parent();
	const denied = { allowed: false, groups: [], technicians: [], tokens: [] };
	if (!me.rights.includes('administer')) return denied;
	try {
		const [{ groups }, { technicians }, { tokens }] = await Promise.all([
			api<{ groups: Group[] }>('GET', '/api/groups', undefined, fetch),
			api<{ technicians: Technician[] }>('GET', '/api/technicians', undefined, fetch),
			api<{ tokens: TokenView[] }>('GET', '/api/tokens', undefined, fetch)
		]);
		return { allowed: true, groups, technicians, tokens };
	} catch (err) {
		if (err instanceof ApiError && err.status === 403) return denied;
		error(
			err instanceof ApiError && err.status >= 400 ? err.status : 503,
			err instanceof Error ? err.message : m.common_unreachable()
		);
	}
};
