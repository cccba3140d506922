// The console when its sign-in ends elsewhere: an administrator disables the
// technician while the console is open. The server closes the socket (4401)
// at once; the page takes the sessions (with their PINs) off the screen and
// goes to the sign-in page instead of reconnecting into refusals.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, chromium } from 'playwright-core';
import { ADMINISTRATOR, postJson, shot, signInByApi, signInToConsole, startLoupeWithTechnician } from './helpers.ts';
import { CHROMIUM, type LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'sam@example.test', name: 'Sam Signout', password: 'sam signout password' };
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

test('disabled while the console is open: the PIN leaves the screen and the page asks to sign in', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signInToConsole(page, loupe.url, TECH);
  const techCookie = await signInByApi(loupe.url, TECH);
  await postJson(loupe.url, '/api/sessions', { type: 'lens', name: 'Boiler room', method: 'link' }, techCookie);
  await page.getByText('Boiler room').first().waitFor();

  const admin = await signInByApi(loupe.url, ADMINISTRATOR);
  const { technicians } = (await (
    await fetch(`${loupe.url}/api/technicians`, { headers: { cookie: admin } })
  ).json()) as {
    technicians: { id: string; email: string }[];
  };
  const id = technicians.find((t) => t.email === TECH.email)!.id;
  const disabled = await fetch(`${loupe.url}/api/technicians/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', cookie: admin },
    body: JSON.stringify({ disabled: true }),
  });
  expect(disabled.status).toBe(200);

  await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/console');
  expect(await page.getByText('Boiler room').count()).toBe(0);
  await page.getByTestId('signed-out').getByText('You were signed out').waitFor();
  await shot(page, '40-console-signed-out');
}, 60_000);
