// Single sign-on in Chromium, end to end: Loupe as a process with OIDC_* set
// and password sign-in off (but for the break-glass administrator), a real
// OpenID Provider (oidc-provider) in this process on 127.0.0.1. A technician
// presses "Sign in with Example ID" on the login page, signs in on the
// provider's own form, lands on the console with the mapped group's UI, signs
// out (through the provider's sign-out), comes back as an administrator after
// their group changed at the provider, and someone without a mapped group
// gets the refusal page. Tampered answers are refused in the browser too: a
// changed or replayed state, an ID token with another nonce, an answer from
// another issuer; each with the refusal page and no Loupe sign-in.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestProvider, type TestAccount, type TestProvider } from '../src/oidc/test-provider.ts';
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
async function signInAtProvider(page: Page, login: string, issuer = provider.issuer) {
  await page.waitForURL((u) => u.origin === issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

const problemsOf = (page: Page) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    // Loupe's own pages only; the refusal page's 400/403 is the answer under test.
    if (m.type() === 'error' && page.url().startsWith(url) && !/status of 40[03]/.test(m.text()))
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

/** Loupe's refusal page says `why`, and this browser is signed in nowhere in Loupe. */
async function refusedWithoutSession(page: Page, why: string) {
  await page.waitForURL((u) => u.origin === url && u.pathname === '/auth/oidc/callback');
  await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
  await page.getByText(why).waitFor();
  await page.getByRole('link', { name: 'Back to the login page' }).waitFor();
  expect((await page.context().cookies(url)).map((c) => c.name)).not.toContain('loupe_session');
  expect((await page.context().request.get(`${url}/api/auth/me`)).status()).toBe(401);
}

const STATE_REFUSED = 'This sign-in has expired, was already used or was started in another browser.';
const NOT_VERIFIED = 'Loupe could not verify the answer from Example ID.';
const cara: TestAccount = { sub: 'cara', email: 'cara@example.test', name: 'Cara Lee', groups: ['idp-support'] };

/**
 * Loupe's start of a sign-in in this browser (its state cookie lands in the
 * context's jar), stopped at Loupe's redirect: the authorization request, for
 * the test to change before the browser goes there. (Playwright's routes do
 * not see the requests of a redirect chain, so the change cannot be made in flight.)
 */
async function authorizationRequest(context: BrowserContext): Promise<URL> {
  const start = await context.request.get(`${url}/auth/oidc/login`, { maxRedirects: 0 });
  expect(start.status()).toBe(302);
  expect((await context.cookies(`${url}/auth/oidc`)).map((c) => c.name)).toContain('loupe_oidc');
  return new URL(start.headers().location!);
}

test('a callback with a changed state, or replayed in another browser, is refused', async () => {
  provider.accounts.set(cara.sub, cara);
  const context = await newContext();
  const page = await context.newPage();
  const problems = problemsOf(page);
  // The provider's answer comes back with another state than the one this browser's sign-in holds.
  const request = await authorizationRequest(context);
  request.searchParams.set('state', 'A'.repeat(43));
  await page.goto(request.href);
  await signInAtProvider(page, cara.sub);
  await refusedWithoutSession(page, STATE_REFUSED);
  expect(new URL(page.url()).searchParams.get('state')).toBe('A'.repeat(43));

  // A genuine sign-in in a second browser; its answer (the callback URL) opened again in a third: refused.
  const second = await (await newContext()).newPage();
  const callbacks: string[] = [];
  second.on('request', (r) => {
    if (r.url().startsWith(`${url}/auth/oidc/callback`)) callbacks.push(r.url());
  });
  await second.goto(`${url}/login`);
  await second.getByRole('link', { name: 'Sign in with Example ID' }).click();
  await signInAtProvider(second, cara.sub);
  await second.waitForURL(`${url}/console`);
  await second.getByTestId('signed-in-as').getByText('Cara Lee').waitFor();
  expect(callbacks).toHaveLength(1);
  const third = await (await newContext()).newPage();
  await third.goto(callbacks[0]!);
  await refusedWithoutSession(third, STATE_REFUSED);
  expect(problems).toEqual([]);
  for (const c of [context, second.context(), third.context()]) await c.close();
}, 60_000);

test('an ID token with another nonce than the sign-in asked for is refused', async () => {
  provider.accounts.set(cara.sub, cara);
  const context = await newContext();
  const page = await context.newPage();
  const problems = problemsOf(page);
  // The authorization request reaches the provider with an attacker's nonce: the ID token carries that one.
  const request = await authorizationRequest(context);
  expect(request.searchParams.get('nonce')).toBeTruthy();
  request.searchParams.set('nonce', 'an-attackers-nonce');
  await page.goto(request.href);
  await signInAtProvider(page, cara.sub);
  await refusedWithoutSession(page, NOT_VERIFIED);
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

test('an answer from another issuer is refused', async () => {
  // A second provider that knows the same client (id, secret, callback): a real answer, from the wrong issuer.
  const impostor = await startTestProvider({
    redirectUris: [`${url}/auth/oidc/callback`],
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    accounts: [{ sub: 'kim', email: 'kim@example.test', name: 'Kim Park', groups: ['idp-admins'] }],
  });
  try {
    const context = await newContext();
    const page = await context.newPage();
    const problems = problemsOf(page);
    // Loupe's authorization request, sent to the impostor instead.
    const request = await authorizationRequest(context);
    await page.goto(`${impostor.issuer}${request.pathname}${request.search}`);
    await signInAtProvider(page, 'kim', impostor.issuer);
    await refusedWithoutSession(page, NOT_VERIFIED);
    expect(new URL(page.url()).searchParams.get('iss')).toBe(impostor.issuer);
    expect(problems).toEqual([]);
    await context.close();
  } finally {
    await impostor.stop();
  }
}, 60_000);
