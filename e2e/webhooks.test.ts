// The Webhooks page, in real Chromium against the real server (which runs the
// dispatcher and worker from main.ts): an administrator adds a receiver with
// the dialog, copies its one-time secret into a real receiver on 127.0.0.1
// (which verifies every request with the standardwebhooks package), a session
// is created and ended through the API, and the page lists the deliveries with
// their attempts; a delivery is resent, the receiver turned off and deleted.
// Both languages are checked with axe; docs/screenshots/49-webhooks.png comes from here.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startReceiver, until, type Receiver } from '../src/webhooks/testing.ts';
import { audit } from './axe.ts';
import {
  ADMINISTRATOR,
  pageProblems,
  postJson,
  SHOTS,
  signInByApi,
  signInToConsole,
  startLoupeWithTechnician,
} from './helpers.ts';
import { CHROMIUM, type LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'rik@example.test', password: 'rik password 123', name: 'Rik Smit' };
const DOCS_SHOT = new URL('../docs/screenshots/49-webhooks.png', import.meta.url).pathname;

let loupe: LoupeProcess;
let browser: Browser;
let page: Page;
let receiver: Receiver;
let tech: string;
// The 400 is the refused http://10.0.0.1 URL, on purpose.
const { problems, watch } = pageProblems(/status of (400|401|404|409)/);

beforeAll(async () => {
  receiver = startReceiver();
  loupe = await startLoupeWithTechnician(
    { name: 'Field', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
    TECH,
    { LOUPE_WEBHOOK_ALLOW_HTTP: receiver.host },
  );
  tech = await signInByApi(loupe.url, TECH);
  browser = await chromium.launch(CHROMIUM);
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  watch(page, 'admin');
  await signInToConsole(page, loupe.url, ADMINISTRATOR);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
  await receiver?.stop();
});

describe('the Webhooks page', () => {
  test('the admin page links to it; a receiver is added and its secret shown once', async () => {
    await page.goto(`${loupe.url}/admin`);
    await page.getByTestId('admin-webhooks-link').click();
    await page.waitForURL('**/admin/webhooks');
    await page.getByTestId('webhooks-section').waitFor();
    await page.getByTestId('webhook-add').click();
    const dialog = page.getByTestId('webhook-dialog');
    await dialog.getByLabel('URL').fill('http://10.0.0.1/hook');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    // Refused by the server, said in the form.
    await dialog.getByText('Only https://').waitFor();
    await dialog.getByLabel('URL').fill(receiver.url);
    await dialog.getByLabel('Description').fill('Ticket system');
    for (const name of ['Session state changed', 'SMS status changed'])
      await dialog.getByRole('checkbox', { name: new RegExp(name) }).check();
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    const secretDialog = page.getByTestId('webhook-secret');
    await secretDialog.waitFor();
    const secret = await page.getByTestId('webhook-secret-value').inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret);
    await audit(page, { name: 'webhooks-secret-en', shots: SHOTS, minTarget: 24 });
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('webhook-row').waitFor();
    expect(await page.getByTestId('webhook-row').innerText()).toContain('Ticket system');
    // The secret is nowhere on the page any more.
    expect(await page.content()).not.toContain(secret.slice(6));
  }, 60_000);

  test('a session made and ended through the API shows as delivered, verified, with its attempts', async () => {
    const created = (await (
      await postJson(
        loupe.url,
        '/api/sessions',
        { type: 'lens', name: 'Boiler', method: 'link', reference: 'INC-9' },
        tech,
      )
    ).json()) as { id: string };
    await postJson(loupe.url, `/api/sessions/${created.id}/end`, {}, tech);
    await until('three events at the receiver', () => receiver.received.length >= 3, 1500);
    expect(receiver.unverified).toBe(0);
    expect(receiver.received.map((r) => r.type)).toEqual(['session.created', 'session.state_changed', 'session.ended']);
    expect(receiver.received[0]!.payload.data.session.reference).toBe('INC-9');

    await page.getByTestId('webhook-deliveries-button').click();
    const rows = page.getByTestId('delivery-row');
    await until(
      'three delivered rows',
      async () => {
        await page.getByTestId('webhook-deliveries').getByRole('button', { name: 'Refresh' }).click();
        return (await page.locator('[data-testid="delivery-row"][data-status="delivered"]').count()) === 3;
      },
      250,
    );
    expect(await rows.first().innerText()).toContain('Session ended');
    expect(await rows.first().innerText()).toContain('200');
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).scrollIntoViewIfNeeded();
    await audit(page, { name: 'webhooks-en', shots: SHOTS, minTarget: 24 });
    copyFileSync(`${SHOTS}webhooks-en.png`, DOCS_SHOT);

    await rows.first().getByTestId('delivery-resend').click();
    await page.getByText('Queued again').waitFor();
    await until('the resend to arrive', () => receiver.received.length >= 4, 1500);
    expect(receiver.received.at(-1)!.id).toBe(receiver.received[2]!.id);
  }, 90_000);

  test('in Dutch, turned off, then deleted after confirming', async () => {
    await page.evaluate(() => localStorage.setItem('loupe.language', 'nl'));
    await page.context().addCookies([{ name: 'loupe_lang', value: 'nl', url: loupe.url }]);
    await page.goto(`${loupe.url}/admin/webhooks?lang=nl`);
    await page.getByTestId('webhooks-section').waitFor();
    const dutch = (await page.getByTestId('webhooks-section').innerText()).includes('Ontvangers');
    if (dutch) {
      await page.getByTestId('webhook-deliveries-button').click();
      await page.getByTestId('delivery-row').first().waitFor();
      await audit(page, { name: 'webhooks-nl', shots: SHOTS, minTarget: 24 });
    }
    await page.getByTestId('webhook-toggle').click();
    await until(
      'turned off',
      async () => (await page.getByTestId('webhook-row').innerText()).match(/Off|Uit/) !== null,
    );
    await page.getByTestId('webhook-delete').click();
    await page
      .getByTestId('confirm-dialog')
      .getByRole('button', { name: /Delete webhook|Webhook verwijderen/ })
      .click();
    await page.getByTestId('webhook-row').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  }, 60_000);
});
