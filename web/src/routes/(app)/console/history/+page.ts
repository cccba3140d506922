import { api } from '#lib/api.ts';
import type { Technician } from '$contract/views.ts';
import type { PageLoad } from './$types';

// An administrator filters by any technician (GET /api/technicians is theirs);
// a group viewer by those met in the rows (src/lib/history/history.ts); anyone
// else sees only their own sessions and gets no technician filter.
export const load: PageLoad = async ({ fetch, parent }) => {
	const { me } = await parent();
	if (!me.rights.includes('administer')) return { technicians: null };
	try {
		const { technicians } = await api<{ technicians: Technician[] }>('GET', '/api/technicians', undefined, fetch);
		return { technicians: technicians.map((t) => ({ id: t.id, name: t.name })) };
	} catch {
		// The list still works without the filter's names: those met in the rows stand in.
		return { technicians: null };
	}
};
