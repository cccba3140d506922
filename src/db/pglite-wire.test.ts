import { describe, expect, test } from 'bun:test';
import { RawOutput, readResultMessages } from './pglite-wire.ts';

// Backend messages by hand: code, int32 length (itself included), body.
function message(code: string, body: number[]): number[] {
  const length = body.length + 4;
  return [code.charCodeAt(0), length >>> 24, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...body];
}
const int16 = (n: number) => [(n >>> 8) & 255, n & 255];
const int32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const cstring = (s: string) => [...new TextEncoder().encode(s), 0];
const value = (s: string | null) =>
  s === null ? int32(-1) : [...int32(new TextEncoder().encode(s).length), ...new TextEncoder().encode(s)];
const column = (name: string, type: number, format = 0) => [
  ...cstring(name),
  ...int32(0),
  ...int16(0),
  ...int32(type),
  ...int16(-1),
  ...int32(-1),
  ...int16(format),
];

describe("reading PGlite's raw output", () => {
  const result = [
    ...message('2', []),
    ...message('T', [...int16(2), ...column('id', 23), ...column('naam', 25)]),
    ...message('D', [...int16(2), ...value('1'), ...value('één')]),
    ...message('D', [...int16(2), ...value('2'), ...value(null)]),
    ...message('C', cstring('SELECT 2')),
    ...message('Z', ['I'.charCodeAt(0)]),
  ];

  test('rows, columns, nulls and the command tag', () => {
    expect(readResultMessages(new Uint8Array(result))).toEqual([
      { name: 'other' },
      {
        name: 'rowDescription',
        fields: [
          { name: 'id', dataTypeID: 23 },
          { name: 'naam', dataTypeID: 25 },
        ],
      },
      { name: 'dataRow', fields: ['1', 'één'] },
      { name: 'dataRow', fields: ['2', null] },
      { name: 'commandComplete', text: 'SELECT 2' },
      { name: 'other' },
    ]);
  });

  test('steps aside for errors, notices, binary columns and truncated output', () => {
    const error = message('E', [...'SERROR'.split('').map((c) => c.charCodeAt(0)), 0, 0]);
    expect(readResultMessages(new Uint8Array([...result, ...error]))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(message('N', [0])))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(message('T', [...int16(1), ...column('blob', 17, 1)])))).toBeUndefined();
    expect(readResultMessages(new Uint8Array(result.slice(0, result.length - 3)))).toBeUndefined();
  });

  test('output gathered chunk by chunk, the buffer kept and grown', () => {
    const out = new RawOutput();
    const bytes = new Uint8Array(200_000).map((_, i) => i & 255);
    for (let at = 0; at < bytes.length; at += 7_000) out.append(bytes.subarray(at, at + 7_000));
    expect(out.bytes()).toEqual(bytes);
    out.reset();
    out.append(new Uint8Array([1, 2, 3]));
    expect(out.bytes()).toEqual(new Uint8Array([1, 2, 3]));
  });
});
