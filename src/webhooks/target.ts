// Where a webhook may point (SSRF): https only, and never at an address inside
// the host's own networks (loopback, private, link-local, the cloud metadata
// service), unless the operator listed the host in LOUPE_WEBHOOK_ALLOW_HTTP
// (tests and internal receivers). Checked when a receiver is saved and again
// at each delivery after DNS resolution, on the very address then connected to
// (a name can be re-pointed between the check and the connection: DNS rebinding).
import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import net from 'node:net';
import { Invalid } from '../http/errors.ts';

/** Addresses a receiver may not be at: not the public internet. */
const FORBIDDEN = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 itself
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, with the metadata service 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast, reserved, broadcast
] as const)
  FORBIDDEN.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: reaches any IPv4 address, private ones too
  ['fc00::', 7], // unique local, with the metadata service fd00:ec2::254
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(address, prefix, 'ipv6');
// IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked against the IPv4 rules by BlockList itself.

/** Whether `address` (an IP literal, without brackets) is one a receiver may not be at. */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether the URL's host (`host` or `host:port`, lower case) is listed in LOUPE_WEBHOOK_ALLOW_HTTP. */
export function isAllowedHost(url: URL, allow: ReadonlySet<string>): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return allow.has(host) || allow.has(`${host}:${port}`);
}

/** The URL's host as an address literal (brackets off), or undefined for a name. */
function literal(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return net.isIP(host) ? host : undefined;
}

/** A name that always means this machine, whatever DNS says. */
const isLocalName = (host: string) => /(^|\.)localhost\.?$/i.test(host);

/**
 * The reason `raw` may not be a receiver's URL, or null. WHATWG URL parsing
 * has already turned `127.1`, `0x7f.0.0.1` and `2130706433` into 127.0.0.1
 * and `[0:0::1]` into `[::1]`, so a literal is checked in its one spelling.
 * A name is checked only here for `localhost`; its addresses at each delivery.
 */
export function targetProblem(raw: string, allow: ReadonlySet<string>): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Give an https:// URL.';
  }
  if (url.username || url.password)
    return 'The URL may not hold a user name or password; the signature proves who sends.';
  const allowed = isAllowedHost(url, allow);
  if (url.protocol === 'http:' && !allowed)
    return 'Only https:// URLs: plain http:// only to a host listed in LOUPE_WEBHOOK_ALLOW_HTTP.';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Give an https:// URL.';
  if (allowed) return null;
  const address = literal(url);
  if ((address && isForbiddenAddress(address)) || isLocalName(url.hostname))
    return `${url.hostname} is a loopback, private, link-local or metadata address; receivers must be on the public internet (or listed in LOUPE_WEBHOOK_ALLOW_HTTP).`;
  return null;
}

/** Throws 400 with the reason when `raw` may not be a receiver's URL. */
export function assertTarget(raw: string, allow: ReadonlySet<string>): void {
  const problem = targetProblem(raw, allow);
  if (problem) throw new Invalid(`url: ${problem}`, [{ path: 'url', message: problem }]);
}

export class RefusedTarget extends Error {}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s): resolves the name, refuses it when any of its
 * addresses is forbidden (unless the host is allowed), and hands the socket
 * exactly the addresses it checked, so nothing resolves the name a second time.
 */
export function checkedLookup(url: URL, allow: ReadonlySet<string>, resolve = dnsLookup) {
  const allowed = isAllowedHost(url, allow);
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    resolve(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isForbiddenAddress(a.address));
      if (!list.length || (bad && !allowed)) {
        const refused = new RefusedTarget(
          `${hostname} resolves to ${bad?.address ?? 'no address'}, a loopback, private, link-local or metadata address: not delivered.`,
        ) as NodeJS.ErrnoException;
        return callback(refused, []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
