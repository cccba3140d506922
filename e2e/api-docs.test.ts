// GET /api/docs in a real Chromium against the real server: Scalar's reader,
// served from Loupe's own build, renders the OpenAPI document's operations
// under the strict CSP without one violation (listened for as the browser
// reports them, not only as console lines), with no script error and no
// request outside Loupe's origin (any would be stopped here and listed).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pageProblems, SHOTS, shot } from './helpers.ts';
import { CHROMIUM, type LoupeProcess, startLoupe } from './loupe-process.ts';

const DOCS_SHOTS = new URL('../docs/screenshots/', import.meta.url).pathname;

let loupe: LoupeProcess;
let browser: Browser;

beforeAll(async () => {
  loupe = await startLoupe();
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  browser = await chromium.launch(CHROMIUM);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await loupe?.stop();
}, 30_000);

type Watched = { page: Page; problems: string[]; outside: string[]; asked: string[] };

/** A 1366×768 page that records CSP violations, script errors and every request, stopping any to another origin. */
async function watchedPage(): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const outside: string[] = [];
  const asked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${loupe.url}/`)) {
      asked.push(new URL(url).pathname);
      return route.continue();
    }
    outside.push(url);
    return route.abort();
  });
  // Before any of the page's scripts: the event fires even for a violation the page catches.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const page = await context.newPage();
  const { problems, watch } = pageProblems(/^$/);
  watch(page, 'docs');
  return { page, problems, outside, asked };
}

const violationsOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

describe('the API reference page', () => {
  test('renders the operations from /api/openapi.json under the strict CSP, asking nothing of another origin', async () => {
    const w = await watchedPage();
    const res = await w.page.goto(`${loupe.url}/api/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await w.page.title()).toBe('Loupe API');

    // The first area is open: its operations, with their paths as the document gives them.
    await w.page.getByRole('heading', { name: 'Loupe API' }).first().waitFor({ timeout: 30_000 });
    await w.page.getByText('Sign in with e-mail and password').first().waitFor();
    await w.page.getByText('/api/auth/login').first().waitFor();
    // Another area, opened as a reader would.
    await w.page.getByRole('button', { name: 'Sessions' }).first().click();
    await w.page.getByText('Invite a customer (create a Lens session)').first().waitFor();

    expect(w.asked).toContain('/api/openapi.json');
    expect(w.asked).toContain('/api-reference/standalone.js');
    await shot(w.page, '50-api-docs');
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(`${SHOTS}50-api-docs.png`, `${DOCS_SHOTS}50-api-docs.png`);

    expect(await violationsOf(w.page)).toEqual([]);
    expect(w.problems).toEqual([]);
    expect(w.outside).toEqual([]);
  }, 90_000);

  test('an operation shows who may call it, its parameters and its refusals, from the contract', async () => {
    const w = await watchedPage();
    await w.page.goto(`${loupe.url}/api/docs`);
    await w.page.getByText('Sign in with e-mail and password').first().waitFor({ timeout: 30_000 });
    await w.page.getByRole('button', { name: 'Records' }).first().click();
    const heading = w.page.getByRole('heading', { name: 'Search ended sessions' });
    await heading.first().waitFor();
    const section = w.page.locator('section', { has: heading }).last();
    await section.getByText('Responses').first().waitFor();
    const text = await section.innerText();
    expect(text).toContain('reports:read'); // the token scope (access.ts)
    expect(text).toContain('endState'); // a query parameter (records.ts historyQuery)
    for (const status of ['200', '400', '401', '403']) expect(text).toContain(status);
    expect(await violationsOf(w.page)).toEqual([]);
    expect(w.problems).toEqual([]);
    expect(w.outside).toEqual([]);
  }, 90_000);
});
