// Group rights in the words the UI uses for them; the order is the order shown.
export const RIGHTS = [
	{ value: 'administer', label: 'Administer Loupe' },
	{ value: 'start_lens_sessions', label: 'Start Lens sessions' },
	{ value: 'start_private_sessions', label: 'Start private sessions' },
	{ value: 'use_sms_method', label: 'Use the SMS method' },
	{ value: 'use_link_method', label: 'Use the link/PIN method' }
] as const;

export function rightLabel(value: string): string {
	return RIGHTS.find((r) => r.value === value)?.label ?? value;
}

/** The rights in display order, unknown ones last. */
export function sortRights(rights: readonly string[]): string[] {
	const order = (v: string) => {
		const i = RIGHTS.findIndex((r) => r.value === v);
		return i === -1 ? RIGHTS.length : i;
	};
	return [...rights].sort((a, b) => order(a) - order(b));
}

/** One line on what each right lets a technician do, shown in the group form. */
export const RIGHT_DESCRIPTIONS: Record<string, string> = {
	administer: 'Manage technicians, groups and settings.',
	start_lens_sessions: "See a customer's phone camera live, with voice.",
	start_private_sessions: 'Start sessions that only this technician can pick up.',
	use_sms_method: 'Send the customer a PIN and link by SMS.',
	use_link_method: 'Give the customer a link or PIN to open themselves.'
};
