/**
 * The "New session" form's rules that need no screen: the request body for
 * the chosen method, and where each of the server's complaints is shown.
 */
import type { ErrorDetail } from '#lib/api.ts';

export type Method = 'sms' | 'link' | 'email';
export type SmsLanguage = '' | 'en' | 'nl';

/**
 * `reference`: a ticket or case number, sent only when filled in (the server refuses an empty one).
 * `language` is the SMS's or e-mail's, the customer's.
 */
export function invitationBody(
	method: Method,
	name: string,
	phone: string,
	language: SmsLanguage,
	reference = '',
	email = ''
) {
	const ref = reference.trim() ? { reference: reference.trim() } : {};
	const lang = language ? { language } : {};
	if (method === 'sms') return { type: 'lens', name, method: 'sms', phone: phone.trim(), ...lang, ...ref };
	if (method === 'email') return { type: 'lens', name, method: 'email', email: email.trim(), ...lang, ...ref };
	return { type: 'lens', name, method: 'link', ...ref };
}

export type PlacedErrors = {
	error: string;
	nameError: string;
	phoneError: string;
	referenceError: string;
	emailError: string;
};

/** Beside the field when the server's complaint is about one, else at the top; said once. */
export function placeErrors(message: string, details: readonly ErrorDetail[]): PlacedErrors {
	let nameError = '';
	let phoneError = '';
	let referenceError = '';
	let emailError = '';
	for (const detail of details) {
		const raw = detail.path as unknown;
		const field = String(Array.isArray(raw) ? raw[0] : raw).split('.')[0];
		if (field === 'name') nameError = detail.message;
		else if (field === 'phone') phoneError = detail.message;
		else if (field === 'reference') referenceError = detail.message;
		else if (field === 'email') emailError = detail.message;
	}
	const error = [nameError, phoneError, referenceError, emailError].includes(message) ? '' : message;
	return { error, nameError, phoneError, referenceError, emailError };
}
