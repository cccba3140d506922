// The e-mail invitation, per language: a subject, a plain-text part and an
// HTML part saying the same thing. Organisation-neutral like the SMS text
// (src/sms/templates.ts): Loupe does not know whose technician it is, and a
// customer should not be asked to trust a brand the sender did not set.
// The HTML has no remote images, scripts or style sheets (mail clients block
// them, and a tracking pixel is not ours to add): inline styles only, and
// every inserted value escaped.
import type { Language } from '../sessions/phone.ts';

export type EmailFields = { link: string; pin: string; minutes: number };
export type InvitationEmail = { subject: string; text: string; html: string };

type Words = {
  subject: string;
  intro: string;
  open: string;
  button: string;
  /** Around the PIN: the HTML part sets it in bold. */
  orPin: [string, string];
  valid: (minutes: number) => string;
  ignore: string;
};

const WORDS: Record<Language, Words> = {
  en: {
    subject: 'Your technician wants to see what your camera sees',
    intro:
      'Your technician has asked to see what your phone camera sees, to help you. Nothing is shared until you open the link and allow it.',
    open: 'Open this link on your phone:',
    button: 'Open the camera page',
    orPin: ['Or open the page and enter the PIN ', '.'],
    valid: (minutes) => `The link and the PIN are valid for ${minutes} minutes.`,
    ignore: 'Did you not expect this? Then ignore this e-mail: nothing happens.',
  },
  nl: {
    subject: 'Je technicus wil meekijken via je camera',
    intro:
      'Je technicus wil meekijken via de camera van je telefoon om je te helpen. Er wordt niets gedeeld tot je de link opent en toestemming geeft.',
    open: 'Open deze link op je telefoon:',
    button: 'Open de camerapagina',
    orPin: ['Of open de pagina en vul de pincode ', ' in.'],
    valid: (minutes) => `De link en de pincode zijn ${minutes} minuten geldig.`,
    ignore: 'Had je dit niet verwacht? Negeer deze e-mail dan: er gebeurt niets.',
  },
};

/** HTML text and attribute escaping: the five characters that can end a text or an attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function invitationEmail(language: Language, f: EmailFields): InvitationEmail {
  const w = WORDS[language];
  const text = [
    w.intro,
    '',
    w.open,
    f.link,
    '',
    `${w.orPin[0]}${f.pin}${w.orPin[1]}`,
    w.valid(f.minutes),
    '',
    w.ignore,
    '',
  ].join('\n');
  const e = escapeHtml;
  const link = e(f.link);
  const html = `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(w.subject)}</title></head>
<body style="margin:0;padding:24px;background:#ffffff;color:#1a1a1a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5">
<p>${e(w.intro)}</p>
<p>${e(w.open)}</p>
<p><a href="${link}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${e(w.button)}</a></p>
<p style="word-break:break-all"><a href="${link}" style="color:#1d4ed8">${link}</a></p>
<p>${e(w.orPin[0])}<strong style="font-size:20px;letter-spacing:2px">${e(f.pin)}</strong>${e(w.orPin[1])}</p>
<p>${e(w.valid(f.minutes))}</p>
<p style="color:#555555;font-size:14px">${e(w.ignore)}</p>
</body>
</html>
`;
  return { subject: w.subject, text, html };
}
