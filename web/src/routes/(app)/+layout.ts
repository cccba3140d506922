import { error, redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import type { Me } from '$contract/views.ts';
import type { LayoutLoad } from './$types';

// Every console and admin page needs the signed-in technician; without one, sign in first.
export const load: LayoutLoad = async ({ fetch, url, depends }) => {
	depends('loupe:me');
	try {
		const { technician } = await api<{ technician: Me }>('GET', '/api/auth/me', undefined, fetch);
		return { me: technician };
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) {
			redirect(307, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
		}
		const status = err instanceof ApiError && err.status >= 400 ? err.status : 503;
		error(status, err instanceof Error ? err.message : m.common_unreachable());
	}
};
