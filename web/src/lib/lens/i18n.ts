// Every word the customer's Lens pages show, in English and Dutch. A stopgap:
// a compile-time i18n library replaces this, so keys are grouped by screen
// and texts use {name}-style placeholders only.

export type Lang = 'en' | 'nl';

const en = {
	'app.title': 'Loupe Lens',

	'common.continue': 'Continue',
	'common.retry': 'Try again',
	'common.network': 'Loupe cannot be reached. Check your internet connection and try again.',
	'common.error': 'Something went wrong. Try again.',
	'common.loading': 'Loading…',

	'pin.title': 'Enter the 6-digit PIN from your technician',
	'pin.intro': 'Your technician gave you a PIN by SMS or on the phone.',
	'pin.label': 'PIN',
	'pin.hint': 'Six digits, for example 123456.',
	'pin.incomplete': 'The PIN has 6 digits.',
	'pin.notFound': 'This PIN does not work. Check the digits, or ask your technician for a new PIN.',
	'pin.tooMany': 'Too many attempts. Wait a few minutes, then try again.',
	'pin.checking': 'Checking…',

	'invalid.title': 'This link is no longer valid',
	'invalid.body': 'The link has expired, was already used, or the session was cancelled.',
	'invalid.what': 'Ask your technician for a new link, or enter the PIN they gave you.',
	'invalid.enterPin': 'Enter a PIN',
	'invalid.tooMany': 'Too many attempts from this connection. Wait a few minutes, then open the link again.',

	'tutorial.title': 'How this works',
	'tutorial.step1.title': 'Allow your camera',
	'tutorial.step1.body': 'Your phone asks for the camera and microphone. Nothing is sent yet.',
	'tutorial.step2.title': 'Your technician starts',
	'tutorial.step2.body': 'When you allow it and your technician starts, they see what your camera sees and you can talk.',
	'tutorial.step3.title': 'Stop at any time',
	'tutorial.step3.body': 'Close this page whenever you like: your technician stops seeing your camera at once.',
	'tutorial.skip': 'Skip',
	'tutorial.ok': 'OK',

	'permission.title': 'Camera and microphone',
	'permission.body':
		'Your technician needs to see what your camera sees and to talk with you. Your phone will ask for permission: tap Allow.',
	'permission.resumed': 'The page was reloaded, so your phone needs to allow the camera once more.',
	'permission.allow': 'Allow camera and microphone',
	'permission.asking': 'Waiting for your answer…',
	'permission.previewNote': 'Only you can see this. Nothing is sent until your technician starts.',
	'permission.denied':
		'Camera and microphone are blocked. Allow them for this site in your browser’s settings (often the icon next to the address), then try again.',
	'permission.notFound': 'No camera or microphone was found on this device.',
	'permission.busy': 'The camera is in use by another app. Close that app, then try again.',
	'permission.unsupported':
		'This browser cannot use the camera here. Open the link in your phone’s own browser, such as Safari or Chrome.',
	'permission.other': 'The camera could not be started. Try again.',
	'permission.previewLabel': 'Your camera',

	'eula.title': 'Before we start',
	'eula.intro': 'Please read and accept the terms of use.',
	'eula.accept': 'Accept',
	'eula.decline': 'Decline',
	'eula.textLabel': 'Terms of use',

	'waiting.title': 'Waiting for your technician',
	'waiting.body': '{technician} will start the session soon. Keep this page open.',
	'waiting.bodyNoName': 'Your technician will start the session soon. Keep this page open.',
	'waiting.active': '{technician} has started the session.',
	'waiting.onHold': 'Your technician has put the session on hold.',
	'waiting.reconnecting': 'Connection lost. Reconnecting…',
	'waiting.previewNote': 'Only you can see this until your technician starts.',

	'unsupported.inAppTitle': 'Open this page in your browser',
	'unsupported.inAppBody': 'The browser inside {app} cannot use your camera. Open the link in your phone’s own browser to continue.',
	'unsupported.copy': 'Copy the link',
	'unsupported.copied': 'Link copied. Paste it into your browser’s address bar.',
	'unsupported.openChrome': 'Open in Chrome',
	'unsupported.iosSteps': 'Tap ••• or the share button at the bottom or top of the screen, then choose “Open in Safari” (or “Open in browser”).',
	'unsupported.androidSteps': 'Or tap ⋮ at the top of the screen and choose “Open in Chrome” (or “Open in browser”).',
	'unsupported.title': 'This browser cannot show your camera',
	'unsupported.body': 'Open the link in an up-to-date Chrome, Safari, Firefox, Edge or Samsung Internet. If nothing works, call your technician: they can help another way.',
	'unsupported.insecure': 'This page was not opened over a secure connection (https), so the browser keeps the camera closed. Tell your technician.',
	'unsupported.store': 'Opening the app store…',
	'unsupported.storeBody': 'Your phone’s browsers cannot do video calls. Install the app to continue.',
	'unsupported.storeLink': 'Open the app store',

	'permission.help.title': 'How to allow the camera again',
	'permission.help.chrome-android': 'Tap the icon left of the address (a lock or sliders) → Permissions → turn on Camera and Microphone. Then tap Try again.',
	'permission.help.samsung': 'Tap the lock left of the address → Permissions → allow Camera and Microphone. Then tap Try again.',
	'permission.help.firefox': 'Tap the lock left of the address → clear the blocked Camera and Microphone permissions. Then tap Try again.',
	'permission.help.safari-ios': 'Tap “aA” in the address bar → Website Settings → set Camera and Microphone to Allow. Then tap Try again. Still blocked? Settings → Safari → Camera / Microphone → Allow.',
	'permission.help.chrome-ios': 'Open Settings → Chrome → turn on Camera and Microphone. Come back here and tap Try again.',
	'permission.help.edge': 'Tap the lock left of the address → Permissions for this site → allow Camera and Microphone. Then tap Try again.',
	'permission.help.other': 'Open your browser’s settings for this site (often the icon left of the address) and allow Camera and Microphone. Then tap Try again.',
	'camera.switch': 'Switch camera',

	'live.title': 'You are live with {technician}',
	'live.titleNoName': 'You are live with your technician',
	'live.connecting': 'Connecting your camera…',
	'live.onHold': 'On hold: your technician paused the session. Your camera and microphone are not sent.',
	'live.interrupted': 'The connection is being restored…',
	'live.displaced': 'This session is open in another tab or window, which now has your camera.',
	'live.useHere': 'Use it here',
	'live.mute': 'Mute',
	'live.unmute': 'Unmute',
	'live.cameraOff': 'Stop camera',
	'live.cameraOn': 'Share camera',
	'live.end': 'End session',
	'live.endConfirm': 'End the session? Your technician will no longer see your camera.',
	'live.endYes': 'End',
	'live.endNo': 'Keep going',
	'live.technicianMuted': 'Your technician muted their microphone.',
	'live.cameraPaused': 'Your camera is off: your technician sees nothing.',
	'live.tapToHear': 'Tap to hear your technician',
	'live.previewLabel': 'What your technician sees',

	'ended.title': 'Session ended',
	'ended.body': 'The session has ended. You can close this page.',
	'ended.declined': 'You declined the terms, so the session has ended. You can close this page.',
	'ended.expired': 'This invitation has expired. Ask your technician for a new one.'
} as const;

export type MessageKey = keyof typeof en;

const nl: Record<MessageKey, string> = {
	'app.title': 'Loupe Lens',

	'common.continue': 'Doorgaan',
	'common.retry': 'Opnieuw proberen',
	'common.network': 'Loupe is niet bereikbaar. Controleer je internetverbinding en probeer het opnieuw.',
	'common.error': 'Er ging iets mis. Probeer het opnieuw.',
	'common.loading': 'Laden…',

	'pin.title': 'Voer de 6-cijferige pincode van je technicus in',
	'pin.intro': 'Je technicus heeft je een pincode gegeven per sms of telefoon.',
	'pin.label': 'Pincode',
	'pin.hint': 'Zes cijfers, bijvoorbeeld 123456.',
	'pin.incomplete': 'De pincode heeft 6 cijfers.',
	'pin.notFound': 'Deze pincode werkt niet. Controleer de cijfers of vraag je technicus om een nieuwe pincode.',
	'pin.tooMany': 'Te veel pogingen. Wacht een paar minuten en probeer het dan opnieuw.',
	'pin.checking': 'Controleren…',

	'invalid.title': 'Deze link is niet meer geldig',
	'invalid.body': 'De link is verlopen, al gebruikt, of de sessie is geannuleerd.',
	'invalid.what': 'Vraag je technicus om een nieuwe link, of voer de pincode in die je hebt gekregen.',
	'invalid.enterPin': 'Pincode invoeren',
	'invalid.tooMany': 'Te veel pogingen vanaf deze verbinding. Wacht een paar minuten en open de link dan opnieuw.',

	'tutorial.title': 'Zo werkt het',
	'tutorial.step1.title': 'Geef toegang tot je camera',
	'tutorial.step1.body': 'Je telefoon vraagt om de camera en microfoon. Er wordt nog niets verstuurd.',
	'tutorial.step2.title': 'Je technicus start',
	'tutorial.step2.body': 'Als je toestemming geeft en je technicus start, ziet die wat je camera ziet en kunnen jullie praten.',
	'tutorial.step3.title': 'Stop wanneer je wilt',
	'tutorial.step3.body': 'Sluit deze pagina wanneer je wilt: je technicus ziet je camera dan meteen niet meer.',
	'tutorial.skip': 'Overslaan',
	'tutorial.ok': 'OK',

	'permission.title': 'Camera en microfoon',
	'permission.body':
		'Je technicus moet kunnen zien wat je camera ziet en met je kunnen praten. Je telefoon vraagt om toestemming: tik op Toestaan.',
	'permission.resumed': 'De pagina is opnieuw geladen, dus je telefoon moet de camera nog een keer toestaan.',
	'permission.allow': 'Camera en microfoon toestaan',
	'permission.asking': 'Wachten op je antwoord…',
	'permission.previewNote': 'Alleen jij ziet dit. Er wordt niets verstuurd tot je technicus start.',
	'permission.denied':
		'Camera en microfoon zijn geblokkeerd. Sta ze toe voor deze site in de instellingen van je browser (vaak het pictogram naast het adres) en probeer het opnieuw.',
	'permission.notFound': 'Er is geen camera of microfoon gevonden op dit apparaat.',
	'permission.busy': 'De camera wordt door een andere app gebruikt. Sluit die app en probeer het opnieuw.',
	'permission.unsupported':
		'Deze browser kan de camera hier niet gebruiken. Open de link in de eigen browser van je telefoon, zoals Safari of Chrome.',
	'permission.other': 'De camera kon niet worden gestart. Probeer het opnieuw.',
	'permission.previewLabel': 'Je camera',

	'eula.title': 'Voordat we beginnen',
	'eula.intro': 'Lees de gebruiksvoorwaarden en ga ermee akkoord.',
	'eula.accept': 'Akkoord',
	'eula.decline': 'Weigeren',
	'eula.textLabel': 'Gebruiksvoorwaarden',

	'waiting.title': 'Wachten op je technicus',
	'waiting.body': '{technician} start de sessie zo. Houd deze pagina open.',
	'waiting.bodyNoName': 'Je technicus start de sessie zo. Houd deze pagina open.',
	'waiting.active': '{technician} heeft de sessie gestart.',
	'waiting.onHold': 'Je technicus heeft de sessie in de wacht gezet.',
	'waiting.reconnecting': 'Verbinding verbroken. Opnieuw verbinden…',
	'waiting.previewNote': 'Alleen jij ziet dit tot je technicus start.',

	'unsupported.inAppTitle': 'Open deze pagina in je browser',
	'unsupported.inAppBody': 'De browser in {app} kan je camera niet gebruiken. Open de link in de gewone browser van je telefoon om verder te gaan.',
	'unsupported.copy': 'Link kopiëren',
	'unsupported.copied': 'Link gekopieerd. Plak hem in de adresbalk van je browser.',
	'unsupported.openChrome': 'Openen in Chrome',
	'unsupported.iosSteps': 'Tik op ••• of de deelknop onder- of bovenaan het scherm en kies „Open in Safari” (of „Open in browser”).',
	'unsupported.androidSteps': 'Of tik bovenaan op ⋮ en kies „Openen in Chrome” (of „Openen in browser”).',
	'unsupported.title': 'Deze browser kan je camera niet laten zien',
	'unsupported.body': 'Open de link in een recente Chrome, Safari, Firefox, Edge of Samsung Internet. Lukt het niet, bel dan je technicus: die helpt je op een andere manier.',
	'unsupported.insecure': 'Deze pagina is niet via een beveiligde verbinding (https) geopend, dus de browser houdt de camera dicht. Laat het je technicus weten.',
	'unsupported.store': 'De app store wordt geopend…',
	'unsupported.storeBody': 'De browsers op je telefoon kunnen geen videogesprek voeren. Installeer de app om verder te gaan.',
	'unsupported.storeLink': 'Open de app store',

	'permission.help.title': 'Zo zet je de camera weer aan',
	'permission.help.chrome-android': 'Tik op het icoon links van het adres (een slotje of schuifjes) → Rechten → zet Camera en Microfoon aan. Tik daarna op Opnieuw proberen.',
	'permission.help.samsung': 'Tik op het slotje links van het adres → Machtigingen → sta Camera en Microfoon toe. Tik daarna op Opnieuw proberen.',
	'permission.help.firefox': 'Tik op het slotje links van het adres → wis de geblokkeerde rechten voor Camera en Microfoon. Tik daarna op Opnieuw proberen.',
	'permission.help.safari-ios': 'Tik op „aA” in de adresbalk → Website-instellingen → zet Camera en Microfoon op Sta toe. Tik daarna op Opnieuw proberen. Nog steeds geblokkeerd? Instellingen → Safari → Camera / Microfoon → Sta toe.',
	'permission.help.chrome-ios': 'Open Instellingen → Chrome → zet Camera en Microfoon aan. Kom terug en tik op Opnieuw proberen.',
	'permission.help.edge': 'Tik op het slotje links van het adres → Machtigingen voor deze site → sta Camera en Microfoon toe. Tik daarna op Opnieuw proberen.',
	'permission.help.other': 'Open de instellingen van je browser voor deze site (vaak het icoon links van het adres) en sta Camera en Microfoon toe. Tik daarna op Opnieuw proberen.',
	'camera.switch': 'Andere camera',

	'live.title': 'Je bent live met {technician}',
	'live.titleNoName': 'Je bent live met je technicus',
	'live.connecting': 'Je camera wordt verbonden…',
	'live.onHold': 'In de wacht: je technicus heeft de sessie gepauzeerd. Je camera en microfoon worden niet verzonden.',
	'live.interrupted': 'De verbinding wordt hersteld…',
	'live.displaced': 'Deze sessie is geopend in een ander tabblad of venster, dat nu je camera gebruikt.',
	'live.useHere': 'Hier gebruiken',
	'live.mute': 'Dempen',
	'live.unmute': 'Dempen uit',
	'live.cameraOff': 'Camera uit',
	'live.cameraOn': 'Camera aan',
	'live.end': 'Sessie beëindigen',
	'live.endConfirm': 'Sessie beëindigen? Je technicus ziet je camera dan niet meer.',
	'live.endYes': 'Beëindigen',
	'live.endNo': 'Doorgaan',
	'live.technicianMuted': 'Je technicus heeft de microfoon gedempt.',
	'live.cameraPaused': 'Je camera staat uit: je technicus ziet niets.',
	'live.tapToHear': 'Tik om je technicus te horen',
	'live.previewLabel': 'Wat je technicus ziet',

	'ended.title': 'Sessie beëindigd',
	'ended.body': 'De sessie is beëindigd. Je kunt deze pagina sluiten.',
	'ended.declined': 'Je hebt de voorwaarden geweigerd, dus de sessie is beëindigd. Je kunt deze pagina sluiten.',
	'ended.expired': 'Deze uitnodiging is verlopen. Vraag je technicus om een nieuwe.'
};

export const messages: Record<Lang, Record<MessageKey, string>> = { en, nl };

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string> = {}): string {
	const text = messages[lang][key] ?? messages.en[key] ?? key;
	return text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** The browser's language when the session's is not known yet: Dutch for nl*, else English. */
export function browserLang(): Lang {
	const list = typeof navigator === 'undefined' ? [] : (navigator.languages?.length ? navigator.languages : [navigator.language]);
	return (list[0] ?? '').toLowerCase().startsWith('nl') ? 'nl' : 'en';
}
