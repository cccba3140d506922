// One Lighthouse run (performance category, default mobile emulation and simulated
// throttling) against a URL, in its own process, with Debian's Chromium:
//   bun bench/lib/lighthouse-child.ts <url> <out.json>
// lighthouse 13 declares node >= 22.19; this machine has node 20, so it runs under Bun.
import { writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

export type LighthouseRun = {
  score: number | null;
  lcpMs: number;
  fcpMs: number;
  tbtMs: number;
  /** Bytes the page actually transferred (total-byte-weight), as served. */
  transferBytes: number;
  warnings: string[];
  /** Opportunities Lighthouse lists with a saving, for the note. */
  opportunities: string[];
  /** The element Lighthouse found largest (its snippet), and the LCP's phases in ms. */
  lcpElement: string;
  lcpPhases: string;
  /** Network round trips and the critical request chain's longest path, as Lighthouse saw them. */
  chain: string;
};

type Audits = Record<string, { details?: unknown; displayValue?: string } | undefined>;

/** What the LCP was and where its time went (Lighthouse 13's LCP breakdown and request-chain audits). */
function lcpDetails(audits: Audits): Pick<LighthouseRun, 'lcpElement' | 'lcpPhases' | 'chain'> {
  const find = (d: unknown, pred: (o: Record<string, unknown>) => boolean): Record<string, unknown> | undefined => {
    if (!d || typeof d !== 'object') return undefined;
    const o = d as Record<string, unknown>;
    if (pred(o)) return o;
    for (const v of Object.values(o)) {
      const hit = find(v, pred);
      if (hit) return hit;
    }
    return undefined;
  };
  const breakdown = audits['lcp-breakdown-insight'] ?? audits['largest-contentful-paint-element'];
  const node = find(breakdown?.details, (o) => o.type === 'node');
  const phases: string[] = [];
  const table = find(
    breakdown?.details,
    (o) =>
      o.type === 'table' &&
      Array.isArray(o.items) &&
      (o.items as Record<string, unknown>[]).some((i) => typeof i.duration === 'number'),
  );
  for (const i of (table?.items ?? []) as Record<string, unknown>[])
    if (typeof i.duration === 'number')
      phases.push(`${String(i.label ?? i.subpart ?? i.phase)} ${Math.round(i.duration)}`);
  const chainAudit = audits['network-dependency-tree-insight'] ?? audits['critical-request-chains'];
  return {
    lcpElement: String(node?.snippet ?? 'unknown'),
    lcpPhases: phases.join(', '),
    chain: chainAudit?.displayValue ?? '',
  };
}

if (import.meta.main) {
  const [url, out] = process.argv.slice(2);
  if (!url || !out) throw new Error('usage: bun bench/lib/lighthouse-child.ts <url> <out.json>');
  const chrome = await chromeLauncher.launch({
    chromePath: '/usr/bin/chromium',
    chromeFlags: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      onlyCategories: ['performance'],
      logLevel: 'error',
    });
    if (!result) throw new Error('lighthouse returned no result');
    const { lhr } = result;
    const num = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
    const opportunities = Object.values(lhr.audits)
      .filter((a) => a.details?.type === 'opportunity' && (a.score ?? 1) < 0.9)
      .map((a) => `${a.title}${a.displayValue ? ` (${a.displayValue})` : ''}`);
    const run: LighthouseRun = {
      score: lhr.categories.performance?.score ?? null,
      lcpMs: num('largest-contentful-paint'),
      fcpMs: num('first-contentful-paint'),
      tbtMs: num('total-blocking-time'),
      transferBytes: num('total-byte-weight'),
      opportunities,
      // Why a run has no score: Lighthouse's own run error, or the metric audits that failed.
      warnings: [
        ...lhr.runWarnings.map(String),
        ...(lhr.runtimeError ? [`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`] : []),
        ...[
          'first-contentful-paint',
          'largest-contentful-paint',
          'speed-index',
          'total-blocking-time',
          'cumulative-layout-shift',
        ].flatMap((id) => (lhr.audits[id]?.errorMessage ? [`${id}: ${lhr.audits[id]!.errorMessage}`] : [])),
      ],
      ...lcpDetails(lhr.audits),
    };
    writeFileSync(out, JSON.stringify(run));
  } finally {
    await chrome.kill();
  }
  process.exit(0);
}
