import { describe, expect, test } from 'bun:test';
import { actionFor, type KeyInput, SHORTCUTS } from './shortcuts.ts';

const key = (k: string, over: Partial<KeyInput> = {}): KeyInput => ({
	key: k,
	ctrlKey: false,
	metaKey: false,
	altKey: false,
	target: { tagName: 'BODY' },
	...over
});

describe('tool shortcuts', () => {
	test('each tool’s letter, either case', () => {
		expect(actionFor(key('p'))).toBe('pointer');
		expect(actionFor(key('D'))).toBe('draw');
		expect(actionFor(key('f'))).toBe('freeze');
		expect(actionFor(key('s'))).toBe('snapshot');
		expect(actionFor(key('l'))).toBe('torch');
		expect(actionFor(key('x'))).toBe('clear');
	});

	test('every shown shortcut leads to its action', () => {
		for (const [action, k] of Object.entries(SHORTCUTS)) expect(actionFor(key(k))).toBe(action as never);
	});

	test('zoom on + and − (and = or _ on keyboards where + needs Shift); Escape cancels', () => {
		expect(actionFor(key('+'))).toBe('zoom_in');
		expect(actionFor(key('='))).toBe('zoom_in');
		expect(actionFor(key('-'))).toBe('zoom_out');
		expect(actionFor(key('Escape'))).toBe('cancel');
	});

	test('Ctrl+Z and ⌘Z undo; other Ctrl keys stay the browser’s', () => {
		expect(actionFor(key('z', { ctrlKey: true }))).toBe('undo');
		expect(actionFor(key('Z', { metaKey: true }))).toBe('undo');
		expect(actionFor(key('s', { ctrlKey: true }))).toBeNull();
		expect(actionFor(key('c', { metaKey: true }))).toBeNull();
		expect(actionFor(key('f', { altKey: true }))).toBeNull();
	});

	test('nothing while typing in the chat or a label', () => {
		expect(actionFor(key('s', { target: { tagName: 'TEXTAREA' } }))).toBeNull();
		expect(actionFor(key('f', { target: { tagName: 'INPUT' } }))).toBeNull();
		expect(actionFor(key('z', { ctrlKey: true, target: { tagName: 'TEXTAREA' } }))).toBeNull();
		expect(actionFor(key('Escape', { target: { tagName: 'DIV', isContentEditable: true } }))).toBeNull();
	});

	test('Enter outside a field or button goes to the chat', () => {
		expect(actionFor(key('Enter'))).toBe('chat');
	});

	test('other keys are left alone', () => {
		expect(actionFor(key('q'))).toBeNull();
		expect(actionFor(key('Enter', { target: { tagName: 'BUTTON' } }))).toBeNull();
	});
});
