// Without SMPP_URL Loupe still invites: the text goes to the log only, and the
// dialog says so plainly instead of pretending the SMS was sent.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, startLoupe, type LoupeProcess } from './loupe-process.ts';

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };
let loupe: LoupeProcess;
let browser: Browser;

async function post(path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${loupe.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

beforeAll(async () => {
  loupe = await startLoupe({ LOUPE_ADMIN_EMAIL: ADMIN.email, LOUPE_ADMIN_PASSWORD: ADMIN.password });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  browser = await chromium.launch(CHROMIUM);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
});

test('no SMS gateway: the text is logged, and the dialog tells the technician to read the PIN out', async () => {
  expect(loupe.logs.some((l) => String(l.msg).startsWith('SMPP_URL is not set'))).toBe(true);
  // The bundled Janus was started and supervised alongside.
  const health = (await (await fetch(`${loupe.url}/healthz`)).json()) as { status: string; checks: { janus: string } };
  expect(health).toMatchObject({ status: 'ok', checks: { janus: 'running' } });
  const admin = (await post('/api/auth/login', ADMIN)).headers.getSetCookie()[0]!.split(';')[0]!;
  const group = (await (
    await post(
      '/api/groups',
      { name: 'Desk', rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method'] },
      admin,
    )
  ).json()) as { id: string };
  await post(
    '/api/technicians',
    { email: 'dan@example.test', name: 'Dan Desk', password: 'dan desk password', groupId: group.id },
    admin,
  );

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${loupe.url}/login`);
  await page.getByLabel('Email').fill('dan@example.test');
  await page.getByLabel('Password').fill('dan desk password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/console');
  await page.getByTestId('new-session').click();
  const dialog = page.getByTestId('new-session-dialog');
  await dialog.getByLabel('Name').fill('Meter');
  await dialog.getByLabel('To:').fill('+31 6 11122233');
  await dialog.getByRole('button', { name: 'Send SMS' }).click();

  const pin = (await dialog.getByTestId('session-pin').innerText()).replace(/\D/g, '');
  await dialog.getByTestId('sms-console-note').waitFor();
  await dialog.locator('[data-testid="sms-status"][data-gateway="console"]', { hasText: 'Not sent' }).waitFor();
  expect(await dialog.getByTestId('resend-sms').count()).toBe(0);
  const logged = await loupe.waitForLog((l) => typeof l.text === 'string' && l.text.includes(pin));
  expect(logged.to).toBe('+31611122233');
  await page.screenshot({ path: `${SHOTS}21-no-sms-gateway.png` });
}, 60_000);
