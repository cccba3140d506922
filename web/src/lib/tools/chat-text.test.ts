import { describe, expect, test } from 'bun:test';
import { chatPieces } from './chat-text.ts';

describe('chat text and links', () => {
	test('plain text is one piece, markup included, as characters', () => {
		expect(chatPieces('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }]);
	});

	test('an https URL in a sentence becomes a link; the full stop after it does not', () => {
		expect(chatPieces('See https://example.com/manual?p=3. Thanks')).toEqual([
			{ text: 'See ' },
			{ text: 'https://example.com/manual?p=3', href: 'https://example.com/manual?p=3' },
			{ text: '. Thanks' }
		]);
	});

	test('http links too, several in one message', () => {
		const pieces = chatPieces('a http://a.test b https://b.test/x');
		expect(pieces.filter((p) => 'href' in p).map((p) => p.text)).toEqual(['http://a.test', 'https://b.test/x']);
	});

	test('other schemes stay text', () => {
		for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://files.test/a', 'mailto:a@b.test'])
			expect(chatPieces(text)).toEqual([{ text }]);
	});

	test('a URL cannot break out into markup: quotes and angle brackets end it', () => {
		const pieces = chatPieces('https://x.test/"onmouseover="alert(1)');
		expect(pieces[0]).toEqual({ text: 'https://x.test/', href: 'https://x.test/' });
		expect(pieces.map((p) => p.text).join('')).toBe('https://x.test/"onmouseover="alert(1)');
	});

	test('a bracket the URL opened stays in it', () => {
		expect(chatPieces('(https://en.wikipedia.org/wiki/Fuse_(electrical))')[1]).toEqual({
			text: 'https://en.wikipedia.org/wiki/Fuse_(electrical)',
			href: 'https://en.wikipedia.org/wiki/Fuse_(electrical)'
		});
	});
});
