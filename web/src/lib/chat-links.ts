// A chat message as parts to show: plain text, and links for http(s) URLs
// only. The parts are rendered as text nodes and <a href> by Svelte (never as
// HTML), so markup in a message stays text; any other scheme (javascript:,
// data:, file:) is never a link.

export type ChatPart = { text: string; href?: string };

/** A run of non-space characters after http:// or https://. */
const URL_RUN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the URL ("see https://x.test/a."). */
const TRAILING = /[.,;:!?'")\]}]+$/;

export function linkify(text: string): ChatPart[] {
	const parts: ChatPart[] = [];
	let last = 0;
	const push = (part: ChatPart) => {
		const prev = parts.at(-1);
		if (!part.href && prev && !prev.href) prev.text += part.text;
		else if (part.text) parts.push(part);
	};
	for (const match of text.matchAll(URL_RUN)) {
		let run = match[0];
		// Keep a closing bracket the URL itself opened (https://en.wikipedia.org/wiki/X_(y)).
		const tail = run.match(TRAILING)?.[0] ?? '';
		if (tail) run = run.slice(0, run.length - tail.length);
		if (tail.startsWith(')') && run.includes('(')) run += ')';
		const href = safeHref(run);
		if (!href) continue;
		const start = match.index;
		push({ text: text.slice(last, start) });
		push({ text: run, href });
		last = start + run.length;
	}
	push({ text: text.slice(last) });
	return parts;
}

/** The URL as the browser will read it, only when it is http(s) with a host. */
function safeHref(candidate: string): string | null {
	try {
		const url = new URL(candidate);
		if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
		return url.href;
	} catch {
		return null;
	}
}
