// The quality chart's geometry, apart from its markup so it can be tested:
// two series (bitrate, frames per second) over minutes since the first
// sample, each scaled to its own axis from 0 to a round maximum.
import type { QualitySample } from '$contract/records.ts';

export type Series = { points: string; max: number; ticks: number[] };
export type Chart = { bitrate: Series; fps: Series; minutes: number; xTicks: number[] };

export const CHART = { width: 640, height: 200, left: 48, right: 40, top: 12, bottom: 32 };

/** A round number at or above `n` (1, 2, 5 × a power of ten). */
export function niceMax(n: number): number {
	if (n <= 0) return 1;
	const power = 10 ** Math.floor(Math.log10(n));
	for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
	return 10 * power;
}

function series(
	samples: QualitySample[],
	value: (s: QualitySample) => number | null,
	x: (s: QualitySample) => number
): Series {
	const known = samples.filter((s) => value(s) !== null);
	const max = niceMax(Math.max(0, ...known.map((s) => value(s)!)));
	const plotH = CHART.height - CHART.top - CHART.bottom;
	const y = (v: number) => CHART.top + plotH - (v / max) * plotH;
	// A gap where a sample has no value: the line is broken there, not drawn through it.
	const parts: string[] = [];
	let run: string[] = [];
	for (const s of samples) {
		const v = value(s);
		if (v === null) {
			if (run.length) parts.push(run.join(' '));
			run = [];
			continue;
		}
		run.push(`${run.length ? 'L' : 'M'}${x(s).toFixed(1)},${y(v).toFixed(1)}`);
	}
	if (run.length) parts.push(run.join(' '));
	return { points: parts.join(' '), max, ticks: [0, max / 2, max] };
}

export function chartOf(samples: QualitySample[]): Chart {
	const first = Date.parse(samples[0]?.at ?? '');
	const last = Date.parse(samples.at(-1)?.at ?? '');
	const minutes = samples.length > 1 ? Math.max((last - first) / 60_000, 1 / 60) : 1;
	const plotW = CHART.width - CHART.left - CHART.right;
	const x = (s: QualitySample) => CHART.left + ((Date.parse(s.at) - first) / 60_000 / minutes) * plotW;
	const xTicks = [0, minutes / 2, minutes];
	return { bitrate: series(samples, (s) => s.bitrateKbps, x), fps: series(samples, (s) => s.fps, x), minutes, xTicks };
}

/** Where a minute mark or a value sits on the chart. */
export function xAt(minute: number, minutes: number): number {
	return CHART.left + (minute / minutes) * (CHART.width - CHART.left - CHART.right);
}
export function yAt(value: number, max: number): number {
	const plotH = CHART.height - CHART.top - CHART.bottom;
	return CHART.top + plotH - (value / max) * plotH;
}
