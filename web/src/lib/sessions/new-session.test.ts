import { describe, expect, test } from 'bun:test';
import { invitationBody, placeErrors } from './new-session.ts';

describe('invitationBody', () => {
	test('an SMS carries the trimmed phone and the language only when one is chosen', () => {
		expect(invitationBody('sms', 'Boiler', ' +31 6 1 ', '')).toEqual({
			type: 'lens',
			name: 'Boiler',
			method: 'sms',
			phone: '+31 6 1'
		});
		expect(invitationBody('sms', 'Boiler', '+31', 'nl')).toMatchObject({ language: 'nl' });
	});

	test('a link carries no phone', () => {
		expect(invitationBody('link', 'Boiler', '+31', 'nl')).toEqual({ type: 'lens', name: 'Boiler', method: 'link' });
	});

	test('an e-mail carries the trimmed address and the language only when one is chosen, and no phone', () => {
		expect(invitationBody('email', 'Boiler', '+31', '', '', ' jan@example.test ')).toEqual({
			type: 'lens',
			name: 'Boiler',
			method: 'email',
			email: 'jan@example.test'
		});
		expect(invitationBody('email', 'Boiler', '', 'en', 'T-1', 'a@b.test')).toMatchObject({
			language: 'en',
			reference: 'T-1'
		});
	});

	test('a reference is sent trimmed, and only when filled in', () => {
		expect(invitationBody('link', 'Boiler', '', '', ' T-42 ')).toEqual({
			type: 'lens',
			name: 'Boiler',
			method: 'link',
			reference: 'T-42'
		});
		expect(invitationBody('sms', 'Boiler', '+31', '', 'T-42')).toMatchObject({ phone: '+31', reference: 'T-42' });
		expect(invitationBody('link', 'Boiler', '', '', '   ')).not.toHaveProperty('reference');
	});
});

describe('placeErrors', () => {
	test("the server's complaint about the reference is shown beside it", () => {
		const placed = placeErrors('At most 100 characters.', [{ path: 'reference', message: 'At most 100 characters.' }]);
		expect(placed).toMatchObject({ error: '', nameError: '', referenceError: 'At most 100 characters.' });
	});

	test('a complaint about a field is shown beside it and not again at the top', () => {
		const placed = placeErrors('Too long', [{ path: 'name', message: 'Too long' }]);
		expect(placed).toEqual({ error: '', nameError: 'Too long', phoneError: '', referenceError: '', emailError: '' });
	});

	test('a path given as an array or with a sub-field names its first field', () => {
		const raw = [{ path: ['phone', 0] as unknown as string, message: 'Not a number' }];
		expect(placeErrors('Not a number', raw).phoneError).toBe('Not a number');
		expect(placeErrors('x', [{ path: 'name.first', message: 'Bad' }]).nameError).toBe('Bad');
	});

	test("the server's complaint about the address is shown beside it", () => {
		expect(
			placeErrors('This is not a valid email address.', [
				{ path: 'email', message: 'This is not a valid email address.' }
			])
		).toMatchObject({
			error: '',
			emailError: 'This is not a valid email address.'
		});
	});

	test('a complaint about nothing in the form is shown at the top', () => {
		expect(placeErrors('Too many live sessions', [])).toEqual({
			error: 'Too many live sessions',
			nameError: '',
			phoneError: '',
			referenceError: '',
			emailError: ''
		});
	});
});
