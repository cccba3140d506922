import { describe, expect, test } from 'bun:test';
import { tokenHash } from '../auth/tokens.ts';
import { hexAt, uuidAt, uuidKey, writeTokenHash, writeUuid } from './socket-ids.ts';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('socket ids', () => {
  test('a token hash and a UUID written as bytes read back as Loupe stores them', () => {
    const ids = new Uint8Array(48);
    writeTokenHash(ids, 0, 'the-cookie-token');
    writeUuid(ids, 32, ID);
    expect(hexAt(ids, 0, 32)).toBe(tokenHash('the-cookie-token'));
    expect(uuidAt(ids, 32)).toBe(ID);
  });

  test('upper-case UUIDs read back in the database’s lower case; anything else is refused and nothing is written', () => {
    const ids = new Uint8Array(16);
    writeUuid(ids, 0, ID.toUpperCase());
    expect(uuidAt(ids, 0)).toBe(ID);
    const empty = new Uint8Array(16);
    for (const bad of ['', 'not-a-uuid', `${ID}0`, ID.replaceAll('-', '')]) {
      expect(() => writeUuid(empty, 0, bad)).toThrow('not a UUID');
    }
    expect(empty.every((b) => b === 0)).toBe(true);
  });

  test('the index key is the first 48 bits, exact in a number', () => {
    expect(uuidKey(ID)).toBe(0x0f8fad5bd9cb);
    expect(uuidKey('ffffffff-ffff-4fff-bfff-ffffffffffff')).toBe(2 ** 48 - 1);
    expect(uuidKey(ID)).not.toBe(uuidKey('0f8fad5b-d9cc-469f-a165-70867728950e'));
  });
});
