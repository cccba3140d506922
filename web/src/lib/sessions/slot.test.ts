import { describe, expect, test } from 'bun:test';
import { around, SLOT } from './slot.ts';

describe('around', () => {
	test('gives the words before and after the slot', () => {
		expect(around(`Expires in ${SLOT} minutes`)).toEqual(['Expires in ', ' minutes']);
	});

	test('a message without the slot is all before it', () => {
		expect(around('No slot here')).toEqual(['No slot here', '']);
	});
});
