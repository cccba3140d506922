import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../log.ts';
import { Passes } from './passes.ts';

/** A pass that waits until the test lets it finish, counting how many started. */
function gatedPass() {
  const gates: (() => void)[] = [];
  let started = 0;
  const pass = () => {
    started++;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  return { pass, started: () => started, finish: () => gates.shift()?.() };
}

const HOUR = 3_600_000; // the timer never fires during a test

describe('Passes', () => {
  test('wakes during a pass run exactly one more pass after it, never two at once', async () => {
    const g = gatedPass();
    const passes = new Passes(g.pass, silentLogger, 'test pass failed', HOUR);
    passes.wake();
    passes.wake();
    passes.wake();
    expect(g.started()).toBe(1);
    g.finish();
    await passes.current;
    await Bun.sleep(0);
    expect(g.started()).toBe(2);
    g.finish();
    await passes.current;
    await Bun.sleep(0);
    expect(g.started()).toBe(2);
    passes.stop();
  });

  test('runAgain from inside a pass runs the next one', async () => {
    let runs = 0;
    const passes: Passes = new Passes(
      async () => {
        if (++runs < 3) passes.runAgain();
      },
      silentLogger,
      'test pass failed',
      HOUR,
    );
    passes.wake();
    for (let i = 0; i < 20 && passes.current; i++) await passes.current;
    expect(runs).toBe(3);
    passes.stop();
  });

  test('a failed pass is logged and the loop goes on; after stop nothing starts', async () => {
    const errors: string[] = [];
    const log = { ...silentLogger, error: (msg: string) => void errors.push(msg) };
    let runs = 0;
    const passes = new Passes(
      async () => {
        runs++;
        throw new Error('boom');
      },
      log,
      'test pass failed',
      HOUR,
    );
    passes.wake();
    await passes.current;
    passes.wake();
    await passes.current;
    expect({ runs, errors }).toEqual({ runs: 2, errors: ['test pass failed', 'test pass failed'] });
    passes.stop();
    passes.wake();
    expect(passes.current).toBeUndefined();
    expect(runs).toBe(2);
  });
});
