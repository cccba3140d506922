import { redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import type { Me } from '$contract/views.ts';
import type { PageLoad } from './$types';

// "/" has no page of its own: signed-in technicians go to the console.
export const load: PageLoad = async ({ fetch }) => {
	try {
		await api<{ technician: Me }>('GET', '/api/auth/me', undefined, fetch);
	} catch (error) {
		if (error instanceof ApiError && error.status === 401) redirect(307, '/login');
	}
	redirect(307, '/console');
};
