// Structured logs: one JSON object per line on stdout, so any collector
// (journald, Docker, Loki) can parse them without configuration.
//
// No secret reaches a line, by construction (src/log-redact.ts): errors are
// written as their class and code with a message built here, secret-named
// fields as "[redacted]", and strings lose URL credentials, tokens, hashes and
// ICE passwords. The one deliberate exception is `setupLink`.
import { describeError, isSecretKey, REDACTED, scrub } from './log-redact.ts';

export { Fault } from './log-redact.ts';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Fields = Record<string, unknown>;

export type Logger = {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /**
   * The one line that carries a secret on purpose: the one-time link that
   * creates the first administrator when there is none (src/main.ts), which
   * an operator reads from `docker compose logs` (README). It is useless once
   * used and replaced at each start; src/log.test.ts checks that only
   * src/main.ts calls this.
   */
  setupLink(url: string): void;
};

export const SETUP_LINK_MESSAGE = 'no administrator yet: open this one-time link to create the first one';

function redacting(this: Record<string, unknown>, key: string, value: unknown): unknown {
  if (key !== '' && value !== undefined && value !== null && isSecretKey(key)) return REDACTED;
  // The value before its toJSON ran: an error class with a toJSON is still described, not dumped.
  const raw = this[key];
  if (raw instanceof Error) return describeError(raw);
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'bigint') return String(value);
  return value;
}

function line(at: Level, msg: string, fields?: Fields): string {
  const time = new Date().toISOString();
  try {
    return JSON.stringify({ time, level: at, msg, ...fields }, redacting);
  } catch {
    // A cycle or a throwing getter in the fields: the line still says what happened.
    return JSON.stringify({ time, level: at, msg: scrub(msg), fields: 'not serialisable' });
  }
}

export function createLogger(
  level: Level,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Logger {
  const emit = (at: Level) => (msg: string, fields?: Fields) => {
    if (rank[at] < rank[level]) return;
    write(line(at, msg, fields));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setupLink(url) {
      if (rank.warn < rank[level]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: 'warn', msg: SETUP_LINK_MESSAGE, setupUrl: url }));
    },
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, setupLink() {} };
