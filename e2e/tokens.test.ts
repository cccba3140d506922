// API tokens in the console, end to end on a real Loupe process and Chromium:
// a technician makes a personal token on the API tokens page (only the scopes
// their rights allow can be ticked), copies it from the dialog that shows it
// once, calls the API with it, and revokes it; the page and its dialog pass
// axe and the console's 24-px target rule.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, chromium } from 'playwright-core';
import { audit } from './axe.ts';
import { SHOTS, signInToConsole, startLoupeWithTechnician } from './helpers.ts';
import { CHROMIUM, type LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'tia@example.test', name: 'Tia Token', password: 'tia token password' };
let loupe: LoupeProcess;
let browser: Browser;

beforeAll(async () => {
  loupe = await startLoupeWithTechnician(
    { name: 'Field', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
    TECH,
  );
  browser = await chromium.launch(CHROMIUM);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
});

const sessionsWith = (token: string) =>
  fetch(`${loupe.url}/api/sessions`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

test('a technician makes a personal token, sees it once, uses it and revokes it', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await signInToConsole(page, loupe.url, TECH);
  await page.getByRole('link', { name: 'API tokens' }).click();
  const section = page.getByTestId('tokens-section');
  await section.getByText('You have no API tokens.').waitFor();
  await audit(page, { name: 'tokens-empty', shots: SHOTS, minTarget: 24 });

  await section.getByRole('button', { name: 'New token' }).click();
  const dialog = page.getByTestId('token-dialog');
  await dialog.getByLabel('Name').fill('Ticket macro');
  // webhooks:manage needs "administer", which this group does not have.
  expect(await dialog.locator('#scope-webhooks\\:manage').isDisabled()).toBe(true);
  await dialog.getByLabel('sessions:read · Read sessions').check();
  await audit(page, { name: 'tokens-new', shots: SHOTS, minTarget: 24 });
  await dialog.getByRole('button', { name: 'Create token' }).click();

  const secret = dialog.getByTestId('token-secret');
  await secret.waitFor();
  const token = await secret.locator('input').inputValue();
  expect(token).toMatch(/^loupe_[\w-]{43}$/);
  await audit(page, { name: 'tokens-secret', shots: SHOTS, minTarget: 24 });
  await dialog.getByRole('button', { name: 'Done' }).click();

  const row = section.locator('[data-testid="token-row"][data-name="Ticket macro"]');
  await row.waitFor();
  expect(await row.getAttribute('data-prefix')).toBe(token.slice(0, 10));
  // The list never shows the secret again.
  expect(await page.content()).not.toContain(token.slice(10));
  expect(await sessionsWith(token)).toBe(200);

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await section.getByText('Revoked Ticket macro.').waitFor();
  expect(await sessionsWith(token)).toBe(401);
}, 90_000);
