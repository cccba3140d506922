// The console's language: English or Dutch, from the technician's own choice
// (the switch in the top bar and on the sign-in page, kept in localStorage),
// else the browser's languages, else English. The texts themselves are
// Paraglide messages (web/messages/*.json, compiled into ./paraglide by
// scripts/i18n-compile.ts): `m.console_title()` and so on.
//
// Paraglide's getLocale() is pointed at a Svelte state here, so every message
// a component shows re-renders when the language changes: switching keeps open
// dialogs, forms and the live session as they are, no reload needed.
import { ApiError } from '#lib/api.ts';
import { m } from '#lib/paraglide/messages.js';
import {
	baseLocale,
	isLocale,
	localStorageKey,
	locales,
	overwriteGetLocale,
	type Locale
} from '#lib/paraglide/runtime.js';

export type { Locale };

/** Each language in its own words, for the switch. */
export const LANGUAGES: readonly { locale: Locale; name: string }[] = [
	{ locale: 'en', name: 'English' },
	{ locale: 'nl', name: 'Nederlands' }
];

function storedChoice(): Locale | undefined {
	try {
		const value = localStorage.getItem(localStorageKey);
		return value && isLocale(value) ? value : undefined;
	} catch {
		return undefined; // storage blocked (privacy settings): the browser's language it is
	}
}

function browserLocale(): Locale | undefined {
	for (const tag of navigator.languages ?? [navigator.language]) {
		const base = tag.toLowerCase().split('-')[0];
		const found = locales.find((l) => l === base);
		if (found) return found;
	}
	return undefined;
}

const current = $state<{ locale: Locale }>({ locale: storedChoice() ?? browserLocale() ?? baseLocale });
overwriteGetLocale(() => current.locale);

/** The language the console speaks now (reactive). */
export function locale(): Locale {
	return current.locale;
}

/** Switches the console's language at once and remembers it for the next visit. */
export function setLanguage(next: Locale) {
	if (!isLocale(next)) return;
	current.locale = next;
	try {
		localStorage.setItem(localStorageKey, next);
	} catch {
		/* not remembered, but switched */
	}
	document.documentElement.lang = next;
}

/**
 * Keeps <html lang> on the console's language while the calling component is
 * mounted (the console layout, the sign-in and setup pages). Call during init.
 */
export function useDocumentLanguage() {
	$effect(() => {
		document.documentElement.lang = current.locale;
	});
}

/**
 * The locale for Intl formatting: the browser's own variant when it speaks the
 * chosen language (en-GB keeps its 24-hour clock), else the chosen language.
 */
export function intlLocale(): string {
	const chosen = current.locale;
	const own = (navigator.languages ?? [navigator.language]).find((tag) => tag.toLowerCase().split('-')[0] === chosen);
	return own ?? chosen;
}

/**
 * A message to show for anything a request threw: the server's own words when
 * it gave some, else this side's, in the console's language.
 */
export function errorMessage(error: unknown): string {
	if (error instanceof ApiError) {
		// api.ts's own words (no answer, or an answer without a message) are English: say them here instead.
		if (error.code === 'network') return m.common_network_error();
		if (error.message === `The server answered ${error.status}. Try again.`)
			return m.common_server_answered({ status: String(error.status) });
	}
	return error instanceof Error ? error.message : m.common_something_wrong();
}
