// Times and durations in the console's language.
import { intlLocale } from '#lib/i18n.svelte.ts';
import { m } from '#lib/paraglide/messages.js';

/** "Never" for a missing timestamp, else a short date and time. */
export function formatDateTime(iso: string | null): string {
	if (!iso) return m.format_never();
	const date = new Date(iso);
	return Number.isNaN(date.getTime())
		? '—'
		: new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "20 minutes", "2 hours": whole hours as hours. */
export function formatMinutes(minutes: number): string {
	if (minutes % 60 === 0 && minutes >= 60) {
		const hours = minutes / 60;
		return hours === 1 ? m.format_hour() : m.format_hours({ count: hours });
	}
	return minutes === 1 ? m.format_minute() : m.format_minutes({ count: minutes });
}
