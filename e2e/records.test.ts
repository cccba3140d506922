// The session record, in real Chromium against the real server (embedded
// PGlite, no Janus): a link/PIN session with a reference is redeemed and its
// EULA accepted through the API as the customer's phone would, then ended
// before Start. The technician (who also administers) finds it on the History
// page by its reference, opens its report (name, reference, timeline, device),
// keeps notes across a reload, downloads the evidence bundle and checks it with
// scripts/evidence-verify.ts (intact; then a copy with an added file is not),
// and finds the session's rows, notes.edited among them, on /admin/audit.
// docs/records.md is the design.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  PHONE_UA,
  PROVOKED_STATUSES,
  pageProblems,
  postJson,
  shot,
  signInByApi,
  signInToConsole,
  startLoupeWithTechnician,
} from './helpers.ts';
import { CHROMIUM, type LoupeProcess } from './loupe-process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const TECH = { email: 'rik@example.test', password: 'rik password 123', name: 'Rik Smit' };
const NAME = 'Boiler at Jansen';
const REFERENCE = 'INC-4711';
const NOTES = 'Valve HR-28 to be replaced on site tomorrow.';

let loupe: LoupeProcess;
let browser: Browser;
let page: Page;
let sessionId: string;
const tmp = mkdtempSync(join(tmpdir(), 'loupe-records-'));
const { problems, watch } = pageProblems(PROVOKED_STATUSES);

/** Runs the evidence verifier as a recipient would: its exit code and what it printed. */
function verify(zip: string, key: string): { code: number; out: string } {
  const run = Bun.spawnSync([join(ROOT, 'node_modules/.bin/bun'), 'scripts/evidence-verify.ts', zip, '--key', key], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: run.exitCode, out: `${run.stdout.toString()}${run.stderr.toString()}` };
}

beforeAll(async () => {
  // One person who owns the session (only the owner edits notes) and administers (the audit page).
  loupe = await startLoupeWithTechnician(
    { name: 'Claims', rights: ['administer', 'start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
    TECH,
  );
  const tech = await signInByApi(loupe.url, TECH);

  // The session, as the console's New session dialog makes it, with a reference.
  const created = (await (
    await postJson(
      loupe.url,
      '/api/sessions',
      { type: 'lens', name: NAME, method: 'link', language: 'en', reference: REFERENCE },
      tech,
    )
  ).json()) as { id: string; pin: string };
  sessionId = created.id;

  // The customer's phone: the PIN, then the EULA.
  const redeemed = await fetch(`${loupe.url}/api/lens/redeem`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': PHONE_UA.chromeAndroid },
    body: JSON.stringify({ pin: created.pin }),
  });
  if (!redeemed.ok) throw new Error(`redeem: ${redeemed.status} ${await redeemed.text()}`);
  const customer = redeemed.headers
    .getSetCookie()
    .find((c) => c.startsWith('loupe_lens='))!
    .split(';')[0]!;
  const eula = await fetch(`${loupe.url}/api/lens/eula`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': PHONE_UA.chromeAndroid, cookie: customer },
    body: JSON.stringify({ accept: true }),
  });
  if (!eula.ok) throw new Error(`eula: ${eula.status} ${await eula.text()}`);

  // Ended before Start: no media needed.
  await postJson(loupe.url, `/api/sessions/${sessionId}/end`, {}, tech);

  browser = await chromium.launch(CHROMIUM);
  page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true })).newPage();
  watch(page, 'console');
  await signInToConsole(page, loupe.url, TECH);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the session record', () => {
  const historyRow = () => page.locator(`[data-testid="history-page-row"][data-session-id="${sessionId}"]`);

  test('History lists the ended session; the search finds it by its reference and hides it for other words', async () => {
    await page.goto(`${loupe.url}/console/history`);
    await page.getByTestId('history-page').waitFor();
    await historyRow().waitFor();
    expect(await historyRow().innerText()).toContain(NAME);
    expect(await historyRow().innerText()).toContain(REFERENCE);

    const search = page.getByTestId('history-search');
    await search.fill('4711');
    await page.waitForURL((u) => u.searchParams.get('q') === '4711');
    await historyRow().waitFor();
    expect(await page.getByTestId('history-page-row').count()).toBe(1);

    await search.fill('nothing-matches');
    await page.getByTestId('history-empty').waitFor();
    expect(await page.getByTestId('history-empty').innerText()).toBe('No ended session matches these filters.');
    expect(await page.getByTestId('history-page-row').count()).toBe(0);

    await search.fill('4711');
    await historyRow().waitFor();
    const link = historyRow().getByRole('link', { name: NAME });
    expect(await link.getAttribute('href')).toBe(`/console/sessions/${sessionId}`);
    await shot(page, 'records-01-history');
    await link.click();
    await page.waitForURL(`**/console/sessions/${sessionId}`);
  }, 60_000);

  test('the report shows the name, the reference, the timeline and the device', async () => {
    await page.locator(`[data-testid="report-page"][data-session-id="${sessionId}"]`).waitFor();
    expect(await page.getByTestId('report-name').innerText()).toBe(NAME);
    expect(await page.getByTestId('report-reference').innerText()).toBe(REFERENCE);

    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const kinds = await page
      .getByTestId('timeline-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toEqual(['session.invited', 'session.opened', 'session.eula_accepted', 'session.closed']);
    const row = (kind: string) => page.locator(`[data-testid="timeline-row"][data-kind="${kind}"]`);
    expect(await row('session.invited').innerText()).toContain('Invited');
    expect(await row('session.invited').innerText()).toContain(REFERENCE);
    expect(await row('session.opened').innerText()).toContain('Customer opened the invitation');
    expect(await row('session.eula_accepted').innerText()).toContain('EULA accepted');
    expect(await row('session.closed').innerText()).toContain('Ended');

    const device = await page.getByTestId('report-device').innerText();
    expect(device).toContain('Chrome 131 on Android 14');
    expect(await page.getByTestId('report-device').getAttribute('title')).toBe(PHONE_UA.chromeAndroid);
    await shot(page, 'records-02-report', { fullPage: true });
  }, 30_000);

  test('notes typed and saved are there after a reload', async () => {
    const text = page.getByTestId('notes-text');
    expect(await page.getByTestId('notes-save').isDisabled()).toBe(true);
    await text.fill(NOTES);
    await page.getByTestId('notes-save').click();
    await page.getByTestId('notes-form').getByRole('status').getByText('Saved.').waitFor();
    await page.getByTestId('notes-last').waitFor();
    expect(await page.getByTestId('notes-last').innerText()).toContain(TECH.name);

    await page.reload();
    await page.getByTestId('report-page').waitFor();
    expect(await page.getByTestId('notes-text').inputValue()).toBe(NOTES);
    expect(await page.getByTestId('notes-save').isDisabled()).toBe(true);
    // The edit is in the timeline too, by its length, not its text.
    const edited = page.locator('[data-testid="timeline-row"][data-kind="notes.edited"]');
    await edited.waitFor();
    expect(await edited.innerText()).toContain('Notes edited');
    expect(await edited.innerText()).not.toContain(NOTES);
  }, 30_000);

  test('the export link downloads a signed ZIP the verifier calls intact; an added file is caught', async () => {
    const key = (await (await fetch(`${loupe.url}/api/evidence-key`)).json()) as {
      publicKey: string;
      fingerprint: string;
    };
    // The fingerprint beside the link is the key's, in groups of four.
    const fingerprint = page.locator('[data-evidence-fingerprint]');
    await fingerprint.waitFor();
    expect((await fingerprint.innerText()).replace(/\s/g, '')).toBe(key.fingerprint);

    const link = page.locator('[data-evidence-export-link]');
    expect(await link.innerText()).toBe('Export evidence bundle');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`^loupe-evidence-\\d{4}-\\d{2}-\\d{2}-${sessionId.slice(0, 8)}\\.zip$`),
    );
    const zip = join(tmp, 'bundle.zip');
    await download.saveAs(zip);

    const files = unzipSync(readFileSync(zip));
    for (const name of ['report.html', 'report.json', 'transcript.txt', 'audit.json', 'manifest.json', 'manifest.sig'])
      expect(Object.keys(files)).toContain(name);
    const report = JSON.parse(new TextDecoder().decode(files['report.json'])) as {
      session: { id: string; reference: string };
      notes: { text: string };
    };
    expect(report.session.id).toBe(sessionId);
    expect(report.session.reference).toBe(REFERENCE);
    expect(report.notes.text).toBe(NOTES);

    const intact = verify(zip, key.publicKey);
    expect(intact.out).toContain('intact');
    expect(intact.code).toBe(0);

    // A copy with one file more than the manifest lists.
    const tampered = join(tmp, 'tampered.zip');
    writeFileSync(tampered, zipSync({ ...files, 'extra.txt': new TextEncoder().encode('not from Loupe') }));
    const broken = verify(tampered, key.publicKey);
    expect(broken.out).toContain('added: extra.txt');
    expect(broken.out).toContain('NOT intact');
    expect(broken.code).toBe(1);
  }, 60_000);

  test('the audit page, filtered by the session, shows its rows with notes.edited', async () => {
    await page.goto(`${loupe.url}/admin/audit`);
    await page.getByTestId('audit-filters').waitFor();
    await page.getByTestId('audit-filter-session').fill(sessionId);
    await page.getByTestId('audit-filter-apply').click();
    await page.waitForURL((u) => u.pathname === '/admin/audit' && u.search.includes(sessionId));
    await page.locator('[data-testid="audit-row"][data-action="notes.edited"]').waitFor();
    const actions = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    for (const action of [
      'session.invited',
      'session.opened',
      'session.eula_accepted',
      'session.closed',
      'notes.edited',
      'session.exported',
    ])
      expect(actions).toContain(action);
    // Every row shown is about this session.
    const subjects = await page
      .getByTestId('audit-row')
      .locator('td.subject code')
      .evaluateAll((codes) => codes.map((c) => c.getAttribute('title')));
    expect(subjects.length).toBe(actions.length);
    expect(new Set(subjects)).toEqual(new Set([sessionId]));
    const notesRow = page.locator('[data-testid="audit-row"][data-action="notes.edited"]');
    expect(await notesRow.innerText()).toContain(TECH.name);
    expect(await notesRow.innerText()).not.toContain(NOTES);
    await shot(page, 'records-03-audit', { fullPage: true });
  }, 30_000);

  test('no page errors', () => {
    expect(problems).toEqual([]);
  });
});
