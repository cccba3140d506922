import { describe, expect, test } from 'bun:test';
import { gsm7Length, splitSms } from './encoding.ts';
import { invitationText } from './templates.ts';

describe('invitation texts', () => {
  // A realistic long public URL, the longest PIN lifetime a group allows.
  const fields = {
    link: 'https://loupe.support.example-company.com/l/AbCdEfGhIjKlMnOpQrStUv',
    pin: '012345',
    minutes: 1440,
  };

  for (const language of ['en', 'nl'] as const) {
    test(`${language}: one GSM-7 SMS with the link and the PIN`, () => {
      const text = invitationText(language, fields);
      expect(text).toContain(fields.link);
      expect(text).toContain(fields.pin);
      expect(gsm7Length(text)).toBeLessThanOrEqual(160);
      const encoded = splitSms(text);
      expect(encoded.dataCoding).toBe(0);
      expect(encoded.parts).toHaveLength(1);
    });
  }
});
