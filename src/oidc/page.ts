// The page a person sees when single sign-on did not sign them in: why, in
// their language (Accept-Language: English or Dutch), and the way back to the
// login page. Not JSON: a browser was sent here by the provider. No script
// (the CSP allows none inline); the style is inline, which the CSP allows.
import { escapeHtml as e } from '../records/report-html.ts';

export type Refusal =
  | 'no_group'
  | 'unknown_group'
  | 'disabled'
  | 'no_email'
  | 'email_taken'
  | 'last_administrator'
  | 'state'
  | 'provider_error'
  | 'invalid_response'
  | 'unreachable'
  | 'rate_limited';

export const REFUSAL_STATUS: Record<Refusal, 400 | 403 | 429 | 503> = {
  no_group: 403,
  unknown_group: 403,
  disabled: 403,
  no_email: 403,
  email_taken: 403,
  last_administrator: 403,
  state: 400,
  provider_error: 400,
  invalid_response: 400,
  unreachable: 503,
  rate_limited: 429,
};

type Language = 'en' | 'nl';
/** `{p}`: the provider's display name. */
type Words = { title: string; back: string; lang: string; reasons: Record<Refusal, string> };

const WORDS: Record<Language, Words> = {
  en: {
    title: 'You are not signed in',
    back: 'Back to the login page',
    lang: 'en',
    reasons: {
      no_group:
        'Your account at {p} is in none of the groups that give access to Loupe. Ask your administrator to add you to one.',
      unknown_group:
        'Your group at {p} points to a Loupe group that does not exist. Tell your administrator: the group mapping needs fixing.',
      disabled: 'Your Loupe account is disabled. Ask your administrator.',
      no_email: 'Your account at {p} has no e-mail address, and Loupe needs one. Ask your administrator.',
      email_taken:
        'A Loupe account with your e-mail address is already linked to another {p} account. Ask your administrator.',
      last_administrator:
        'Your new group at {p} would leave Loupe without an administrator, so the change was not made. Ask your administrator.',
      state: 'This sign-in has expired, was already used or was started in another browser. Sign in again.',
      provider_error: '{p} did not complete the sign-in. Sign in again.',
      invalid_response:
        'Loupe could not verify the answer from {p}. Sign in again; if it keeps happening, tell your administrator.',
      unreachable: '{p} cannot be reached right now. Try again in a minute.',
      rate_limited: 'Too many sign-ins were started from your network. Try again in a few minutes.',
    },
  },
  nl: {
    title: 'Je bent niet ingelogd',
    back: 'Terug naar de inlogpagina',
    lang: 'nl',
    reasons: {
      no_group:
        'Je account bij {p} zit in geen van de groepen die toegang geven tot Loupe. Vraag je beheerder om je aan een groep toe te voegen.',
      unknown_group:
        'Je groep bij {p} verwijst naar een Loupe-groep die niet bestaat. Meld het je beheerder: de groepskoppeling moet worden aangepast.',
      disabled: 'Je Loupe-account is uitgeschakeld. Vraag je beheerder om hulp.',
      no_email: 'Je account bij {p} heeft geen e-mailadres en Loupe heeft er een nodig. Vraag je beheerder om hulp.',
      email_taken:
        'Een Loupe-account met jouw e-mailadres is al gekoppeld aan een ander {p}-account. Vraag je beheerder om hulp.',
      last_administrator:
        'Met je nieuwe groep bij {p} zou Loupe geen beheerder meer hebben, dus is de wijziging niet doorgevoerd. Vraag je beheerder om hulp.',
      state: 'Deze inlogpoging is verlopen, al gebruikt of in een andere browser begonnen. Log opnieuw in.',
      provider_error: '{p} heeft het inloggen niet afgerond. Log opnieuw in.',
      invalid_response:
        'Loupe kon het antwoord van {p} niet controleren. Log opnieuw in; blijft het gebeuren, meld het dan je beheerder.',
      unreachable: '{p} is nu niet bereikbaar. Probeer het over een minuut opnieuw.',
      rate_limited:
        'Er zijn te veel inlogpogingen vanaf jouw netwerk gestart. Probeer het over een paar minuten opnieuw.',
    },
  },
};

/** The preferred of English and Dutch in an Accept-Language header (by q, then order); English when neither is named. */
export function pageLanguage(acceptLanguage: string | undefined): Language {
  let best: { lang: Language; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const lang = tag?.split('-')[0];
    if (lang !== 'en' && lang !== 'nl') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

export function refusalPage(reason: Refusal, language: Language, providerName: string): string {
  const w = WORDS[language];
  const text = e(w.reasons[reason]).replaceAll('{p}', e(providerName));
  return `<!doctype html>
<html lang="${w.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(w.title)} · Loupe</title>
<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f5f7;color:#1b2330;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{box-sizing:border-box;width:calc(100% - 2rem);max-width:26rem;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:2rem;box-shadow:0 1px 2px rgb(16 24 40 / .05)}
h1{font-size:1.375rem;margin:0 0 .75rem}
p{margin:0 0 1.5rem;color:#586374}
a{display:inline-flex;align-items:center;min-height:2.5rem;padding:0 1rem;border-radius:6px;background:#2456c4;color:#fff;font-weight:600;text-decoration:none}
a:hover{background:#1b449f}
a:focus-visible{outline:none;box-shadow:0 0 0 3px rgb(36 86 196 / .35)}
</style>
</head>
<body>
<main>
<h1>${e(w.title)}</h1>
<p data-reason="${reason}">${text}</p>
<a href="/login">${e(w.back)}</a>
</main>
</body>
</html>
`;
}
