// The console speaks English or Dutch, in real Chromium against the real
// server: a browser set to Dutch gets the sign-in page, the console, the New
// session dialog and the admin page in Dutch; an English one gets English; the
// language switch changes every text at once without a reload (an open dialog
// keeps what was typed), the choice survives a reload, and <html lang> follows.
// Screenshots of the Dutch screens go to e2e/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { pageProblems, shot, startLoupeWithTechnician } from './helpers.ts';
import { CHROMIUM, type LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'daan@example.test', password: 'daan password 123', name: 'Daan Visser' };
const VIEWPORT = { width: 1280, height: 800 };

let loupe: LoupeProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
// 401: signed out, the console's pages ask /api/auth/me who is signed in.
const { problems, watch } = pageProblems(/status of 401/);

/** A fresh browser profile speaking `lang` (navigator.languages and Accept-Language). */
async function pageIn(lang: 'nl' | 'en', label: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    locale: lang === 'nl' ? 'nl-NL' : 'en-US',
    extraHTTPHeaders: { 'Accept-Language': lang === 'nl' ? 'nl-NL,nl;q=0.9' : 'en-US,en;q=0.9' },
  });
  contexts.push(context);
  const page = await context.newPage();
  watch(page, label);
  return page;
}

async function signIn(page: Page, email: string, password: string, button: string) {
  await page.goto(`${loupe.url}/login`);
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForURL('**/console');
}

const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang);
const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true });

/** A new browser speaking `lang` opens the sign-in page, which already speaks it (its `title`, <html lang>, the switch). */
async function signInPageIn(lang: 'nl' | 'en', title: string): Promise<Page> {
  const page = await pageIn(lang, lang);
  await page.goto(`${loupe.url}/login`);
  await heading(page, title).waitFor();
  expect(await htmlLang(page)).toBe(lang);
  expect(await page.getByTestId('language-switch').inputValue()).toBe(lang);
  return page;
}

beforeAll(async () => {
  // One technician who may do everything: console, New session (SMS and link) and the admin page.
  loupe = await startLoupeWithTechnician(
    {
      name: 'Servicedesk',
      rights: ['administer', 'start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
    },
    TECH,
  );
  browser = await chromium.launch(CHROMIUM);
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await loupe?.stop();
});

describe('console language', () => {
  test('a Dutch browser gets the sign-in page, the console, New session and the admin page in Dutch', async () => {
    const page = await signInPageIn('nl', 'Inloggen');
    await page.getByLabel('E-mailadres').fill(TECH.email);
    await page.getByLabel('Wachtwoord').fill(TECH.password);
    await page.getByRole('button', { name: 'Inloggen', exact: true }).click();
    await page.waitForURL('**/console');

    // The console's panels and the top bar.
    await heading(page, 'Uitnodigingen').waitFor();
    await heading(page, 'Sessies').waitFor();
    await page.getByTestId('history').getByText('Geschiedenis', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Uitloggen' }).waitFor();
    await page.getByRole('link', { name: 'Beheer' }).waitFor();
    await page.getByText('Geen openstaande uitnodigingen.', { exact: false }).waitFor();
    expect(await page.getByText('Sign out', { exact: true }).count()).toBe(0);
    expect(await htmlLang(page)).toBe('nl');

    // New session: every label in Dutch; the SMS language choice names the languages in Dutch too.
    await page.getByTestId('new-session').click();
    const dialog = page.getByTestId('new-session-dialog');
    await dialog.getByRole('heading', { name: 'Nieuwe sessie' }).waitFor();
    await dialog.getByText('Soort sessie').waitFor();
    await dialog.getByLabel('Naam', { exact: true }).fill('Printer op kantoor');
    await dialog.getByLabel('Aan:').fill('06 12345678');
    expect(await dialog.getByLabel('Naam', { exact: true }).getAttribute('placeholder')).toBe(
      'Naam van de klant of ticketnummer',
    );
    expect(await dialog.getByLabel('Taal').locator('option').allTextContents()).toEqual([
      'Automatisch',
      'Engels',
      'Nederlands',
    ]);
    await dialog.getByRole('tab', { name: 'Sms' }).waitFor();
    await dialog.getByRole('button', { name: 'Sms versturen' }).waitFor();
    await shot(page, 'nl-02-new-session');
    await dialog.getByRole('tab', { name: 'Link/pincode' }).click();
    await dialog.getByRole('button', { name: 'Link maken' }).waitFor();
    await dialog.getByText('de klant vult die in op de pincodepagina van Lens').waitFor();
    // A missing name is said in Dutch.
    await dialog.getByLabel('Naam', { exact: true }).fill('');
    await dialog.getByRole('button', { name: 'Link maken' }).click();
    expect(await dialog.getByTestId('name-error').textContent()).toBe(
      'Geef de sessie een naam, bijvoorbeeld de naam van de klant.',
    );
    // The result: the PIN, its countdown and the link, in Dutch.
    await dialog.getByLabel('Naam', { exact: true }).fill('Printer op kantoor');
    await dialog.getByRole('button', { name: 'Link maken' }).click();
    await dialog.getByRole('heading', { name: 'Pincode voor de klant' }).waitFor();
    expect(await dialog.getByTestId('pin-countdown').textContent()).toMatch(/^\s*Verloopt over \d\d:\d\d\s*$/);
    await dialog.getByLabel('Link voor de klant').waitFor();
    await dialog.getByRole('button', { name: 'Pincode kopiëren' }).waitFor();
    await dialog.getByText('Of de klant opent').waitFor();
    await shot(page, 'nl-02b-new-session-pin');
    await dialog.getByTestId('cancel-invitation').click();
    await dialog.getByText('Deze uitnodiging annuleren?').waitFor();
    await dialog.getByRole('button', { name: 'Niet annuleren' }).click();
    await dialog.getByRole('button', { name: 'Klaar' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The invitation waits in the console's list, in Dutch.
    const row = page.getByTestId('invitation-row').filter({ hasText: 'Printer op kantoor' });
    await row.getByText('Link/pincode', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Tonen' }).waitFor();
    await shot(page, 'nl-01-console');

    // The admin page.
    await page.getByRole('link', { name: 'Beheer' }).click();
    await page.waitForURL('**/admin');
    await heading(page, 'Technici').waitFor();
    await heading(page, 'Groepen').waitFor();
    await heading(page, 'EULA voor Lens').waitFor();
    await page.getByRole('button', { name: 'Technicus toevoegen' }).waitFor();
    await page.getByRole('button', { name: 'Groep toevoegen' }).waitFor();
    const groupRow = page.getByTestId('group-row').filter({ hasText: 'Servicedesk' });
    await groupRow.getByText('Lens-sessies starten', { exact: true }).waitFor();
    await groupRow.getByText('20 minuten', { exact: true }).waitFor();
    const techRow = page.getByTestId('technician-row').filter({ hasText: TECH.email });
    await techRow.getByText('Actief', { exact: true }).waitFor();
    await techRow.getByRole('button', { name: 'Nieuw wachtwoord' }).waitFor();
    await page.getByRole('columnheader', { name: 'Laatst ingelogd' }).waitFor();
    await page.getByLabel('Engels').waitFor(); // the English EULA text
    await shot(page, 'nl-03-admin');
    await shot(page, 'nl-04-admin-full', { fullPage: true });

    // The group dialog: rights with their Dutch descriptions.
    await groupRow.getByRole('button', { name: 'Bewerken' }).click();
    const groupDialog = page.getByRole('dialog');
    await groupDialog.getByRole('heading', { name: 'Servicedesk bewerken' }).waitFor();
    await groupDialog.getByLabel('Loupe beheren').waitFor();
    await groupDialog.getByLabel('Pincode geldig (minuten)').waitFor();
    await shot(page, 'nl-05-group-dialog');
    await groupDialog.getByRole('button', { name: 'Annuleren' }).click();
    await groupDialog.waitFor({ state: 'hidden' });
  }, 60_000);

  test('an English browser gets English', async () => {
    const page = await signInPageIn('en', 'Sign in');
    await signIn(page, TECH.email, TECH.password, 'Sign in');
    await heading(page, 'Invitations').waitFor();
    await page.getByRole('button', { name: 'New session' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByText('Uitnodigingen', { exact: true }).count()).toBe(0);
    expect(await htmlLang(page)).toBe('en');
  }, 60_000);

  test('the switch changes the language at once, keeps an open dialog as it is, and is remembered', async () => {
    const page = await pageIn('en', 'switch');
    // On the sign-in page first: no reload, the form keeps what was typed.
    await page.goto(`${loupe.url}/login`);
    await page.getByLabel('Email').fill(TECH.email);
    await page.evaluate(() => {
      (window as unknown as { loupeMarker: number }).loupeMarker = 7;
    });
    await page.getByTestId('language-switch').selectOption('nl');
    await heading(page, 'Inloggen').waitFor();
    expect(await page.getByLabel('E-mailadres').inputValue()).toBe(TECH.email);
    expect(await htmlLang(page)).toBe('nl');
    expect(await page.evaluate(() => (window as unknown as { loupeMarker?: number }).loupeMarker)).toBe(7);
    await page.getByTestId('language-switch').selectOption('en');
    await heading(page, 'Sign in').waitFor();
    expect(await htmlLang(page)).toBe('en');

    await signIn(page, TECH.email, TECH.password, 'Sign in');
    await heading(page, 'Invitations').waitFor();
    await page.evaluate(() => {
      (window as unknown as { loupeMarker: number }).loupeMarker = 42;
    });

    // New session open with typed values and a shown error, then the language changes underneath it.
    await page.getByTestId('new-session').click();
    const dialog = page.getByTestId('new-session-dialog');
    await dialog.getByRole('heading', { name: 'New session' }).waitFor();
    await dialog.getByLabel('To:').fill('06 87654321');
    await dialog.getByRole('button', { name: 'Send SMS' }).click();
    expect(await dialog.getByTestId('name-error').textContent()).toBe(
      'Give the session a name, such as the customer’s name.',
    );
    await dialog.getByLabel('Name', { exact: true }).fill('Router boven');
    // The switch sits in the top bar, behind the modal dialog (inert to the pointer while the dialog is open): set it directly.
    await page.getByTestId('language-switch').selectOption('nl', { force: true });
    await dialog.getByRole('heading', { name: 'Nieuwe sessie' }).waitFor();
    await dialog.getByRole('button', { name: 'Sms versturen' }).waitFor();
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('Naam', { exact: true }).inputValue()).toBe('Router boven');
    expect(await dialog.getByLabel('Aan:').inputValue()).toBe('06 87654321');
    // The error already shown follows the language too.
    expect(await dialog.getByTestId('name-error').textContent()).toBe(
      'Geef de sessie een naam, bijvoorbeeld de naam van de klant.',
    );
    expect(await htmlLang(page)).toBe('nl');
    expect(await page.evaluate(() => (window as unknown as { loupeMarker?: number }).loupeMarker)).toBe(42);
    await dialog.getByRole('button', { name: 'Annuleren' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await heading(page, 'Uitnodigingen').waitFor();

    // Remembered across a reload, in a browser that itself prefers English.
    await page.reload();
    await heading(page, 'Uitnodigingen').waitFor();
    expect(await htmlLang(page)).toBe('nl');
    expect(await page.getByTestId('language-switch').inputValue()).toBe('nl');

    // And back to English, at once.
    await page.getByTestId('language-switch').selectOption('en');
    await heading(page, 'Invitations').waitFor();
    expect(await htmlLang(page)).toBe('en');
    await page.reload();
    await heading(page, 'Invitations').waitFor();
  }, 60_000);

  test('no page errors', () => {
    expect(problems).toEqual([]);
  });
});
