// A chat message as pieces of text and http(s) links, for the template to
// show as text nodes and <a> elements (never as HTML): `<img onerror=…>`
// stays those characters, and `javascript:` or `data:` is never a link.
export type ChatPiece = { text: string } | { text: string; href: string };

// A URL runs to the next space; trailing punctuation of the sentence is not part of it.
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"’”]+$/;

export function chatPieces(text: string): ChatPiece[] {
	const pieces: ChatPiece[] = [];
	let last = 0;
	for (const match of text.matchAll(URL_RE)) {
		let url = match[0];
		const trail = url.match(TRAILING)?.[0] ?? '';
		// A closing bracket belongs to the URL when the URL opened one (Wikipedia links).
		if (trail.startsWith(')') && url.includes('(')) url = url.slice(0, url.length - trail.length + 1);
		else url = url.slice(0, url.length - trail.length);
		const start = match.index;
		const href = safeHref(url);
		if (!href) continue;
		if (start > last) pieces.push({ text: text.slice(last, start) });
		pieces.push({ text: url, href });
		last = start + url.length;
	}
	if (last < text.length) pieces.push({ text: text.slice(last) });
	return pieces;
}

/** The URL as the browser reads it, only when that is http or https. */
function safeHref(url: string): string | null {
	try {
		const parsed = new URL(url);
		return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
	} catch {
		return null;
	}
}
