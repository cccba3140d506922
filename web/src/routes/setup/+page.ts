import { api, ApiError } from '#lib/api.ts';
import type { PageLoad } from './$types';

// The link printed at first start: /setup?token=… . A used or unknown token is a 404.
export const load: PageLoad = async ({ fetch, url }) => {
	const token = url.searchParams.get('token') ?? '';
	if (!token) return { token, valid: false, problem: '' };
	try {
		await api<{ valid: true }>('GET', `/api/setup/${encodeURIComponent(token)}`, undefined, fetch);
		return { token, valid: true, problem: '' };
	} catch (error) {
		if (error instanceof ApiError && error.status === 404) return { token, valid: false, problem: '' };
		return { token, valid: false, problem: error instanceof Error ? error.message : '' };
	}
};
