// The echo reference answers each message with the same bytes, and a page
// times as many round trips as it sent.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM } from '../../e2e/loupe-process.ts';
import { echoRoundTrips, type Echo, startEcho } from './ws-echo.ts';

let echo: Echo;
let browser: Browser;

beforeAll(async () => {
  echo = startEcho();
  browser = await chromium.launch(CHROMIUM);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  echo?.stop();
});

test('the same bytes come back', async () => {
  const ws = new WebSocket(echo.url);
  const back = await new Promise<string>((resolve, reject) => {
    ws.onopen = () => ws.send('{"type":"tool.stroke"}');
    ws.onmessage = (e) => resolve(String(e.data));
    ws.onerror = () => reject(new Error('echo failed'));
  });
  ws.close();
  expect(back).toBe('{"type":"tool.stroke"}');
});

test('a page times one round trip per message sent', async () => {
  const page = await browser.newPage();
  const trips = await echoRoundTrips(page, echo.url, 'x'.repeat(300), 12, 120);
  expect(trips.length).toBe(12);
  for (const t of trips) expect(t).toBeGreaterThan(0);
}, 30_000);
