import { describe, expect, test } from 'bun:test';
import { escapeHtml, invitationEmail } from './templates.ts';

describe('the e-mail invitation', () => {
  const fields = { link: 'https://support.example.org/l/AbCdEfGhIjKlMnOpQrStUv', pin: '012345', minutes: 20 };

  for (const [language, subject, valid] of [
    ['en', 'Your technician wants to see what your camera sees', 'valid for 20 minutes'],
    ['nl', 'Je technicus wil meekijken via je camera', '20 minuten geldig'],
  ] as const) {
    test(`${language}: the link, the PIN and how long they last, in the text and the HTML part`, () => {
      const mail = invitationEmail(language, fields);
      expect(mail.subject).toBe(subject);
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain(fields.link);
        expect(part).toContain(fields.pin);
        expect(part).toContain(valid);
      }
      expect(mail.html).toContain(`<html lang="${language}">`);
      expect(mail.html).toContain(`href="${fields.link}"`);
      // Nothing fetched from elsewhere when the mail is opened.
      expect(mail.html).not.toMatch(/<img|<script|<link|src=|url\(/i);
    });
  }

  test('the two languages differ, and neither names an organisation', () => {
    const en = invitationEmail('en', fields);
    const nl = invitationEmail('nl', fields);
    expect(en.text).not.toBe(nl.text);
    for (const m of [en, nl]) expect(`${m.subject} ${m.text}`).not.toMatch(/loupe/i);
  });

  test('inserted values are escaped in the HTML', () => {
    const mail = invitationEmail('en', { ...fields, link: 'https://x.test/l/a"><script>alert(1)</script>&' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;');
    expect(escapeHtml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });
});
