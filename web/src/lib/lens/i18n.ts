// Every word the customer's Lens pages show, in English and Dutch. The texts
// are Paraglide messages (web/messages/lens/{en,nl}.json, prefixed lens_,
// compiled by scripts/i18n-compile.ts into one module per message): this table
// maps the keys the Lens's screens use (`t('pin.title')`) onto those message
// functions. Only lens_ messages are named here, so the Lens's bundle holds its
// own strings and none of the console's (scripts/lens-budget.ts checks the path);
// src/i18n/catalogue.test.ts checks that every key here exists in both
// catalogues and that every Lens message is used.
//
// The language is passed to each message explicitly (`{ locale }`), so the
// Lens never depends on Paraglide's global getLocale (the console points that
// at its own state in #lib/i18n.svelte.ts).
import { m } from '#lib/paraglide/messages.js';
import { isLocale, localStorageKey, locales, type Locale } from '#lib/paraglide/runtime.js';

export type Lang = Locale;

const table = {
	'app.title': m.lens_app_title,
	'common.continue': m.lens_common_continue,
	'common.retry': m.lens_common_retry,
	'common.network': m.lens_common_network,
	'common.error': m.lens_common_error,
	'common.loading': m.lens_common_loading,
	'pin.title': m.lens_pin_title,
	'pin.intro': m.lens_pin_intro,
	'pin.label': m.lens_pin_label,
	'pin.hint': m.lens_pin_hint,
	'pin.incomplete': m.lens_pin_incomplete,
	'pin.notFound': m.lens_pin_not_found,
	'pin.tooMany': m.lens_pin_too_many,
	'pin.checking': m.lens_pin_checking,
	'invalid.title': m.lens_invalid_title,
	'invalid.body': m.lens_invalid_body,
	'invalid.what': m.lens_invalid_what,
	'invalid.enterPin': m.lens_invalid_enter_pin,
	'invalid.tooMany': m.lens_invalid_too_many,
	'tutorial.title': m.lens_tutorial_title,
	'tutorial.step1.title': m.lens_tutorial_step1_title,
	'tutorial.step1.body': m.lens_tutorial_step1_body,
	'tutorial.step2.title': m.lens_tutorial_step2_title,
	'tutorial.step2.body': m.lens_tutorial_step2_body,
	'tutorial.step3.title': m.lens_tutorial_step3_title,
	'tutorial.step3.body': m.lens_tutorial_step3_body,
	'tutorial.skip': m.lens_tutorial_skip,
	'tutorial.ok': m.lens_tutorial_ok,
	'permission.title': m.lens_permission_title,
	'permission.body': m.lens_permission_body,
	'permission.resumed': m.lens_permission_resumed,
	'permission.allow': m.lens_permission_allow,
	'permission.asking': m.lens_permission_asking,
	'permission.previewNote': m.lens_permission_preview_note,
	'permission.denied': m.lens_permission_denied,
	'permission.notFound': m.lens_permission_not_found,
	'permission.busy': m.lens_permission_busy,
	'permission.unsupported': m.lens_permission_unsupported,
	'permission.other': m.lens_permission_other,
	'permission.previewLabel': m.lens_permission_preview_label,
	'eula.title': m.lens_eula_title,
	'eula.intro': m.lens_eula_intro,
	'eula.accept': m.lens_eula_accept,
	'eula.decline': m.lens_eula_decline,
	'eula.textLabel': m.lens_eula_text_label,
	'waiting.title': m.lens_waiting_title,
	'waiting.body': m.lens_waiting_body,
	'waiting.bodyNoName': m.lens_waiting_body_no_name,
	'waiting.active': m.lens_waiting_active,
	'waiting.onHold': m.lens_waiting_on_hold,
	'waiting.reconnecting': m.lens_waiting_reconnecting,
	'waiting.previewNote': m.lens_waiting_preview_note,
	'unsupported.inAppTitle': m.lens_unsupported_in_app_title,
	'unsupported.inAppBody': m.lens_unsupported_in_app_body,
	'unsupported.copy': m.lens_unsupported_copy,
	'unsupported.copied': m.lens_unsupported_copied,
	'unsupported.openChrome': m.lens_unsupported_open_chrome,
	'unsupported.iosSteps': m.lens_unsupported_ios_steps,
	'unsupported.androidSteps': m.lens_unsupported_android_steps,
	'unsupported.title': m.lens_unsupported_title,
	'unsupported.body': m.lens_unsupported_body,
	'unsupported.insecure': m.lens_unsupported_insecure,
	'unsupported.store': m.lens_unsupported_store,
	'unsupported.storeBody': m.lens_unsupported_store_body,
	'unsupported.storeLink': m.lens_unsupported_store_link,
	'permission.help.title': m.lens_permission_help_title,
	'permission.help.chrome-android': m.lens_permission_help_chrome_android,
	'permission.help.samsung': m.lens_permission_help_samsung,
	'permission.help.firefox': m.lens_permission_help_firefox,
	'permission.help.safari-ios': m.lens_permission_help_safari_ios,
	'permission.help.chrome-ios': m.lens_permission_help_chrome_ios,
	'permission.help.edge': m.lens_permission_help_edge,
	'permission.help.other': m.lens_permission_help_other,
	'camera.switch': m.lens_camera_switch,
	'live.title': m.lens_live_title,
	'live.titleNoName': m.lens_live_title_no_name,
	'live.connecting': m.lens_live_connecting,
	'live.onHold': m.lens_live_on_hold,
	'live.interrupted': m.lens_live_interrupted,
	'live.mediaUnusable': m.lens_live_media_unusable,
	'live.mediaRefused': m.lens_live_media_refused,
	'live.displaced': m.lens_live_displaced,
	'live.useHere': m.lens_live_use_here,
	'live.mute': m.lens_live_mute,
	'live.unmute': m.lens_live_unmute,
	'live.cameraOff': m.lens_live_camera_off,
	'live.cameraOn': m.lens_live_camera_on,
	'live.end': m.lens_live_end,
	'live.endConfirm': m.lens_live_end_confirm,
	'live.endYes': m.lens_live_end_yes,
	'live.endNo': m.lens_live_end_no,
	'live.technicianMuted': m.lens_live_technician_muted,
	'live.cameraPaused': m.lens_live_camera_paused,
	'live.tapToHear': m.lens_live_tap_to_hear,
	'live.previewLabel': m.lens_live_preview_label,
	'ended.title': m.lens_ended_title,
	'ended.body': m.lens_ended_body,
	'ended.declined': m.lens_ended_declined,
	'ended.expired': m.lens_ended_expired,
	'problem.title': m.lens_problem_title,
	'language.label': m.lens_language_label,
	'tools.frozen': m.lens_tools_frozen,
	'tools.torch': m.lens_tools_torch,
	'tools.zoom': m.lens_tools_zoom,
	'tools.photo': m.lens_tools_photo,
	'tools.chat': m.lens_tools_chat,
	'tools.chatClose': m.lens_tools_chat_close,
	'tools.chatUnread': m.lens_tools_chat_unread,
	'tools.chatYou': m.lens_tools_chat_you,
	'tools.chatTechnician': m.lens_tools_chat_technician,
	'tools.chatEmpty': m.lens_tools_chat_empty,
	'tools.chatInput': m.lens_tools_chat_input,
	'tools.chatSend': m.lens_tools_chat_send,
	'tools.chatFailed': m.lens_tools_chat_failed,
	'recording.notice': m.lens_recording_notice,
	'recording.mark': m.lens_recording_mark
} as const;

export type MessageKey = keyof typeof table;

type AnyMessage = (inputs: Record<string, string>, options: { locale: Lang }) => string;

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string> = {}): string {
	return (table[key] as AnyMessage)(vars, { locale: lang });
}

/** Each language in its own words, for the switch. */
export const LANGUAGES: readonly { lang: Lang; code: string; name: string }[] = [
	{ lang: 'en', code: 'EN', name: 'English' },
	{ lang: 'nl', code: 'NL', name: 'Nederlands' }
];

/** The browser's first language the Lens speaks (Dutch for nl*), else English. */
export function browserLang(): Lang {
	if (typeof navigator === 'undefined') return 'en';
	for (const tag of navigator.languages?.length ? navigator.languages : [navigator.language]) {
		const base = (tag ?? '').toLowerCase().split('-')[0];
		const found = locales.find((l) => l === base);
		if (found) return found;
	}
	return 'en';
}

/**
 * The language the customer chose on this device, if any. The same key as the
 * console's switch (Paraglide's localStorageKey): one choice per browser.
 */
export function storedLang(): Lang | undefined {
	try {
		const value = localStorage.getItem(localStorageKey);
		return value && isLocale(value) ? value : undefined;
	} catch {
		return undefined; // storage blocked (private mode, settings): no remembered choice
	}
}

export function storeLang(lang: Lang) {
	try {
		localStorage.setItem(localStorageKey, lang);
	} catch {
		/* switched, but not remembered */
	}
}
