// The one file that reaches past PGlite's query() and transaction(): the rest
// of src/db uses it, and nothing else touches PGlite's internals or the wire
// format. Verified against PGlite PGLITE_VERIFIED_VERSION (pinned in
// package.json); pglite-adapter.test.ts fails on an upgrade that changes any
// of it, and says what to re-verify.
//
// Why it exists (bench/pglite-ab.ts and bench/pglite-ab-queries.ts measure it
// against PGlite's query(); December 2026, a list-shaped query: 0.17 ms here,
// 0.41 ms prepared but read by PGlite's reader, 1.1 ms by query()):
// - PGlite's query() sends a fresh unnamed Parse each time, so Postgres parses,
//   analyses and plans every statement again. Here a statement is prepared once
//   under a name and afterwards only bound and executed, in one round trip.
//   That needs the two locks PGlite's own query() takes. The query lock is
//   public (runExclusive(), the same lock as _runExclusiveQuery in 0.5). The
//   transaction lock is not: `_runExclusiveTransaction`, with `_checkReady`,
//   are PGlite's private methods. Public replacement: none in 0.5 (no named
//   prepared statements, no public transaction lock); were PGlite to add
//   prepared queries, they would replace prepare()/execute() and the locks.
// - PGlite's reader (what execProtocol() and query() return) copies every
//   value into an ArrayBuffer of its own (~50 for a ten-row list); freeing them
//   paused the garbage collector 20-30 ms every few hundred requests at 500/s.
//   Here results are read from execProtocolRawStream()'s raw output (public,
//   documented as bypassing PGlite's wrappers) straight from one reusable
//   buffer. Public replacement: execProtocol(), at that cost. Anything but a
//   plain result (an error, a notice…) is read by PGlite's own reader, so
//   errors stay exactly PGlite's.
import { messages as pgMessages, type parse, protocol, type PGlite } from '@electric-sql/pglite';

/** The PGlite version this file was checked against, by pglite-adapter.test.ts. */
export const PGLITE_VERIFIED_VERSION = '0.5.16';

/** What parse.parseResults() reads. */
export type BackendMessages = Parameters<typeof parse.parseResults>[0];

export type PgliteAdapter = {
  /** Throws once PGlite is closing or closed, else waits until it is ready (PGlite's own check). */
  checkReady(): Promise<void>;
  /** Runs `fn` outside any transaction: waits for one to finish and holds others off (PGlite's transaction lock). */
  outsideTransactions<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` as the only exchange with Postgres (PGlite's query lock): prepare() and execute() only inside it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Prepares `text` as statement `name`, closing statement `close` first; returns its parameters' type OIDs. */
  prepare(name: string, text: string, paramTypes: number[], close?: string): Promise<number[]>;
  /** Binds and executes prepared statement `name` in one round trip; throws Postgres's error as PGlite does. */
  execute(name: string, values: (string | null)[]): Promise<BackendMessages>;
};

/** PGlite's private methods used here (PGlite 0.5). */
type Private = {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
};

const { serialize } = protocol;

export function pgliteAdapter(pg: PGlite): PgliteAdapter {
  const internals = pg as unknown as Private;
  const output = new RawOutput(); // one round trip at a time: execute() runs inside exclusive()
  return {
    checkReady: () => internals._checkReady(),
    outsideTransactions: (fn) => internals._runExclusiveTransaction(fn),
    exclusive: (fn) => pg.runExclusive(fn),
    async prepare(name, text, paramTypes, close) {
      const messages = [
        ...(close ? [serialize.close({ type: 'S', name: close })] : []),
        serialize.parse({ name, text, types: paramTypes }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ];
      const { messages: answer } = await pg.execProtocol(concat(messages), { syncToFs: false });
      const description = answer.find((m) => m.name === 'parameterDescription') as
        | { dataTypeIDs?: number[] }
        | undefined;
      return description?.dataTypeIDs ?? [];
    },
    async execute(name, values) {
      output.reset();
      await pg.execProtocolRawStream(
        concat([
          serialize.bind({ statement: name, values }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        // A chunk is a view of PGlite's WASM memory, valid only during the call: copied at once.
        { syncToFs: false, onRawData: (chunk) => output.append(chunk) },
      );
      // parseResults reads only the fields ResultMessage has.
      return (
        (readResultMessages(output.bytes()) as unknown as BackendMessages | undefined) ?? readByPglite(output.bytes())
      );
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * PGlite's own reading of a round trip's output: its first error is thrown as
 * PGlite's query() throws it; later messages are dropped, as PGlite drops them.
 * Notices and notifications are not passed on: Loupe asks for neither.
 */
export function readByPglite(bytes: Uint8Array): BackendMessages {
  const read: BackendMessages = [];
  let error: InstanceType<typeof pgMessages.DatabaseError> | undefined;
  new protocol.Parser().parse(bytes.slice(), (message) => {
    if (error) return;
    if (message instanceof pgMessages.DatabaseError) error = message;
    else read.push(message);
  });
  if (error) throw error;
  return read;
}

// The wire-format reader: the messages of an extended-protocol round trip's
// raw output that a result is made of (PostgreSQL protocol 3), read straight
// from one reusable buffer.

/** The messages parse.parseResults() reads, with the fields it reads. */
export type ResultMessage =
  | { name: 'rowDescription'; fields: { name: string; dataTypeID: number }[] }
  | { name: 'dataRow'; fields: (string | null)[] }
  | { name: 'commandComplete'; text: string }
  | { name: 'other' };

/** Backend messages that carry nothing a result needs: 1 ParseComplete, 2 BindComplete, 3 CloseComplete, n NoData, s PortalSuspended, I EmptyQuery, Z ReadyForQuery, t ParameterDescription. */
const SKIPPED = new Set(['1', '2', '3', 'n', 's', 'I', 'Z', 't'].map((c) => c.charCodeAt(0)));
const T = 'T'.charCodeAt(0),
  D = 'D'.charCodeAt(0),
  C = 'C'.charCodeAt(0);
const OTHER: ResultMessage = { name: 'other' };

const KEPT_BYTES = 64 * 1024;

/**
 * Raw output, gathered chunk by chunk into one buffer kept for the next round
 * trip; one grown for a large result is let go at the next reset.
 */
export class RawOutput {
  private buffer = new Uint8Array(KEPT_BYTES);
  length = 0;

  reset(): void {
    this.length = 0;
    if (this.buffer.length > 16 * KEPT_BYTES) this.buffer = new Uint8Array(KEPT_BYTES);
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  /** The bytes of this round trip (a view: valid until the next reset). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

const decoder = new TextDecoder();

/**
 * The result messages in `bytes`, or undefined when they hold any other kind
 * (ErrorResponse, NoticeResponse, NotificationResponse, ParameterStatus, a
 * truncated message…). Values are text (Loupe never asks for binary results).
 */
export function readResultMessages(bytes: Uint8Array): ResultMessage[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ResultMessage[] = [];
  let at = 0;
  const text = (from: number, length: number) => decoder.decode(bytes.subarray(from, from + length));
  while (at < bytes.length) {
    if (at + 5 > bytes.length) return undefined;
    const code = bytes[at]!;
    const end = at + 1 + view.getInt32(at + 1);
    if (end > bytes.length) return undefined;
    let p = at + 5;
    if (code === D) {
      const count = view.getInt16(p);
      p += 2;
      const fields = new Array<string | null>(count);
      for (let i = 0; i < count; i++) {
        const length = view.getInt32(p);
        p += 4;
        if (length < 0) fields[i] = null;
        else {
          fields[i] = text(p, length);
          p += length;
        }
      }
      out.push({ name: 'dataRow', fields });
    } else if (code === T) {
      const count = view.getInt16(p);
      p += 2;
      const fields = new Array<{ name: string; dataTypeID: number }>(count);
      for (let i = 0; i < count; i++) {
        const zero = bytes.indexOf(0, p);
        if (zero < 0 || zero >= end) return undefined;
        const name = text(p, zero - p);
        p = zero + 1;
        // table OID (4), column number (2), type OID (4), type size (2), type modifier (4), format (2)
        if (view.getInt16(p + 16) !== 0) return undefined; // a binary column: not for this reader
        fields[i] = { name, dataTypeID: view.getInt32(p + 6) };
        p += 18;
      }
      out.push({ name: 'rowDescription', fields });
    } else if (code === C) {
      out.push({ name: 'commandComplete', text: text(p, end - p - 1) });
    } else if (SKIPPED.has(code)) {
      out.push(OTHER);
    } else {
      return undefined;
    }
    at = end;
  }
  return out;
}
