// The invitation texts, per language. Each fits one GSM-7 SMS (160 characters)
// for public URLs up to ~60 characters, so a customer gets a single message.
import type { Language } from '../sessions/phone.ts';

export type InvitationFields = { link: string; pin: string; minutes: number };

const TEMPLATES: Record<Language, (f: InvitationFields) => string> = {
  en: (f) =>
    `Your technician wants to see what your camera sees. Open ${f.link} (PIN ${f.pin}). Valid ${f.minutes} min.`,
  nl: (f) => `Je technicus wil meekijken via je camera. Open ${f.link} (pincode ${f.pin}). ${f.minutes} min geldig.`,
};

export function invitationText(language: Language, fields: InvitationFields): string {
  return TEMPLATES[language](fields);
}
