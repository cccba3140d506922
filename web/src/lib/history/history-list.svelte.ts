// The History page's rows: the first page for the current filters, then
// "Load more" with the server's cursor. A newer load wins: the answer of a
// request made for older filters is dropped, so typing fast never shows the
// rows of a search already replaced.
import { api } from '#lib/api.ts';
import { errorMessage } from '#lib/i18n.svelte.ts';
import type { HistoryItem } from '$contract/records.ts';
import { type HistoryFilters, historyQuery, techniciansMet } from './history.ts';

type Page = { sessions: HistoryItem[]; nextCursor: string | null };

export class HistoryList {
	items = $state<HistoryItem[]>([]);
	next = $state<string | null>(null);
	loading = $state(false);
	loaded = $state(false);
	error = $state('');
	/** The technicians met in the rows loaded so far: a group viewer's technician filter. */
	met = $state<{ id: string; name: string }[]>([]);
	#generation = 0;

	constructor(private readonly fetcher: (path: string) => Promise<Page> = (path) => api<Page>('GET', path)) {}

	/** The first page for `filters`, replacing what is shown. */
	reload(filters: HistoryFilters): Promise<void> {
		return this.#load(filters, null);
	}

	/** The next (older) page, after what is shown. */
	more(filters: HistoryFilters): Promise<void> {
		return this.next ? this.#load(filters, this.next) : Promise.resolve();
	}

	async #load(filters: HistoryFilters, cursor: string | null): Promise<void> {
		const generation = ++this.#generation;
		this.loading = true;
		this.error = '';
		try {
			const page = await this.fetcher(historyQuery(filters, cursor));
			if (generation !== this.#generation) return;
			this.items = cursor ? [...this.items, ...page.sessions] : page.sessions;
			this.next = page.nextCursor;
			this.met = techniciansMet(this.met, page.sessions);
			this.loaded = true;
		} catch (err) {
			if (generation === this.#generation) this.error = errorMessage(err);
		} finally {
			if (generation === this.#generation) this.loading = false;
		}
	}
}
