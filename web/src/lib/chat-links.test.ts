import { describe, expect, test } from 'bun:test';
import { linkify } from './chat-links.ts';

const links = (text: string) => linkify(text).filter((p) => p.href);

describe('chat links', () => {
	test('an https URL in a sentence becomes a link; the words around it stay text', () => {
		expect(linkify('Manual: https://example.test/manual?id=7. Thanks')).toEqual([
			{ text: 'Manual: ' },
			{ text: 'https://example.test/manual?id=7', href: 'https://example.test/manual?id=7' },
			{ text: '. Thanks' }
		]);
	});

	test('http too, several per message, and a closing bracket the URL opened', () => {
		const found = links('(see http://a.test/x) and https://en.wikipedia.org/wiki/Fuse_(electrical)');
		expect(found.map((p) => p.href)).toEqual(['http://a.test/x', 'https://en.wikipedia.org/wiki/Fuse_(electrical)']);
	});

	test('javascript: and data: URLs are never links, and stay as they were typed', () => {
		for (const text of [
			'javascript:alert(1)',
			'data:text/html,<script>alert(1)</script>',
			'JaVaScRiPt:alert(document.cookie)'
		]) {
			expect(linkify(text)).toEqual([{ text }]);
		}
		// Not even hidden inside an http URL's words.
		expect(links('x javascript://https://evil.test')).toEqual([
			{ text: 'https://evil.test', href: 'https://evil.test/' }
		]);
	});

	test('markup stays text: <img onerror> is a text part, never an element', () => {
		const text = '<img src=x onerror="alert(1)">';
		expect(linkify(text)).toEqual([{ text }]);
		// A URL next to markup stops before the angle bracket and quote.
		expect(links('<a href="https://x.test/">hi</a>')).toEqual([{ text: 'https://x.test/', href: 'https://x.test/' }]);
	});

	test('a bare scheme with no host is text', () => {
		expect(linkify('https:// nothing')).toEqual([{ text: 'https:// nothing' }]);
	});
});

describe('chat text and links, as the console shows them', () => {
	test('plain text is one piece, markup included, as characters', () => {
		expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }]);
	});

	test('an https URL in a sentence becomes a link; the full stop after it does not', () => {
		expect(linkify('See https://example.com/manual?p=3. Thanks')).toEqual([
			{ text: 'See ' },
			{ text: 'https://example.com/manual?p=3', href: 'https://example.com/manual?p=3' },
			{ text: '. Thanks' }
		]);
	});

	test('http links too, several in one message', () => {
		const pieces = linkify('a http://a.test b https://b.test/x');
		expect(pieces.filter((p) => 'href' in p).map((p) => p.text)).toEqual(['http://a.test', 'https://b.test/x']);
	});

	test('other schemes stay text', () => {
		for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://files.test/a', 'mailto:a@b.test'])
			expect(linkify(text)).toEqual([{ text }]);
	});

	test('a URL cannot break out into markup: quotes and angle brackets end it', () => {
		const pieces = linkify('https://x.test/"onmouseover="alert(1)');
		expect(pieces[0]).toEqual({ text: 'https://x.test/', href: 'https://x.test/' });
		expect(pieces.map((p) => p.text).join('')).toBe('https://x.test/"onmouseover="alert(1)');
	});

	test('a bracket the URL opened stays in it', () => {
		expect(linkify('(https://en.wikipedia.org/wiki/Fuse_(electrical))')[1]).toEqual({
			text: 'https://en.wikipedia.org/wiki/Fuse_(electrical)',
			href: 'https://en.wikipedia.org/wiki/Fuse_(electrical)'
		});
	});
});
