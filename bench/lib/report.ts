// How results are written: the console table, bench/results/*.md (the README's
// Performance table) and, for a full run of some benchmarks, the merge into the
// committed latest.json.
import { readFileSync } from 'node:fs';
import type { Figure } from '../types.ts';
import type { machineInfo } from './proc.ts';

type MachineInfo = ReturnType<typeof machineInfo>;

/** One benchmark's result; `date` is when it ran (a full `--only` run keeps the other benchmarks' earlier results). */
export type Outcome = { name: string; ok: boolean; seconds: number; error?: string; figures: Figure[]; date?: string };

const fmt = (v: number) =>
  Number.isInteger(v)
    ? v.toLocaleString('en-US')
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);
const ratioOf = (f: Figure) => (f.reference && f.reference.value !== 0 ? f.value / f.reference.value : undefined);
const metText = (f: Figure) => (f.met === undefined ? '' : f.met ? 'yes' : 'MISSED');
export const firstLine = (s: string) => s.split('\n')[0]!;

export function textTable(outcomes: Outcome[]): string {
  const rows: string[][] = [['figure', 'value', 'reference', 'ratio', 'target', 'met?']];
  for (const o of outcomes) {
    if (!o.ok) {
      rows.push([`${o.name}: FAILED`, firstLine(o.error ?? '').slice(0, 100), '', '', '', 'failed']);
      continue;
    }
    for (const f of o.figures) {
      const r = ratioOf(f);
      rows.push([
        `${f.id}  ${f.label}`,
        `${fmt(f.value)} ${f.unit}`,
        f.reference ? `${fmt(f.reference.value)} ${f.unit} (${f.reference.label})` : '',
        r === undefined ? '' : `${r.toFixed(2)}×`,
        f.target ?? '',
        metText(f),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.min(c === 0 ? 70 : 60, Math.max(...rows.map((r) => r[c]!.length))));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => (c === 1 || c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const md = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The run's date, or the span of dates when results of earlier runs were kept. */
function measuredWhen(outcomes: Outcome[], date: string): string {
  const dates = [...new Set(outcomes.map((o) => o.date ?? date))].sort();
  if (dates.length <= 1) return dates[0] ?? date;
  return `${dates[0]} to ${dates.at(-1)} (benchmarks ${outcomes.map((o) => `${o.name} ${(o.date ?? date).slice(0, 16)}`).join(', ')})`;
}

/**
 * A full run of some benchmarks (`--only`) replaces just their results in
 * latest.json: the committed table stays whole, and each outcome keeps its date.
 */
export function mergeWithLatest(outcomes: Outcome[], path: string): Outcome[] {
  let previous: { date?: string; benchmarks?: Outcome[] };
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as typeof previous;
  } catch {
    return outcomes;
  }
  const fresh = new Map(outcomes.map((o) => [o.name, o]));
  const kept = (previous.benchmarks ?? []).map((o) => fresh.get(o.name) ?? { ...o, date: o.date ?? previous.date });
  return [...kept, ...outcomes.filter((o) => !kept.includes(o))];
}

export function markdown(outcomes: Outcome[], meta: { date: string; quick: boolean; machine: MachineInfo }): string {
  const m = meta.machine;
  const lines = [
    `Measured ${measuredWhen(outcomes, meta.date)}${meta.quick ? ' (**--quick**: brief runs, few samples)' : ''} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Bun ${m.bun}.`,
    'Each reference was measured in the same run; on a shared machine the ratio is the figure to trust.',
    '',
    '| Figure | Value | Reference | Ratio | Target | Met |',
    '|---|---:|---|---:|---|---|',
  ];
  const notes: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      lines.push(`| **${md(o.name)}** | — | — | — | — | **failed**: ${md(firstLine(o.error ?? ''))} |`);
      continue;
    }
    for (const f of o.figures) {
      const r = ratioOf(f);
      let met = f.met === undefined ? '—' : f.met ? '✓' : '**✗ missed**';
      if (f.note) {
        notes.push(
          `${notes.length + 1}. \`${f.id}\`${f.met === false ? ' (**missed**)' : ''}: ${f.note.replaceAll('\n', ' ')}`,
        );
        met += ` [${notes.length}]`;
      }
      lines.push(
        `| ${md(f.label)} \`${f.id}\` | ${fmt(f.value)} ${md(f.unit)} | ${f.reference ? `${fmt(f.reference.value)} ${md(f.unit)} — ${md(f.reference.label)}` : '—'} | ${r === undefined ? '—' : `${r.toFixed(2)}×`} | ${md(f.target ?? '—')} | ${met} |`,
      );
    }
  }
  if (notes.length)
    lines.push('', 'Notes (how each figure was measured; for a missed target, the cause found):', '', ...notes);
  return `${lines.join('\n')}\n`;
}
