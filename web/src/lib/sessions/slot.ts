/**
 * A message with a {slot} that the markup fills (a bold page, a clock, a
 * phone number): the message is asked for with SLOT in that place, and
 * around() gives the words before and after it.
 */
export const SLOT = '\u2063';

export function around(text: string): [string, string] {
	const i = text.indexOf(SLOT);
	return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + SLOT.length)];
}
