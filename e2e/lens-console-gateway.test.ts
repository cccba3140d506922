// Without SMPP_URL Loupe still invites: the text is not sent, the dialog says so
// plainly instead of pretending it was, and the log says a text was due
// without its PIN or link (no secret reaches a log).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, chromium } from 'playwright-core';
import { ADMINISTRATOR_ENV, addTechnician, sendSmsInvitation, shot, signInToConsole } from './helpers.ts';
import { CHROMIUM, type LoupeProcess, startLoupe } from './loupe-process.ts';

const TECH = { email: 'dan@example.test', name: 'Dan Desk', password: 'dan desk password' };
let loupe: LoupeProcess;
let browser: Browser;

beforeAll(async () => {
  loupe = await startLoupe(ADMINISTRATOR_ENV);
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  browser = await chromium.launch(CHROMIUM);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
});

test('no SMS gateway: the dialog tells the technician to read the PIN out; the log says a text was due, without its PIN or link', async () => {
  expect(loupe.logs.some((l) => String(l.msg).startsWith('SMPP_URL is not set'))).toBe(true);
  // The bundled Janus was started and supervised alongside.
  const health = (await (await fetch(`${loupe.url}/healthz`)).json()) as { status: string; checks: { janus: string } };
  expect(health).toMatchObject({ status: 'ok', checks: { janus: 'running' } });
  await addTechnician(
    loupe.url,
    { name: 'Desk', rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method'] },
    TECH,
  );

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signInToConsole(page, loupe.url, TECH);
  const dialog = await sendSmsInvitation(page, 'Meter', '+31 6 11122233');

  const pin = (await dialog.getByTestId('session-pin').innerText()).replace(/\D/g, '');
  await dialog.getByTestId('sms-console-note').waitFor();
  await dialog.locator('[data-testid="sms-status"][data-gateway="console"]', { hasText: 'Not sent' }).waitFor();
  expect(await dialog.getByTestId('resend-sms').count()).toBe(0);
  const logged = await loupe.waitForLog((l) => l.msg === 'SMS (console gateway, not sent)');
  expect(logged).toMatchObject({ to: '+316•••••233', characters: expect.any(Number) });
  const link = await dialog.getByTestId('session-link').inputValue();
  expect(loupe.output()).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${pin}(?![0-9A-Za-z])`));
  expect(loupe.output()).not.toContain(link.split('/l/')[1]!);
  await shot(page, '21-no-sms-gateway');
}, 60_000);
