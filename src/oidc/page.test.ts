import { describe, expect, test } from 'bun:test';
import { mappedGroup, groupsOf } from './sign-in.ts';
import { pageLanguage, REFUSAL_STATUS, type Refusal, refusalPage } from './page.ts';

describe('the refusal page', () => {
  test("speaks the person's language: Dutch when they prefer it to English, else English", () => {
    expect(pageLanguage('nl-NL,nl;q=0.9,en;q=0.8')).toBe('nl');
    expect(pageLanguage('nl-BE')).toBe('nl');
    expect(pageLanguage('en-US,en;q=0.9,nl;q=0.8')).toBe('en');
    expect(pageLanguage('de-DE,nl;q=0.5,en;q=0.3')).toBe('nl');
    expect(pageLanguage('fr, de')).toBe('en');
    expect(pageLanguage('nl;q=0, en;q=0.1')).toBe('en');
    expect(pageLanguage(undefined)).toBe('en');
    expect(pageLanguage('nl;q=abc')).toBe('en');
  });

  test('every reason has its text in both languages, a link back to the login page and no script', () => {
    for (const reason of Object.keys(REFUSAL_STATUS) as Refusal[])
      for (const language of ['en', 'nl'] as const) {
        const html = refusalPage(reason, language, 'Example ID');
        expect(html).toContain(`<html lang="${language}">`);
        expect(html).toContain(`data-reason="${reason}"`);
        expect(html).toContain('<a href="/login">');
        expect(html).not.toContain('{p}');
        expect(html).not.toMatch(/<script|\son\w+=/i);
      }
  });

  test("escapes the provider's display name (it is configuration, but still text)", () => {
    const html = refusalPage('no_group', 'en', '<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('the group mapping', () => {
  const settings = {
    groupMap: [
      { idpGroup: 'admins', loupeGroup: 'Administrators' },
      { idpGroup: 'support', loupeGroup: 'Support' },
    ],
  };
  test("the map's order decides, not the claim's", () => {
    expect(mappedGroup(settings, ['support', 'admins'])).toBe('Administrators');
    expect(mappedGroup(settings, ['staff', 'support'])).toBe('Support');
  });
  test('a single group as a string counts; anything else is no group', () => {
    expect(mappedGroup(settings, 'support')).toBe('Support');
    for (const claim of [undefined, null, 42, {}, [1, { admins: true }], ['Admins'], []])
      expect(mappedGroup(settings, claim)).toBeUndefined();
    expect(groupsOf(['a', 1, 'b'])).toEqual(['a', 'b']);
  });
});
