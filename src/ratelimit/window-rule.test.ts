// One table of attempts, run through every user of the fixed-window rule: the
// limiter's blockedFor then record, its spend (counts in a transaction that a
// refusal rolls back: the SMS quotas and sign-in use it), and the redeem
// statement of the Lens page (src/sessions/customer.ts), which decides and
// counts inside its one SQL statement. The same attempts at the same times
// must be allowed or refused alike by all, and as the table says.
import { beforeAll, describe, expect, test } from 'bun:test';
import { RateLimited } from '../http/errors.ts';
import { InvitationNotFound, REDEEM_PER_ADDRESS, redeem } from '../sessions/customer.ts';
import { DATABASE_HOOK, harness, type Harness } from '../testing/harness.ts';
import { transaction } from '../db/transaction.ts';
import { blockedFor, record, spend, type Limit } from './limiter.ts';

type Outcome = 'allowed' | 'refused';
/** `times` attempts at `at` ms after the case's start, each expected to be `expect`. */
type Step = { at: number; times: number; expect: Outcome };

const limit: Limit = REDEEM_PER_ADDRESS;
const { max, windowMs } = limit;

const cases: Record<string, Step[]> = {
  'max failures are allowed, the next is refused': [
    { at: 0, times: max, expect: 'allowed' },
    { at: 1, times: 1, expect: 'refused' },
  ],
  'refused until the window opened by the first attempt is over, then a new window': [
    { at: 0, times: 1, expect: 'allowed' },
    { at: 1_000, times: max - 1, expect: 'allowed' },
    { at: windowMs - 1, times: 1, expect: 'refused' },
    { at: windowMs, times: max, expect: 'allowed' },
    { at: windowMs + 1, times: 1, expect: 'refused' },
  ],
  'refused attempts are not counted': [
    { at: 0, times: max, expect: 'allowed' },
    { at: 10, times: 3 * max, expect: 'refused' },
    { at: windowMs, times: max, expect: 'allowed' },
    { at: windowMs, times: 1, expect: 'refused' },
  ],
  'the window is fixed, not sliding: attempts late in a window do not carry over': [
    { at: 0, times: 1, expect: 'allowed' },
    { at: windowMs - 1, times: max - 1, expect: 'allowed' },
    { at: windowMs + 1, times: max, expect: 'allowed' },
    { at: windowMs + 2, times: 1, expect: 'refused' },
  ],
  'a counter left alone for longer than a window starts over': [
    { at: 0, times: max - 1, expect: 'allowed' },
    { at: 5 * windowMs, times: max, expect: 'allowed' },
    { at: 5 * windowMs, times: 1, expect: 'refused' },
  ],
};

let h: Harness;
const t0 = new Date('2026-11-26T08:00:00Z').getTime();
const caseStart = (index: number) => t0 + index * 100 * windowMs;

beforeAll(async () => {
  h = await harness();
}, DATABASE_HOOK);

/** Each implementation's answers to a case, attempt by attempt, with the clock at each step's time. */
async function answers(steps: Step[], start: number, attempt: () => Promise<Outcome>): Promise<Outcome[]> {
  const seen: Outcome[] = [];
  for (const step of steps) {
    h.clock.set(new Date(start + step.at));
    for (let i = 0; i < step.times; i++) seen.push(await attempt());
  }
  return seen;
}

const expected = (steps: Step[]) => steps.flatMap((step) => Array<Outcome>(step.times).fill(step.expect));

describe('the fixed-window rule, one table for the limiter and the redeem statement', () => {
  Object.entries(cases).forEach(([name, steps], index) => {
    test(`limiter: ${name}`, async () => {
      const key = `window-rule:${index}`;
      const seen = await answers(steps, caseStart(index), async () => {
        const now = h.clock.now();
        if ((await blockedFor(h.db, key, limit, now)) > 0) return 'refused';
        await record(h.db, key, limit, now);
        return 'allowed';
      });
      expect(seen).toEqual(expected(steps));
    });

    test(`spend: ${name}`, async () => {
      const key = `window-rule-spend:${index}`;
      const seen = await answers(steps, caseStart(index), async () => {
        try {
          await transaction(h.db, (tx) =>
            spend(tx, [[key, limit]], h.clock.now(), (over) => new RateLimited(over.key, over.retryAfterS)),
          );
          return 'allowed';
        } catch (err) {
          if (err instanceof RateLimited) return 'refused';
          throw err;
        }
      });
      expect(seen).toEqual(expected(steps));
    });

    test(`redeem: ${name}`, async () => {
      // A link no invitation has: every attempt that is not refused is a counted failure.
      const input = { token: `no-such-link-${index}-abcdefgh` };
      const address = `198.51.100.${index + 1}`;
      const seen = await answers(steps, caseStart(index), async () => {
        try {
          await redeem(h, input, { address });
        } catch (err) {
          if (err instanceof InvitationNotFound) return 'allowed';
          if (err instanceof RateLimited) return 'refused';
          throw err;
        }
        throw new Error('a link no invitation has was redeemed');
      });
      expect(seen).toEqual(expected(steps));
    });
  });
});
