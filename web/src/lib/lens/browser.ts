// Which browser the customer uses, for instructions that name its own menus.
export type BrowserKind = 'chrome-android' | 'samsung' | 'firefox' | 'safari-ios' | 'chrome-ios' | 'edge' | 'other';

export function browserOf(ua: string): BrowserKind {
	if (/SamsungBrowser/.test(ua)) return 'samsung';
	if (/EdgA|EdgiOS|Edg\//.test(ua)) return 'edge';
	if (/Firefox|FxiOS/.test(ua)) return 'firefox';
	if (/CriOS/.test(ua)) return 'chrome-ios';
	if (/iPhone|iPad|iPod/.test(ua)) return 'safari-ios';
	if (/Android/.test(ua) && /Chrome\//.test(ua)) return 'chrome-android';
	return 'other';
}
