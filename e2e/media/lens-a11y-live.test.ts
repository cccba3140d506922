// Accessibility of the live screens, with real media through the bundled Janus
// (run inside the network namespace: scripts/netns.sh bun test e2e/media/lens-a11y-live.test.ts).
// The customer's live screen while active, with the end-session question
// open, and on hold; the technician's console with a waiting session selected
// and with the live view. Same checks as e2e/lens-a11y.test.ts (axe-core WCAG
// 2.x A/AA + best practices with no serious or critical violation, targets,
// Tab reaching the main action); the console, used with a mouse, is held to
// WCAG 2.2 AA's 24 px targets instead of the phone's 44 px.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { audit } from '../axe.ts';
import { waitForMedia } from './rtc-stats.ts';
import { customerJoins, SHOTS, startScene, type Scene } from './scene.ts';

let scene: Scene;
let phone: Page;

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: '40600-40699',
    technician: { email: 'lena@example.test', password: 'lena password 123', name: 'Lena Visser' },
  });
  await scene.tech.setViewportSize({ width: 1280, height: 800 });
}, 120_000);

afterAll(async () => {
  await scene?.stop();
});

test('the console with a waiting session selected', async () => {
  ({ phone } = await customerJoins(scene, 'Boiler in the attic'));
  await scene.tech.getByTestId('session-detail').waitFor();
  await scene.tech.evaluate(() => window.scrollTo(0, 0));
  await audit(scene.tech, {
    name: 'console-sessions',
    shots: SHOTS,
    minTarget: 24,
    mainAction: '[data-testid="start-session"]',
  });
}, 90_000);

test('live: the customer’s screen, the end question, and the console’s live view', async () => {
  const { tech } = scene;
  await tech.getByTestId('start-session').click();
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 20_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 20_000 });
  await audit(phone, { name: 'lens-live', shots: SHOTS, mainAction: '[data-testid="lens-end"]' });

  // The end question takes the focus, so a screen reader or keyboard lands on it.
  await phone.getByTestId('lens-end').click();
  await phone.getByTestId('lens-end-confirm').waitFor();
  expect(await phone.evaluate(() => !!document.activeElement?.closest('[role="alertdialog"]'))).toBe(true);
  await audit(phone, { name: 'lens-live-end-confirm', shots: SHOTS, mainAction: '[data-testid="lens-end-confirm"]' });
  await phone.getByTestId('lens-end-cancel').click();
  await phone.getByTestId('lens-end-confirm').waitFor({ state: 'detached' });
  expect(await phone.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('lens-end');

  await tech.evaluate(() => window.scrollTo(0, 0));
  await audit(tech, { name: 'console-live', shots: SHOTS, minTarget: 24, mainAction: '[data-testid="hold-session"]' });
}, 90_000);

test('on hold: the customer’s screen', async () => {
  await scene.tech.getByTestId('hold-session').click();
  await phone.locator('[data-testid="lens-live"][data-state="on_hold"]').waitFor({ timeout: 10_000 });
  await phone.getByTestId('lens-live-status').waitFor();
  await audit(phone, { name: 'lens-live-on-hold', shots: SHOTS, mainAction: '[data-testid="lens-end"]' });
  expect(scene.problems).toEqual([]);
}, 60_000);
