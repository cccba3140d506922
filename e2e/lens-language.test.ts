// The Lens's language, in real Chromium on a phone-sized page: a Dutch browser
// gets the Dutch PIN page and tutorial, an English one English; the EN | NL
// switch in the top bar changes every text at once (no reload), <html lang>
// follows, the choice survives a reload and beats the session's language;
// the EULA shows in the session's language.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import {
  inviteByLink,
  type LensWorld,
  newPhone,
  pageProblems,
  shot,
  startLensWorld,
  stopLensWorld,
} from './helpers.ts';

const TECH = { email: 'noor@example.test', password: 'noor password 123', name: 'Noor Bakker' };

// The words the test looks for, straight from the catalogues.
const EN = {
  pinTitle: 'Enter the 6-digit PIN from your technician',
  tutorial: 'How this works',
  eulaTitle: 'Before we start',
  eulaText: 'By tapping Accept',
  waiting: 'Waiting for your technician',
};
const NL = {
  pinTitle: 'Voer de 6-cijferige pincode van je technicus in',
  tutorial: 'Zo werkt het',
  eulaTitle: 'Voordat we beginnen',
  eulaText: 'Door op Akkoord te tikken',
  waiting: 'Wachten op je technicus',
};

let world: LensWorld;
// 401: /l asks for a session this browser does not have yet.
const { problems, watch } = pageProblems(/status of 401/);

/** A link/PIN invitation in the given language. */
const invitation = (name: string, language: 'en' | 'nl') => inviteByLink(world, name, language);

async function phone(locale: string): Promise<Page> {
  const page = await (await newPhone(world, { locale })).newPage();
  watch(page, locale);
  return page;
}

const heading = (page: Page) => page.locator('#lens-title').innerText();
const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang);

async function enterPin(page: Page, pin: string) {
  await page.getByTestId('pin-input').fill(pin);
  await page.getByTestId('pin-continue').click();
  await page.getByTestId('lens-tutorial').waitFor();
}

/** Tutorial → camera permission → EULA. */
async function toEula(page: Page) {
  await page.getByTestId('tutorial-ok').click();
  await page.getByTestId('permission-allow').click();
  await page.getByTestId('lens-preview').waitFor();
  await page.getByTestId('permission-continue').click();
  await page.getByTestId('lens-eula').waitFor();
}

beforeAll(async () => {
  world = await startLensWorld(TECH);
}, 120_000);

afterAll(() => stopLensWorld(world), 30_000);

describe("the Lens speaks the customer's language", () => {
  let dutch: Page;

  test('a Dutch browser gets the Dutch PIN page and, with a Dutch invitation, the Dutch tutorial', async () => {
    const { pin } = await invitation('Meterkast bij De Vries', 'nl');
    dutch = await phone('nl-NL');
    await dutch.goto(`${world.loupe.url}/l`);
    await dutch.getByTestId('pin-input').waitFor();
    expect(await heading(dutch)).toBe(NL.pinTitle);
    expect(await htmlLang(dutch)).toBe('nl');
    expect(await dutch.title()).toBe('Loupe Lens');
    expect(await dutch.getByTestId('lens-language-nl').getAttribute('aria-pressed')).toBe('true');
    await shot(dutch, '40-lens-pin-nl');

    await enterPin(dutch, pin);
    expect(await heading(dutch)).toBe(NL.tutorial);
    await shot(dutch, '41-lens-tutorial-nl');
  }, 60_000);

  test('an English browser gets English', async () => {
    const { link } = await invitation('Router in the hall', 'en');
    const page = await phone('en-GB');
    await page.goto(`${world.loupe.url}/l`);
    await page.getByTestId('pin-input').waitFor();
    expect(await heading(page)).toBe(EN.pinTitle);
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByTestId('lens-language-en').getAttribute('aria-pressed')).toBe('true');

    await page.goto(link);
    await page.getByTestId('lens-tutorial').waitFor();
    expect(await heading(page)).toBe(EN.tutorial);
  }, 60_000);

  test("the session's language (the SMS's) comes before the browser's", async () => {
    const { link } = await invitation('Boiler upstairs', 'nl');
    const page = await phone('en-US');
    await page.goto(link);
    await page.getByTestId('lens-tutorial').waitFor();
    expect(await heading(page)).toBe(NL.tutorial);
    expect(await htmlLang(page)).toBe('nl');
  }, 60_000);

  test("the switch is a labelled group of two ≥ 44 px buttons that fits a 390 px screen with the session's name", async () => {
    const group = dutch.getByRole('group', { name: 'Taal' });
    expect(await group.isVisible()).toBe(true);
    for (const [lang, name] of [
      ['en', 'EN English'],
      ['nl', 'NL Nederlands'],
    ] as const) {
      const button = dutch.getByRole('button', { name, exact: true });
      expect(await button.getAttribute('lang')).toBe(lang);
      const box = (await button.boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(44);
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    expect(await dutch.getByTestId('lens-session-name').isVisible()).toBe(true);
    expect(await dutch.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 30_000);

  test('switching changes the texts at once, without a reload, and <html lang> follows', async () => {
    await dutch.evaluate(() => {
      (window as unknown as { lensMarker: number }).lensMarker = 7;
    });
    await dutch.getByTestId('lens-language-en').click();
    await dutch.waitForFunction((text) => document.getElementById('lens-title')?.textContent === text, EN.tutorial);
    expect(await htmlLang(dutch)).toBe('en');
    expect(await dutch.getByTestId('lens-language-en').getAttribute('aria-pressed')).toBe('true');
    expect(await dutch.getByTestId('lens-language-nl').getAttribute('aria-pressed')).toBe('false');
    expect(await dutch.evaluate(() => (window as unknown as { lensMarker?: number }).lensMarker)).toBe(7);
    await shot(dutch, '42-lens-tutorial-switched-en');
  }, 30_000);

  test("the choice survives a reload and beats the session's language", async () => {
    await dutch.reload();
    // A reload during the tutorial resumes it (the session is still connecting).
    await dutch.getByTestId('lens-tutorial').waitFor();
    expect(await heading(dutch)).toBe(EN.tutorial);
    expect(await htmlLang(dutch)).toBe('en');

    await dutch.getByTestId('lens-language-nl').click();
    await dutch.waitForFunction((text) => document.getElementById('lens-title')?.textContent === text, NL.tutorial);
    expect(await htmlLang(dutch)).toBe('nl');
  }, 30_000);

  test("the EULA shows in the session's language, with the screen's words in the chosen one", async () => {
    await toEula(dutch);
    expect(await heading(dutch)).toBe(NL.eulaTitle);
    expect(await dutch.getByTestId('lens-eula-text').innerText()).toStartWith(NL.eulaText);
    await shot(dutch, '43-lens-eula-nl');

    await dutch.getByTestId('lens-language-en').click();
    await dutch.waitForFunction((text) => document.getElementById('lens-title')?.textContent === text, EN.eulaTitle);
    expect(await dutch.getByTestId('eula-accept').innerText()).toBe('Accept');
  }, 60_000);

  // Needs the server to send the EULA in every language (see web/src/lib/lens/lens.svelte.ts, `eulas`):
  // today GET /api/lens/session carries only the session's language. Turn into test() once it does.
  test('the EULA text follows the switch', async () => {
    expect(await dutch.getByTestId('lens-eula-text').innerText()).toStartWith(EN.eulaText);
  }, 10_000);

  test('the EULA accepted, the next screen speaks the chosen language; no errors on any page', async () => {
    await dutch.getByTestId('eula-accept').click();
    await dutch.getByTestId('lens-waiting').waitFor();
    expect(await heading(dutch)).toBe(EN.waiting);
    expect(problems).toEqual([]);
  }, 30_000);
});
