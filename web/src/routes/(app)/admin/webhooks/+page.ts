import { error } from '@sveltejs/kit';
import { api, ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import type { WebhookView } from '$contract/org-schemas.ts';
import type { PageLoad } from './$types';

// Re-run after every change with invalidate('loupe:webhooks'), so the list shows the server's truth.
export const load: PageLoad = async ({ fetch, parent, depends }) => {
	depends('loupe:webhooks');
	const { me } = await parent();
	if (!me.rights.includes('administer')) return { allowed: false, webhooks: [] as WebhookView[] };
	try {
		const { webhooks } = await api<{ webhooks: WebhookView[] }>('GET', '/api/webhooks', undefined, fetch);
		return { allowed: true, webhooks };
	} catch (err) {
		if (err instanceof ApiError && err.status === 403) return { allowed: false, webhooks: [] as WebhookView[] };
		error(
			err instanceof ApiError && err.status >= 400 ? err.status : 503,
			err instanceof Error ? err.message : m.common_unreachable()
		);
	}
};
