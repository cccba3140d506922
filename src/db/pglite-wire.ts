// PGlite's own protocol reader copies every value it reads into an ArrayBuffer
// of its own (BufferReader.bytes slices the buffer) and copies each output
// chunk once more: ~50 ArrayBuffers for a ten-row list. Freeing those made the
// garbage collector pause Loupe for 20-30 ms every few hundred requests (the
// session list's p99 at 500/s, bench/api.ts). This reader takes the raw output
// of an extended-protocol round trip and reads the messages a result is made
// of straight from one reusable buffer. Anything else in it (an error, a
// notice, a notification) makes it step aside: the caller then lets PGlite's
// own reader read the same bytes, so errors stay exactly PGlite's.

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
