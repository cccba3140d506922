// Accessibility checks shared by the Lens e2e tests: axe-core's WCAG 2.x A/AA
// (2.0, 2.1, 2.2) and best-practice rules, phone-sized touch targets, and the
// keyboard reaching a screen's main action.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect } from 'bun:test';
import type { Page } from 'playwright-core';

const AXE = join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js');
let axeSource: string | undefined;
/** axe-core's script, read once per test process. */
function axeSourceText(): string {
  axeSource ??= readFileSync(AXE, 'utf8');
  return axeSource;
}
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

type AxeNode = { target: string[]; html: string; failureSummary?: string };
type AxeResult = { id: string; impact: string | null; help: string; helpUrl: string; nodes: AxeNode[] };

/** Runs axe on the whole document; returns every violation (serious or not) with its nodes. */
export async function axe(page: Page): Promise<AxeResult[]> {
  // Evaluated rather than added as a <script>: the Lens's CSP (rightly) refuses inline scripts, and
  // DevTools evaluation is not subject to it, so the page under test keeps its real CSP.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${axeSourceText()}\n;void 0`);
  return page.evaluate(async (tags) => {
    const run = (
      window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeResult[] }> } }
    ).axe.run;
    // Animations (the waiting dots) would make colour contrast depend on the moment: checked at rest.
    const still = document.createElement('style');
    still.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; }';
    document.head.append(still);
    try {
      const { violations } = await run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      });
      return violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({
          target: n.target.map(String),
          html: n.html.slice(0, 160),
          failureSummary: n.failureSummary,
        })),
      }));
    } finally {
      still.remove();
    }
  }, TAGS);
}

export const describeViolations = (vs: AxeResult[]) =>
  vs
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}  ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n')}`,
    )
    .join('\n');

export type Target = { what: string; width: number; height: number };

/**
 * Every visible control (button, link, form field, anything with a button-like
 * role) whose box is smaller than 44×44 CSS px. Exempt, as WCAG 2.5.8 (target
 * size) exempts them: a link inline in a sentence, whose size is set by the
 * line of text around it. Nothing on the Lens is of that kind today.
 */
export function smallTargets(page: Page, min = 44): Promise<Target[]> {
  return page.evaluate((min) => {
    const controls = document.querySelectorAll<HTMLElement>(
      'button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [role="link"], [role="checkbox"], [role="switch"], [role="tab"]',
    );
    const small: { what: string; width: number; height: number }[] = [];
    for (const el of controls) {
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
      const inlineInText =
        el.tagName === 'A' &&
        style.display === 'inline' &&
        (el.parentElement?.textContent ?? '').trim() !== (el.textContent ?? '').trim();
      if (inlineInText) continue;
      if (box.width < min - 0.5 || box.height < min - 0.5) {
        small.push({
          what: `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''} "${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 40)}"`,
          width: Math.round(box.width),
          height: Math.round(box.height),
        });
      }
    }
    return small;
  }, min);
}

/**
 * Presses Tab from where the focus is now (a new Lens screen focuses its
 * heading) until `selector` has the focus; returns how many presses it took,
 * or -1 if it was not reached within `max`. Also returns the path taken.
 */
export async function tabsTo(page: Page, selector: string, max = 12): Promise<{ presses: number; path: string[] }> {
  const path: string[] = [];
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate((sel) => {
      const el = document.activeElement as HTMLElement | null;
      return {
        hit: !!el?.matches(sel),
        name: el ? `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}` : 'none',
      };
    }, selector);
    path.push(at.name);
    if (at.hit) return { presses: i, path };
  }
  return { presses: -1, path };
}

/**
 * No hover left over from the last click in the screenshot: on a touch page a
 * tap in the left margin (4 px in, nothing there on any Lens screen), then the
 * focus back where it was; elsewhere the mouse moves to the corner.
 */
async function noHover(page: Page) {
  if (!(await page.evaluate(() => navigator.maxTouchPoints > 0)))
    return page.mouse.move(0, 0).then(() => page.waitForTimeout(250));
  const focused = await page.evaluateHandle(() => document.activeElement);
  await page.touchscreen.tap(4, 300);
  await page.evaluate((el) => (el as HTMLElement | null)?.focus({ preventScroll: true }), focused);
  await focused.dispose();
  await page.waitForTimeout(250); // buttons fade their hover colour out (120 ms)
}

/**
 * The checks, on the screen as it is now: a screenshot (`<shots><name>.png`),
 * axe (serious and critical violations fail the test; lesser ones are printed),
 * touch targets (44 px on the phone; the console, used with a mouse, is held to
 * WCAG 2.2 AA's 24 px), and, when the screen has a main action, Tab reaching
 * it from where the focus is. Fails with every finding in the message.
 */
export async function audit(
  page: Page,
  opts: { name: string; shots: string; mainAction?: string; minTarget?: number },
) {
  const { name } = opts;
  await page.evaluate(() => document.fonts.ready);
  await noHover(page);
  await page.screenshot({ path: `${opts.shots}${name}.png` });
  const failures: string[] = [];
  const violations = await axe(page);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lesser = violations.filter((v) => !serious.includes(v));
  if (lesser.length) console.log(`${name}: lesser axe findings\n${describeViolations(lesser)}`);
  if (serious.length) failures.push(`axe, serious or critical:\n${describeViolations(serious)}`);
  const min = opts.minTarget ?? 44;
  const small = await smallTargets(page, min);
  if (small.length)
    failures.push(
      `touch targets under ${min}×${min} px: ${small.map((s) => `${s.what} ${s.width}×${s.height}`).join('; ')}`,
    );
  if (opts.mainAction) {
    const { presses, path } = await tabsTo(page, opts.mainAction, 30);
    if (presses < 0) failures.push(`Tab never reached ${opts.mainAction}; it went ${path.join(' → ')}`);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  }
  expect(`${name}:\n${failures.join('\n')}`).toBe(`${name}:\n`);
}
