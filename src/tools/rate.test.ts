// The per-socket token buckets (TOOL_RULES' rates) on a test clock: a burst,
// then drops with one refusal told a second, refill at the rule's rate, each
// type its own bucket, each socket its own buckets, made on its first message.
import { describe, expect, test } from 'bun:test';
import { TOOL_RULES } from '../contract/tools.ts';
import { fakeClock } from '../testing/harness.ts';
import { RATE_REFUSAL_EVERY_MS, ToolRates } from './rate.ts';

describe('tool rates', () => {
  test('a burst passes, then one refusal is told and the rest dropped until a second passed', () => {
    const clock = fakeClock();
    const rates = new ToolRates(clock);
    const socket = {};
    const { burst, perSecond } = TOOL_RULES['tool.pointer'];
    const verdicts = Array.from({ length: burst + 3 }, () => rates.take(socket, 'tool.pointer'));
    expect(verdicts).toEqual([...Array(burst).fill('ok'), 'tell', 'drop', 'drop']);
    // Another type, another bucket.
    expect(rates.take(socket, 'tool.undo')).toBe('ok');
    clock.advance(100);
    // A tenth of a second refills a tenth of the rate; the next refusal is still within the second: dropped.
    const refilled = Math.floor(perSecond / 10);
    const next = Array.from({ length: refilled + 1 }, () => rates.take(socket, 'tool.pointer'));
    expect(next).toEqual([...Array(refilled).fill('ok'), 'drop']);
    clock.advance(RATE_REFUSAL_EVERY_MS);
    expect(rates.take(socket, 'tool.camera')).toBe('ok');
    // Refilled to the burst at most, never beyond.
    clock.advance(60_000);
    const later = Array.from({ length: burst + 1 }, () => rates.take(socket, 'tool.pointer'));
    expect(later).toEqual([...Array(burst).fill('ok'), 'tell']);
  });

  test('each socket has its own buckets, made only when it sends its first tool message', () => {
    const clock = fakeClock();
    const rates = new ToolRates(clock);
    const busy = {};
    const idle = {};
    const { burst } = TOOL_RULES['tool.camera'];
    for (let i = 0; i < burst; i++) rates.take(busy, 'tool.camera');
    expect(rates.take(busy, 'tool.camera')).toBe('tell');
    expect(rates.has(idle)).toBe(false);
    expect(rates.take(idle, 'tool.camera')).toBe('ok');
    expect(rates.has(idle)).toBe(true);
  });

  test('a clock set back refills nothing and drains nothing', () => {
    const clock = fakeClock();
    const rates = new ToolRates(clock);
    const socket = {};
    const { burst } = TOOL_RULES['tool.clear'];
    for (let i = 0; i < burst - 1; i++) rates.take(socket, 'tool.clear');
    clock.advance(-3_600_000);
    expect([rates.take(socket, 'tool.clear'), rates.take(socket, 'tool.clear')]).toEqual(['ok', 'tell']);
  });
});
