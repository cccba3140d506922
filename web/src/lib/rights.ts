// Group rights in the words the UI uses for them (in the console's language);
// the order is the order shown.
import { m } from '#lib/paraglide/messages.js';

export const RIGHTS = [
	{ value: 'administer', label: m.right_administer, description: m.right_administer_description },
	{
		value: 'start_lens_sessions',
		label: m.right_start_lens_sessions,
		description: m.right_start_lens_sessions_description
	},
	{
		value: 'start_private_sessions',
		label: m.right_start_private_sessions,
		description: m.right_start_private_sessions_description
	},
	{ value: 'use_sms_method', label: m.right_use_sms_method, description: m.right_use_sms_method_description },
	{ value: 'use_link_method', label: m.right_use_link_method, description: m.right_use_link_method_description },
	{ value: 'use_email_method', label: m.right_use_email_method, description: m.right_use_email_method_description },
	{
		value: 'view_group_sessions',
		label: m.history_right_view_group_sessions,
		description: m.history_right_view_group_sessions_description
	}
] as const;

/** The right's name, called when shown so it follows the language switch. */
export function rightLabel(value: string): string {
	return RIGHTS.find((r) => r.value === value)?.label() ?? value;
}

/** One line on what the right lets a technician do, shown in the group form. */
export function rightDescription(value: string): string {
	return RIGHTS.find((r) => r.value === value)?.description() ?? '';
}

/** The rights in display order, unknown ones last. */
export function sortRights(rights: readonly string[]): string[] {
	const order = (v: string) => {
		const i = RIGHTS.findIndex((r) => r.value === v);
		return i === -1 ? RIGHTS.length : i;
	};
	return [...rights].sort((a, b) => order(a) - order(b));
}
