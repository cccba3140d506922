import { describe, expect, test } from 'bun:test';
import smpp from 'smpp';
import {
  concatInfo,
  decodeGsm7,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  gsm7Length,
  isGsm7,
  parseReceipt,
  splitSms,
  type EncodedSms,
} from './encoding.ts';

// The package's own coders: an independent reading of GSM 03.38 to check ours against.
const packageCoders = smpp.encodings;

function decodeParts(sms: EncodedSms): string {
  return sms.parts.map((part) => (sms.dataCoding === 0 ? decodeGsm7(part.message) : decodeUcs2(part.message))).join('');
}

describe('isGsm7', () => {
  test('default alphabet and extension table', () => {
    expect(isGsm7('Your Loupe PIN is 123456. Open https://loupe.example/l/ab_c?x=1')).toBe(true);
    expect(isGsm7('Prijs: €5 [incl.] {a|b} ~ ^ \\ Ünïcode? no')).toBe(false); // ï is not GSM
    expect(isGsm7('Prijs: €5 [incl.] {a|b} ~ ^ \\')).toBe(true);
    expect(isGsm7('één café, Ñoño, ΔΩ')).toBe(true);
    expect(isGsm7('Ñandú')).toBe(false); // ú is not in the default alphabet (ù is)
  });

  test('characters outside GSM 03.38', () => {
    expect(isGsm7('ë')).toBe(false);
    expect(isGsm7('📷')).toBe(false);
    expect(isGsm7('`')).toBe(false);
    expect(isGsm7('\x1b')).toBe(false); // the escape itself is not a character
  });

  test('extension characters count as two septets', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('€[]{}~^\\|')).toBe(18);
    expect(gsm7Length('ë')).toBeUndefined();
  });
});

describe('GSM-7 and UCS-2 coding', () => {
  test('unpacked septets with escapes for the extension table', () => {
    expect([...encodeGsm7('@€[A\n')]).toEqual([0x00, 0x1b, 0x65, 0x1b, 0x3c, 0x41, 0x0a]);
    expect(decodeGsm7(Buffer.from([0x00, 0x1b, 0x65, 0x1b, 0x3c, 0x41, 0x0a]))).toBe('@€[A\n');
  });

  test('matches the smpp package coders', () => {
    const text = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡AZÄÖÑÜ§¿azäöñüà\f^{}\\[~]|€';
    expect(encodeGsm7(text)).toEqual(packageCoders.ASCII.encode(text));
    expect(packageCoders.ASCII.decode(encodeGsm7(text))).toBe(text);
    const unicode = 'Hoi 👋 Zoë, 你好';
    expect(encodeUcs2(unicode)).toEqual(packageCoders.UCS2.encode(unicode));
    expect(decodeUcs2(encodeUcs2(unicode))).toBe(unicode);
  });

  test('encodeGsm7 refuses characters it cannot carry', () => {
    expect(() => encodeGsm7('ë')).toThrow(RangeError);
  });
});

describe('splitSms', () => {
  test('GSM-7 single part up to 160 septets', () => {
    const sms = splitSms('a'.repeat(160));
    expect(sms.dataCoding).toBe(0);
    expect(sms.parts).toHaveLength(1);
    expect(sms.parts[0]!.udh).toBeUndefined();
    expect(sms.parts[0]!.message).toHaveLength(160);
    expect(splitSms('€'.repeat(80)).parts).toHaveLength(1);
    expect(splitSms('€'.repeat(81)).parts).toHaveLength(2);
  });

  test('GSM-7 multipart: 153 septets per part, escape pairs kept whole', () => {
    const text = `${'a'.repeat(152)}€${'b'.repeat(200)}`;
    const sms = splitSms(text, 42);
    expect(sms.dataCoding).toBe(0);
    expect(sms.parts.map((p) => p.message.length)).toEqual([152, 153, 49]); // € (2 septets) would not fit at 153
    for (const part of sms.parts) {
      expect(part.message.length).toBeLessThanOrEqual(153);
      expect(part.message[part.message.length - 1]).not.toBe(0x1b);
    }
    expect(decodeParts(sms)).toBe(text);
  });

  test('UCS-2 single part up to 70 units, 67 per part beyond, surrogate pairs kept whole', () => {
    expect(splitSms('ë'.repeat(70)).parts).toHaveLength(1);
    expect(splitSms('ë'.repeat(70)).dataCoding).toBe(8);
    expect(splitSms('📷'.repeat(35)).parts).toHaveLength(1); // 70 UTF-16 units
    const text = `${'ë'.repeat(66)}📷${'Zoë'.repeat(30)}`;
    const sms = splitSms(text, 7);
    expect(sms.dataCoding).toBe(8);
    expect(sms.parts[0]!.message).toHaveLength(66 * 2); // the emoji would not fit in unit 67 and 68
    expect(sms.parts[1]!.message.subarray(0, 4)).toEqual(encodeUcs2('📷'));
    for (const part of sms.parts) expect(part.message.length).toBeLessThanOrEqual(134);
    expect(decodeParts(sms)).toBe(text);
  });

  test('concatenation header: 05 00 03 ref total seq on every part', () => {
    const sms = splitSms('x'.repeat(400), 0xab);
    expect(sms.parts.map((p) => [...p.udh!])).toEqual([
      [5, 0, 3, 0xab, 3, 1],
      [5, 0, 3, 0xab, 3, 2],
      [5, 0, 3, 0xab, 3, 3],
    ]);
    expect(concatInfo([sms.parts[1]!.udh!.subarray(1)])).toEqual({ reference: 0xab, total: 3, seq: 2 });
  });

  test('each long text gets its own reference', () => {
    const a = splitSms('x'.repeat(200)).parts[0]!.udh![3];
    const b = splitSms('x'.repeat(200)).parts[0]!.udh![3];
    expect(a).not.toBe(b);
  });

  test('more than 255 parts is refused', () => {
    expect(() => splitSms('x'.repeat(153 * 256))).toThrow(RangeError);
  });
});

describe('parseReceipt', () => {
  test('standard receipt text', () => {
    expect(
      parseReceipt(
        'id:0A1B2C sub:001 dlvrd:001 submit date:2611251000 done date:2611251001 stat:DELIVRD err:000 text:Your Loupe PIN is',
      ),
    ).toEqual({ messageId: '0A1B2C', stat: 'DELIVRD', err: '000' });
  });

  test('failed delivery, lower-case field names, no err', () => {
    expect(parseReceipt('id:77 sub:001 dlvrd:000 submit date:2611251000 done date:2611251001 stat:undeliv')).toEqual({
      messageId: '77',
      stat: 'UNDELIV',
    });
  });

  test('the text excerpt cannot override fields', () => {
    expect(parseReceipt('id:1 stat:EXPIRED err:001 text: id:2 stat:DELIVRD')).toEqual({
      messageId: '1',
      stat: 'EXPIRED',
      err: '001',
    });
  });

  test('not a receipt', () => {
    expect(parseReceipt('hello')).toBeUndefined();
    expect(parseReceipt('id:1 sub:001')).toBeUndefined();
  });
});
