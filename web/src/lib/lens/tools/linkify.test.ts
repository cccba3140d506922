import { describe, expect, test } from 'bun:test';
import { linkify } from './linkify.ts';

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
