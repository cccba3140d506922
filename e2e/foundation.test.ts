// What a newcomer does on day one, in a real Chromium against the real server:
// fresh data dir → setup link from the log → first administrator → a group and
// a technician → the technician signs in and sees the console.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pageProblems, shot as screenshot, submitSignIn } from './helpers.ts';
import { CHROMIUM, type LoupeProcess, startLoupe } from './loupe-process.ts';

let loupe: LoupeProcess;
let browser: Browser;
// 401s are expected here (signed out, a wrong password); anything else is not.
const { problems, watch } = pageProblems(/status of 401/);

// The whole page: the admin pages are longer than the window.
const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });

/** A new browser (its own cookies), its pages watched for problems. */
async function newBrowserPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  watch(page);
  return { context, page };
}

/** A new browser opens `path` signed out; Loupe sends it to the sign-in page, where `who` signs in. */
async function signInVia(path: string, who: { email: string; password: string }) {
  const opened = await newBrowserPage();
  await opened.page.goto(`${loupe.url}${path}`);
  await opened.page.waitForURL('**/login**');
  await submitSignIn(opened.page, who);
  return opened;
}

beforeAll(async () => {
  loupe = await startLoupe();
  browser = await chromium.launch(CHROMIUM);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
});

describe('first day with Loupe', () => {
  test('setup link → administrator → group → technician → technician signs in', async () => {
    const { setupUrl } = await loupe.waitForLog((l) => typeof l.setupUrl === 'string');
    expect(String(setupUrl)).toStartWith(`${loupe.url}/setup?token=`);

    const { context: adminContext, page } = await newBrowserPage();

    // The setup page creates the first administrator.
    await page.goto(String(setupUrl));
    await page.getByLabel('Name').fill('Ada Admin');
    await page.getByLabel('Email').fill('ada@example.test');
    await page.getByLabel('Password', { exact: true }).fill('first admin password');
    await page.getByLabel('Confirm password').fill('first admin password');
    await shot(page, '01-setup');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL('**/admin');
    await expect(page.getByText('Ada Admin').first().isVisible()).resolves.toBe(true);

    // The link died with its use.
    const reused = await (await browser.newPage()).goto(String(setupUrl));
    expect(reused?.status()).toBe(200); // the SPA loads, then tells the visitor
    expect((await fetch(`${loupe.url}/api/setup/${new URL(String(setupUrl)).searchParams.get('token')}`)).status).toBe(
      404,
    );

    // A group for field technicians.
    await page.getByRole('button', { name: 'Add group' }).click();
    const groupDialog = page.getByRole('dialog');
    await groupDialog.getByLabel('Name').fill('Field technicians');
    for (const right of [
      'Start Lens sessions',
      'Start private sessions',
      'Use the SMS method',
      'Use the link/PIN method',
    ]) {
      await groupDialog.getByLabel(right).check();
    }
    await groupDialog.getByLabel('PIN lifetime (minutes)').fill('15');
    await shot(page, '02-add-group');
    await groupDialog.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('cell', { name: 'Field technicians', exact: true }).waitFor();

    // A technician in it.
    await page.getByRole('button', { name: 'Add technician' }).click();
    const techDialog = page.getByRole('dialog');
    await techDialog.getByLabel('Name').fill('Tom Field');
    await techDialog.getByLabel('Email').fill('tom@example.test');
    await techDialog.getByLabel('Password', { exact: true }).fill('tom field password');
    await techDialog.getByLabel('Group').selectOption({ label: 'Field technicians' });
    await shot(page, '03-add-technician');
    await techDialog.getByRole('button', { name: 'Create technician' }).click();
    await page.getByRole('cell', { name: 'tom@example.test', exact: true }).waitFor();
    await shot(page, '04-admin');

    // Check against the API what the pages created.
    const groups = (await page.evaluate(() => fetch('/api/groups').then((r) => r.json()))) as {
      groups: { name: string; rights: string[]; settings: { pinLifetimeMinutes: number } }[];
    };
    const field = groups.groups.find((g) => g.name === 'Field technicians')!;
    expect(field.rights.sort()).toEqual([
      'start_lens_sessions',
      'start_private_sessions',
      'use_link_method',
      'use_sms_method',
    ]);
    expect(field.settings.pinLifetimeMinutes).toBe(15);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login**');
    await adminContext.close();

    // The technician signs in on another browser.
    const { context: techContext, page: tech } = await signInVia('/console', {
      email: 'tom@example.test',
      password: 'wrong password!!',
    });
    await tech.getByText('Wrong email or password').waitFor();
    await shot(tech, '05-login-error');
    await tech.getByLabel('Password').fill('tom field password');
    await tech.getByRole('button', { name: 'Sign in' }).click();
    await tech.waitForURL('**/console');
    await tech.getByText('Tom Field').first().waitFor();
    await tech.getByText('Field technicians').first().waitFor();
    await tech.getByTestId('new-session').waitFor();
    // No admin navigation for a technician without the administer right.
    expect(await tech.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await shot(tech, '06-console');

    const cookies = await techContext.cookies();
    const session = cookies.find((c) => c.name === 'loupe_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');

    expect(problems).toEqual([]);
    await techContext.close();
  }, 120_000);

  test('the administrator disables, re-enables and resets the password of a technician in the admin pages', async () => {
    const { context, page } = await signInVia('/admin', {
      email: 'ada@example.test',
      password: 'first admin password',
    });
    await page.waitForURL('**/admin');

    const signInAs = (password: string) =>
      fetch(`${loupe.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'tom@example.test', password }),
      }).then((r) => r.status);

    const row = page.getByTestId('technician-row').filter({ hasText: 'tom@example.test' });
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    expect(await signInAs('tom field password')).toBe(403);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Active').waitFor();

    await row.getByRole('button', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New password').fill('short');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByTestId('form-error').waitFor();
    await shot(page, '07-reset-password-error');
    await dialog.getByLabel('New password').fill('a brand new password');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await signInAs('tom field password')).toBe(401);
    expect(await signInAs('a brand new password')).toBe(200);

    // Edit a group: its settings change for everyone in it.
    const groupRow = page.getByTestId('group-row').filter({ hasText: 'Field technicians' });
    await groupRow.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').getByLabel('Max live Lens sessions').fill('2');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await groupRow.getByRole('cell', { name: '2', exact: true }).waitFor();

    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
