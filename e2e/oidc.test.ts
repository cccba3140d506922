// Single sign-on in Chromium, end to end: Loupe as a process with OIDC_* set
// and password sign-in off (but for the break-glass administrator), a real
// OpenID Provider (oidc-provider) in this process on 127.0.0.1. A technician
// presses "Sign in with Example ID" on the login page, signs in on the
// provider's own form, lands on the console with the mapped group's UI, signs
// out (through the provider's sign-out), comes back as an administrator after
// their group changed at the provider, and someone without a mapped group
// gets the refusal page.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestProvider, type TestProvider } from '../src/oidc/test-provider.ts';
import { axe, describeViolations, smallTargets } from './axe.ts';
import { ADMINISTRATOR, ADMINISTRATOR_ENV, postJson, shot, signInByApi } from './helpers.ts';
import { CHROMIUM, freePort, type LoupeProcess, startLoupe } from './loupe-process.ts';

let provider: TestProvider;
let loupe: LoupeProcess;
let url: string;
let browser: Browser;

beforeAll(async () => {
  // Loupe's address first: the provider registers its callback, Loupe names the provider.
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  provider = await startTestProvider({
    redirectUris: [`${url}/auth/oidc/callback`],
    postLogoutRedirectUris: [`${url}/login`],
    accounts: [
      { sub: 'ann', email: 'ann@example.test', name: 'Ann Smith', groups: ['staff', 'idp-support'] },
      { sub: 'bob', email: 'bob@example.test', name: 'Bob Jones', groups: ['staff'] },
    ],
  });
  loupe = await startLoupe({
    ...ADMINISTRATOR_ENV,
    PORT: String(port),
    LOUPE_PUBLIC_URL: url,
    OIDC_ISSUER_URL: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_DISPLAY_NAME: 'Example ID',
    OIDC_GROUP_MAP: 'idp-admins=Administrators,idp-support=Support',
    LOUPE_PASSWORD_LOGIN: 'false',
    LOUPE_BREAK_GLASS_EMAIL: ADMINISTRATOR.email,
  });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  // The break-glass administrator makes the group the map names.
  const admin = await signInByApi(url, ADMINISTRATOR);
  await postJson(
    url,
    '/api/groups',
    { name: 'Support', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
    admin,
  );
  browser = await chromium.launch(CHROMIUM);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
  await provider?.stop();
});

/** A browser of its own; it reaches nothing but loopback (the provider's pages name a web font). */
async function newContext(opts: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', ...opts });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  return context;
}

/** On the provider's own login form (oidc-provider's devInteractions): any password signs `login` in. */
async function signInAtProvider(page: Page, login: string) {
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

const problemsOf = (page: Page) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    // Loupe's own pages only; the refusal page's 403 is the answer under test.
    if (m.type() === 'error' && page.url().startsWith(url) && !/status of 403/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
};

test('the login page offers single sign-on, and the password form only to the administrator', async () => {
  const context = await newContext();
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${url}/login`);
  const button = page.getByRole('link', { name: 'Sign in with Example ID' });
  await button.waitFor();
  expect(await button.getAttribute('href')).toBe('/auth/oidc/login');
  // Password sign-in is off: the form waits behind the administrator's disclosure.
  expect(await page.getByLabel('Password').isVisible()).toBe(false);
  await page.getByText('Administrator sign-in').waitFor();
  expect(describeViolations(await axe(page))).toBe('');
  expect(await smallTargets(page, 24)).toEqual([]);
  await shot(page, '45-login-single-sign-on');

  await page.getByText('Administrator sign-in').click();
  await page.getByLabel('Password').waitFor();
  expect(describeViolations(await axe(page))).toBe('');

  const phone = await (
    await newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  ).newPage();
  await phone.goto(`${url}/login`);
  await phone.getByRole('link', { name: 'Sign in with Example ID' }).waitFor();
  expect(await smallTargets(phone, 24)).toEqual([]);
  await shot(phone, '46-login-single-sign-on-phone');

  // In Dutch, as the rest of the console.
  const dutch = await (await newContext({ locale: 'nl-NL' })).newPage();
  await dutch.goto(`${url}/login`);
  await dutch.getByRole('link', { name: 'Inloggen met Example ID' }).waitFor();
  await dutch.getByText('Inloggen als beheerder').waitFor();
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

test('a technician signs in at the provider, gets their group, signs out there, and comes back with a new group', async () => {
  const context = await newContext();
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${url}/login`);
  await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
  await signInAtProvider(page, 'ann');
  await page.waitForURL(`${url}/console`);
  const who = page.getByTestId('signed-in-as');
  await who.getByText('Ann Smith').waitFor();
  await who.getByText('Support').waitFor();
  // Support's UI: the console and the history, no administration.
  await page.getByTestId('new-session').waitFor();
  expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);

  // Sign-out goes through the provider's sign-out and back to the login page.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${url}/login`);
  await page.getByRole('link', { name: 'Sign in with Example ID' }).waitFor();
  expect((await context.request.get(`${url}/api/auth/me`)).status()).toBe(401);

  // Her group changed at the provider: the next sign-in (a new one there: she signed out) applies it.
  provider.accounts.set('ann', { ...provider.accounts.get('ann')!, groups: ['idp-admins'] });
  await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
  await signInAtProvider(page, 'ann');
  await page.waitForURL(`${url}/console`);
  await page.getByTestId('signed-in-as').getByText('Administrators').waitFor();
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL(`${url}/admin**`);
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

test('someone in no mapped group gets a page that says why, and a way back', async () => {
  const context = await newContext();
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${url}/login`);
  await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
  await signInAtProvider(page, 'bob');
  await page.waitForURL((u) => u.pathname === '/auth/oidc/callback');
  await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
  await page.getByText('Your account at Example ID is in none of the groups').waitFor();
  expect(describeViolations(await axe(page))).toBe('');
  await shot(page, '47-single-sign-on-refused');
  await page.getByRole('link', { name: 'Back to the login page' }).click();
  await page.waitForURL(`${url}/login`);
  expect((await context.request.get(`${url}/api/auth/me`)).status()).toBe(401);
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);
