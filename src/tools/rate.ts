// Per-socket token buckets for the live tools' messages (TOOL_RULES in
// src/contract/tools.ts): each message type refills `perSecond` tokens a
// second up to `burst`, and a message without a token is dropped. A socket
// gets its buckets on its first tool message, in a WeakMap beside it, not a
// field of it: most sockets never send one, and every field an idle socket
// holds is paid a thousand times over (bench/sockets.ts).
import { TOOL_RULES, type ToolMessageType } from '../contract/tools.ts';
import type { Clock } from '../deps.ts';

const TYPES = Object.keys(TOOL_RULES) as ToolMessageType[];
const INDEX = new Map(TYPES.map((type, i) => [type, i]));
/** Past the rate the sender hears `rate_limited` at most this often; the rest are dropped unanswered. */
export const RATE_REFUSAL_EVERY_MS = 1_000;

/** What a socket may send now: `ok`, or dropped with an error to say (`tell`) or silently. */
export type RateVerdict = 'ok' | 'tell' | 'drop';

/**
 * One socket's buckets: for each type its tokens and when they were last
 * counted, in one array (one allocation), and when the socket last heard it
 * was over the rate.
 */
class Buckets {
  private readonly tokens = new Float64Array(TYPES.length);
  private readonly at = new Float64Array(TYPES.length);
  private refusedAt = Number.NEGATIVE_INFINITY;

  constructor(now: number) {
    TYPES.forEach((type, i) => {
      this.tokens[i] = TOOL_RULES[type].burst;
      this.at[i] = now;
    });
  }

  take(type: ToolMessageType, now: number): RateVerdict {
    const i = INDEX.get(type)!;
    const { perSecond, burst } = TOOL_RULES[type];
    // A clock set back (a test's, or the system's) refills nothing rather than draining.
    const elapsed = Math.max(0, now - (this.at[i] ?? now));
    const tokens = Math.min(burst, (this.tokens[i] ?? 0) + (elapsed * perSecond) / 1_000);
    this.at[i] = now;
    this.tokens[i] = tokens >= 1 ? tokens - 1 : tokens;
    if (tokens >= 1) return 'ok';
    if (now - this.refusedAt < RATE_REFUSAL_EVERY_MS) return 'drop';
    this.refusedAt = now;
    return 'tell';
  }
}

/** The buckets of every socket that sent a tool message, forgotten with the socket. */
export class ToolRates {
  private readonly buckets = new WeakMap<object, Buckets>();

  constructor(private readonly clock: Clock) {}

  take(socket: object, type: ToolMessageType): RateVerdict {
    const now = this.clock.now().getTime();
    let mine = this.buckets.get(socket);
    if (!mine) {
      mine = new Buckets(now);
      this.buckets.set(socket, mine);
    }
    return mine.take(type, now);
  }

  /** Whether the socket has buckets (it sent a tool message): for the test that idle sockets get none. */
  has(socket: object): boolean {
    return this.buckets.has(socket);
  }
}
