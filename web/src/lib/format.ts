const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Never" for a missing timestamp, else a short local date and time. */
export function formatDateTime(iso: string | null): string {
	if (!iso) return 'Never';
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

export function formatMinutes(minutes: number): string {
	if (minutes % 60 === 0 && minutes >= 60) {
		const hours = minutes / 60;
		return hours === 1 ? '1 hour' : `${hours} hours`;
	}
	return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
