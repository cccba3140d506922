import { describe, expect, test } from 'bun:test';
import type { LookupAddress } from 'node:dns';
import { checkedLookup, isForbiddenAddress, targetProblem } from './target.ts';

const none = new Set<string>();

describe('a receiver URL', () => {
  test('https to a public host is accepted', () => {
    expect(targetProblem('https://hooks.example.com/loupe', none)).toBeNull();
    expect(targetProblem('https://93.184.216.34:8443/x', none)).toBeNull();
    expect(targetProblem('https://[2606:2800:220:1::]/x', none)).toBeNull();
  });

  test('plain http, ftp and credentials in the URL are refused', () => {
    expect(targetProblem('http://hooks.example.com/', none)).toContain('Only https://');
    expect(targetProblem('ftp://hooks.example.com/', none)).toContain('https://');
    expect(targetProblem('https://user:pw@hooks.example.com/', none)).toContain('user name or password');
    expect(targetProblem('not a url', none)).toContain('https://');
  });

  // WHATWG URL parsing normalises the odd IPv4 spellings before the check sees them.
  test.each([
    'https://127.0.0.1/',
    'https://127.1/',
    'https://0x7f.0.0.1/',
    'https://2130706433/',
    'https://017700000001/',
    'https://0/',
    'https://0.0.0.0/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://172.31.255.255/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.1.1/',
    'https://[::1]/',
    'https://[0:0:0:0:0:0:0:1]/',
    'https://[::]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://[fd00:ec2::254]/',
    'https://[fc00::1]/',
    'https://[fe80::1]/',
    'https://localhost/',
    'https://api.localhost/',
    'https://localhost./',
  ])('%s is refused', (url) => {
    expect(targetProblem(url, none)).toContain('loopback, private, link-local or metadata');
  });

  test('a host in LOUPE_WEBHOOK_ALLOW_HTTP may use http and a private address, on its port only when one is named', () => {
    const allow = new Set(['127.0.0.1:8081', 'receiver.internal', '[::1]:9000']);
    expect(targetProblem('http://127.0.0.1:8081/hook', allow)).toBeNull();
    expect(targetProblem('http://127.0.0.1:8082/hook', allow)).toContain('Only https://');
    expect(targetProblem('https://127.0.0.1:8082/hook', allow)).toContain('loopback');
    expect(targetProblem('http://receiver.internal:1234/', allow)).toBeNull();
    expect(targetProblem('http://[::1]:9000/', allow)).toBeNull();
    expect(targetProblem('http://[::1]:9001/', allow)).toContain('Only https://');
  });

  test('the address classes', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '::1', 'fe80::1', '::ffff:192.168.0.1', '64:ff9b::a00:1', '224.0.0.1'])
      expect(isForbiddenAddress(a)).toBe(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1::', '172.32.0.1', '100.128.0.1'])
      expect(isForbiddenAddress(a)).toBe(false);
    expect(isForbiddenAddress('not-an-address')).toBe(true);
  });
});

describe('at delivery, after DNS', () => {
  const fakeDns =
    (answer: LookupAddress[]) => (_host: string, _opts: unknown, cb: (err: null, a: LookupAddress[]) => void) =>
      cb(null, answer);
  const resolve = (url: string, allow: Set<string>, answer: LookupAddress[]) =>
    new Promise<{ err: Error | null; address: unknown }>((done) =>
      checkedLookup(new URL(url), allow, fakeDns(answer) as never)(
        new URL(url).hostname,
        { all: true },
        (err, address) => done({ err, address }),
      ),
    );

  test('a name that resolves to a private address is refused, naming the address', async () => {
    const { err } = await resolve('https://rebind.example.com/', none, [{ address: '10.0.0.5', family: 4 }]);
    expect(err?.message).toContain('10.0.0.5');
    const mixed = await resolve('https://mixed.example.com/', none, [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ]);
    expect(mixed.err?.message).toContain('169.254.169.254');
  });

  test('a public answer is handed to the socket as checked; an allowed host may resolve anywhere', async () => {
    const ok = await resolve('https://hooks.example.com/', none, [{ address: '93.184.216.34', family: 4 }]);
    expect(ok).toEqual({ err: null, address: [{ address: '93.184.216.34', family: 4 }] });
    const allowed = await resolve('http://receiver.internal/', new Set(['receiver.internal']), [
      { address: '10.0.0.5', family: 4 },
    ]);
    expect(allowed.err).toBeNull();
  });
});
