import { describe, expect, test } from 'bun:test';
import type { QualitySample } from '$contract/records.ts';
import { CHART, chartOf, niceMax } from './chart.ts';

const sample = (seconds: number, bitrateKbps: number | null, fps: number | null): QualitySample => ({
	at: new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString(),
	bitrateKbps,
	fps,
	width: 1280,
	height: 720,
	rttMs: 30,
	lossPercent: 0,
	jitterMs: 5
});

describe('the quality chart', () => {
	test('axes end on a round number at or above the largest value', () => {
		expect([0, 0.3, 1, 7, 30, 1991.7, 2000, 2001].map(niceMax)).toEqual([1, 0.5, 1, 10, 50, 2000, 2000, 5000]);
	});

	test('a sample without a value breaks the line instead of drawing through it; x spans the plot', () => {
		const chart = chartOf([sample(0, 1000, 30), sample(60, null, null), sample(120, 2000, 25), sample(180, 1500, 20)]);
		expect(chart.minutes).toBe(3);
		expect(chart.bitrate.max).toBe(2000);
		expect(chart.bitrate.points.match(/M/g)).toHaveLength(2);
		expect(chart.bitrate.points.startsWith(`M${CHART.left.toFixed(1)},`)).toBe(true);
		expect(
			chart.bitrate.points.endsWith(
				`L${(CHART.width - CHART.right).toFixed(1)},${(CHART.top + (CHART.height - CHART.top - CHART.bottom) * 0.25).toFixed(1)}`
			)
		).toBe(true);
		expect(chart.fps.max).toBe(50);
	});
});
