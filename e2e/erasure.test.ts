// A data subject's erasure by e-mail address, in real Chromium against the
// real server and a real SMTP server (smtp-server on loopback): a customer
// was invited by e-mail and the session ended; the administrator types the
// address as the customer wrote it (another case) into the Administration
// page's erasure field, which says it reads an address, confirms, and gets
// the receipt; the session then has no address any more. axe checks the
// section and the confirmation (serious and critical findings fail).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { startTestSmtp, type TestSmtp } from '../src/email/test-smtp.ts';
import { axe, describeViolations } from './axe.ts';
import {
  ADMINISTRATOR,
  launchWithFakeCamera,
  pageProblems,
  PROVOKED_STATUSES,
  postJson,
  shot,
  signInByApi,
  signInToConsole,
  startLoupeWithTechnician,
} from './helpers.ts';
import type { LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'tess@example.test', password: 'tess password 123', name: 'Tess de Vries' };
const RIGHTS = ['start_lens_sessions', 'start_private_sessions', 'use_link_method', 'use_email_method'];
const ADDRESS = 'jan.jansen@example.test';

let smtp: TestSmtp;
let loupe: LoupeProcess;
let browser: Browser;
let page: Page;
const { problems, watch } = pageProblems(PROVOKED_STATUSES);

const serious = async (p: Page) =>
  describeViolations((await axe(p)).filter((v) => v.impact === 'serious' || v.impact === 'critical'));

beforeAll(async () => {
  smtp = await startTestSmtp();
  loupe = await startLoupeWithTechnician({ name: 'Field', rights: RIGHTS }, TECH, {
    SMTP_URL: smtp.url(),
    SMTP_FROM: 'Support <support@example.test>',
  });
  browser = await launchWithFakeCamera();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  watch(page, 'admin');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
  await smtp?.stop();
});

describe('erasure by e-mail address', () => {
  test('the administrator erases an invited customer by address; the receipt counts it, the session keeps none', async () => {
    const tech = await signInByApi(loupe.url, TECH);
    const made = await postJson(
      loupe.url,
      '/api/sessions',
      { type: 'lens', name: 'Boiler at Jansen', method: 'email', email: ADDRESS },
      tech,
    );
    const session = (await made.json()) as { id: string; email: string };
    expect(session.email).toBe(ADDRESS);
    await smtp.waitForMail(1, 15_000);
    await postJson(loupe.url, `/api/sessions/${session.id}/end`, {}, tech);

    await signInToConsole(page, loupe.url, ADMINISTRATOR);
    await page.goto(`${loupe.url}/admin`);
    const section = page.getByTestId('erasure-section');
    await section.scrollIntoViewIfNeeded();
    await section.getByLabel('Phone number or e-mail address').fill('Jan.Jansen@Example.TEST');
    await section.getByText('Read as an e-mail address').waitFor();
    expect(await serious(page)).toBe('');
    await section.getByRole('button', { name: 'Erase…' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('Erase everything about Jan.Jansen@Example.TEST?').waitFor();
    expect(await serious(page)).toBe('');
    await confirm.getByRole('button', { name: 'Erase for good' }).click();

    const receipt = page.getByTestId('erasure-receipt');
    await receipt.waitFor();
    expect(await receipt.getByRole('heading').innerText()).toBe(`Erased: ${ADDRESS}`);
    expect(await receipt.innerText()).toContain('Sessions with this address: 1');
    const emails = receipt.locator('div', { has: page.getByText('E-mail addresses', { exact: true }) });
    expect(await emails.locator('dd').innerText()).toBe('1');
    await receipt.getByText('Session ids').click();
    expect(await receipt.locator('code').allInnerTexts()).toEqual([session.id]);
    expect(await serious(page)).toBe('');
    await shot(page, 'erasure-by-email');

    // The record stays; the address is gone from it.
    const after = await fetch(`${loupe.url}/api/sessions/${session.id}`, { headers: { cookie: tech } });
    expect(((await after.json()) as { email: string | null }).email).toBeNull();
    // Erasing it again finds nothing left.
    const admin = await signInByApi(loupe.url, ADMINISTRATOR);
    const again = await postJson(loupe.url, '/api/erasures', { email: ADDRESS }, admin);
    const second = (await again.json()) as { receipt: { sessionIds: string[]; email: string; phone: null } };
    expect(second.receipt).toMatchObject({ sessionIds: [], email: ADDRESS, phone: null });
    expect(problems).toEqual([]);
  }, 120_000);
});
