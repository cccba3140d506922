// The first half of the product's main path, in real Chromium against the real
// server and a real SMSC (the smpp package's server on loopback): a technician
// sends a Lens invitation by SMS; the test takes the link from the submit_sm
// PDU and opens it on a phone-sized page with a fake camera; tutorial,
// permission, EULA; the session appears in the console without a reload.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestSmsc, type TestSmsc } from '../src/sms/test-smsc.ts';
import {
  launchWithFakeCamera,
  PROVOKED_STATUSES,
  pageProblems,
  phoneDevice,
  sendSmsInvitation,
  shot,
  signInToConsole,
  startLoupeWithTechnician,
} from './helpers.ts';
import type { LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'tess@example.test', password: 'tess password 123', name: 'Tess de Vries' };

let smsc: TestSmsc;
let loupe: LoupeProcess;
let browser: Browser;
let console_: Page;
let phone: BrowserContext;
// 401 (signed out), 404 (a used link), 409 (the one-session limit) are answers this test provokes.
const { problems, watch } = pageProblems(PROVOKED_STATUSES);

beforeAll(async () => {
  smsc = await startTestSmsc({ systemId: 'loupe', password: 'smsc secret' });
  loupe = await startLoupeWithTechnician(
    { name: 'Field', rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'] },
    TECH,
    { SMPP_URL: smsc.url, SMPP_SOURCE_ADDR: 'Loupe' },
  );

  browser = await launchWithFakeCamera();
  console_ = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  watch(console_, 'console');
  phone = await browser.newContext(phoneDevice());
  await phone.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
  await smsc?.stop();
});

describe('Lens invitation by SMS', () => {
  let link: string;
  let pin: string;

  test('the technician sends an SMS; the PIN shows in the dialog and the SMSC receives the text', async () => {
    await signInToConsole(console_, loupe.url, TECH);
    // Marks this page load: if the console reloaded, the marker would be gone.
    await console_.evaluate(() => {
      (window as unknown as { loupeMarker: number }).loupeMarker = 42;
    });

    const dialog = await sendSmsInvitation(console_, 'Router at Jansen', '06 12345678');

    const pinText = (await dialog.getByTestId('session-pin').innerText()).replace(/\D/g, '');
    expect(pinText).toMatch(/^\d{6}$/);
    pin = pinText;

    const message = await smsc.waitForMessage((m) => m.to === '31612345678', 15_000);
    expect(message.text).toContain(pin);
    const part = message.parts[0]!;
    expect(part.pdu.source_addr).toBe('Loupe');
    expect(part.pdu.source_addr_ton).toBe(5);
    expect(part.pdu.dest_addr_ton).toBe(1);
    expect(part.pdu.data_coding).toBe(0);
    link = message.text.match(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]+/)![0];
    expect(link).toStartWith(`${loupe.url}/l/`);

    // The status follows the SMS live: sent, then delivered once the receipt comes.
    await dialog.locator('[data-testid="sms-status"][data-status="sent"]').waitFor({ timeout: 10_000 });
    await smsc.sendReceipt(message.messageId, 'DELIVRD');
    await dialog.locator('[data-testid="sms-status"][data-status="delivered"]').waitFor({ timeout: 10_000 });
    await shot(console_, '10-new-session-dialog');
    await dialog.getByTestId('done').click();
    await console_.getByTestId('invitation-row').filter({ hasText: 'Router at Jansen' }).waitFor();
  }, 60_000);

  test('the customer opens the link on a phone: tutorial, camera permission with preview, EULA, waiting', async () => {
    const page = await phone.newPage();
    watch(page, 'phone');
    await page.goto(link);

    await page.getByTestId('lens-tutorial').waitFor();
    await shot(page, '11-lens-tutorial');
    // Opening the link is visible to the technician at once.
    await console_.getByTestId('invitation-opened').waitFor({ timeout: 10_000 });
    await page.getByTestId('tutorial-ok').click();

    await page.getByTestId('lens-permission').waitFor();
    await shot(page, '12-lens-permission');
    await page.getByTestId('permission-allow').click();
    const preview = page.getByTestId('lens-preview');
    await preview.waitFor();
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]');
        return !!v && v.videoWidth > 0 && !v.paused;
      },
      undefined,
      { timeout: 10_000 },
    );
    await shot(page, '13-lens-preview');
    await page.getByTestId('permission-continue').click();

    await page.getByTestId('lens-eula').waitFor();
    expect(await page.getByTestId('lens-eula-text').innerText()).toContain('Akkoord'); // a +31 number gets Dutch
    await shot(page, '14-lens-eula');
    // Before the EULA the session is not in the technician's list.
    expect(await console_.getByTestId('session-row').count()).toBe(0);
    await page.getByTestId('eula-accept').click();

    await page.getByTestId('lens-waiting').waitFor();
    await shot(page, '15-lens-waiting');
  }, 60_000);

  test("the session appears in the technician's list, live, and Start is enabled", async () => {
    const row = console_.getByTestId('session-row').filter({ hasText: 'Router at Jansen' });
    await row.waitFor({ timeout: 10_000 });
    expect(await console_.evaluate(() => (window as unknown as { loupeMarker?: number }).loupeMarker)).toBe(42);
    expect(await console_.getByTestId('invitation-row').count()).toBe(0);
    await row.click();
    const detail = console_.getByTestId('session-detail');
    await detail.waitFor();
    expect(await detail.innerText()).toContain('+31');
    expect(await console_.getByTestId('start-session').isEnabled()).toBe(true);
    await shot(console_, '16-console-session');
  }, 30_000);

  test('a second session by the same technician gets the clear one-session message', async () => {
    const dialog = await sendSmsInvitation(console_, 'Meter upstairs', '06 87654321');
    const error = dialog.getByTestId('new-session-error');
    await error.waitFor();
    expect(await error.innerText()).toContain('"Router at Jansen"');
    await shot(console_, '17-one-session-limit');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await Bun.sleep(500);
    expect(smsc.messages()).toHaveLength(1);
  }, 30_000);

  test('the technician ends the session; the phone says so; the used link is dead', async () => {
    const page = phone.pages()[0]!;
    console_.once('dialog', (d) => void d.accept());
    await console_.getByTestId('end-session').click();
    const confirm = console_.getByRole('button', { name: /^End session$/ }).last();
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
    await page.getByTestId('lens-ended').waitFor({ timeout: 10_000 });
    await shot(page, '18-lens-ended');
    await console_.getByTestId('history').waitFor();

    const other = await browser.newContext(phoneDevice());
    const fresh = await other.newPage();
    await fresh.goto(link);
    await fresh.getByTestId('lens-invalid').waitFor();
    await shot(fresh, '19-lens-invalid-link');
    await other.close();
  }, 30_000);

  test('the PIN typed by hand at /l opens a link/PIN invitation', async () => {
    await console_.getByTestId('new-session').click();
    const dialog = console_.getByTestId('new-session-dialog');
    await dialog.getByLabel('Name').fill('Meter by phone call');
    await dialog.getByRole('tab', { name: 'Link/PIN' }).click();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const typed = (await dialog.getByTestId('session-pin').innerText()).replace(/\D/g, '');
    await dialog.getByTestId('done').click();

    const other = await browser.newContext(phoneDevice());
    const page = await other.newPage();
    watch(page, 'pin-phone');
    const lookedUp: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/lens/session') lookedUp.push(r.method());
    });
    await page.goto(`${loupe.url}/l`);
    await page.getByTestId('pin-input').fill(typed);
    // A first visit has no session to resume: the PIN field came without asking the server for one.
    expect(lookedUp).toEqual([]);
    await shot(page, '20-lens-pin');
    await page.getByTestId('pin-continue').click();
    await page.getByTestId('lens-tutorial').waitFor();
    // Now this browser has a session: a reload of /l looks for it and resumes it instead of asking for the PIN.
    await page.reload();
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="lens-checking"]') && !!document.querySelector('main'),
    );
    await page.waitForTimeout(200);
    expect(await page.getByTestId('pin-input').count()).toBe(0);
    expect(lookedUp).toEqual(['GET']);
    await other.close();
    expect(problems).toEqual([]);
  }, 30_000);
});
