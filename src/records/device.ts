// The customer's device and browser in a few words, from the Lens's
// User-Agent ("Chrome 131 on Android 14 (Pixel 8)"): the report's "device".
// A small parser of the browsers customers open the Lens in, not a general
// one; what it does not know it leaves out rather than guessing.

/** Browsers by their UA token, the more specific first (Samsung Internet, Edge and the iOS shells also say Chrome or Safari). */
const BROWSERS: [name: string, token: RegExp][] = [
  ['Samsung Internet', /SamsungBrowser\/(\d+(?:\.\d+)?)/],
  ['Edge', /(?:EdgA|EdgiOS|Edg|Edge)\/(\d+)/],
  ['Opera', /(?:OPR|OPT|OPiOS)\/(\d+)/],
  ['Firefox', /(?:FxiOS|Firefox)\/(\d+)/],
  ['Chrome', /(?:CriOS|Chrome)\/(\d+)/],
  ['Safari', /Version\/(\d+(?:\.\d+)?).*Safari\//],
];

/** Android's model tokens that name no device: Chrome's reduced UA says "K", some builds "Mobile". */
const NO_MODEL = /^(?:K|Mobile|Tablet|wv|U|[a-z]{2}(?:[-_][a-z]{2})?)$/i;

function browserOf(ua: string): string | undefined {
  for (const [name, token] of BROWSERS) {
    const version = token.exec(ua)?.[1];
    if (version) return `${name} ${version}`;
  }
  return undefined;
}

function systemOf(ua: string): { system?: string; model?: string } {
  const ios = /\((iPhone|iPad|iPod)[^)]*?OS (\d+(?:_\d+)?)/.exec(ua);
  if (ios) return { system: `iOS ${ios[2]!.replace('_', '.')}`, model: ios[1] };
  const android = /Android (\d+(?:\.\d+)?)/.exec(ua);
  if (android) {
    // "(Linux; Android 14; Pixel 8 Build/UQ1A…)": the part after the version, less its build.
    const parts =
      /\(([^)]*)\)/
        .exec(ua)?.[1]
        ?.split(';')
        .map((p) => p.trim()) ?? [];
    const at = parts.findIndex((p) => p.startsWith('Android'));
    const model = parts[at + 1]?.replace(/\s*Build\/.*$/, '').trim();
    return { system: `Android ${android[1]}`, model: model && !NO_MODEL.test(model) ? model : undefined };
  }
  if (/Windows NT/.test(ua)) return { system: 'Windows' };
  // iPadOS asks for desktop sites with a Mac's UA: it is then a Mac here.
  const mac = /Mac OS X (\d+(?:[._]\d+)?)/.exec(ua);
  if (mac) return { system: `macOS ${mac[1]!.replace('_', '.')}` };
  if (/CrOS/.test(ua)) return { system: 'ChromeOS' };
  if (/Linux/.test(ua)) return { system: 'Linux' };
  return {};
}

/** "Chrome 131 on Android 14 (Pixel 8)"; null when there is no user agent, or nothing in it is known. */
export function deviceSummary(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const browser = browserOf(userAgent);
  const { system, model } = systemOf(userAgent);
  // An Android app's WebView (a QR or mail app opening the link) is not the browser it names.
  const webView = /; wv\)/.test(userAgent) ? 'WebView' : undefined;
  const shown = webView && browser?.startsWith('Chrome') ? `Android WebView ${browser.slice(7)}` : browser;
  const words = [shown, system && (shown ? `on ${system}` : system), model && `(${model})`].filter(Boolean);
  return words.length ? words.join(' ') : null;
}
