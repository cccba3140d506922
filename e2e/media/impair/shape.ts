// Rate limits for impairment tests, with the kernel's tbf (this kernel has
// tbf/htb/pfifo and u32 filters, no netem). Only inside a test namespace
// (scripts/netns.sh): these change the namespace's own devices.
//
// Which device: in scripts/netns.sh's single namespace the phone's Chromium
// and Janus both hold addresses of that namespace, so their packets route
// through `lo`, not the veth ("local 198.18.0.2 dev lo"). A root tbf on lo
// would slow Loupe's HTTP and Janus's API too; shapeUdpPort() therefore
// classifies only the UDP of one port (the impairment relay's) into a tbf of
// its own, one per direction, and leaves everything else at full speed.
// rateLimitDevice() is the plain root tbf, for a veth between two namespaces.

export type Rate = {
  /** e.g. 400 for 400 kbit/s. */
  kbit: number;
  /** Bucket size in bytes: how much may leave at line speed after a pause. */
  burstBytes?: number;
  /** Longest a packet may wait in the queue before tbf drops it. */
  latencyMs?: number;
};

export function tc(...args: string[]): void {
  const run = Bun.spawnSync(['tc', ...args], { stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`tc ${args.join(' ')}: ${run.stderr.toString().trim()}`);
}

/** `tbf rate … burst … latency …`, with a burst of at least one full-size packet. */
function tbf(rate: Rate): string[] {
  const burst = Math.max(rate.burstBytes ?? 4000, 1600);
  return ['tbf', 'rate', `${rate.kbit}kbit`, 'burst', `${burst}`, 'latency', `${rate.latencyMs ?? 100}ms`];
}

/** A root tbf on a device: every packet leaving it, whatever its kind. */
export function rateLimitDevice(dev: string, rate: Rate): void {
  tc('qdisc', 'replace', 'dev', dev, 'root', ...tbf(rate));
}

/**
 * Only UDP to `port` (class 1:2) and from `port` (class 1:3), each with its
 * own tbf at `rate` — the two directions of the phone's link are separate, as
 * on a real access link. All other traffic on `dev` goes to 1:1 unshaped.
 * `mask` widens `port` to a range (e.g. 0xff00: the 256 ports from `port`,
 * which must then be a multiple of 256): several relays share one tbf per
 * direction, as a phone's PeerConnections share its one link.
 */
export function shapeUdpPort(dev: string, port: number, rate: Rate, mask = 0xffff): void {
  if ((port & mask) !== port)
    throw new Error(`port ${port} is not the start of its range under mask 0x${mask.toString(16)}`);
  clearShaping(dev);
  tc('qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1', 'r2q', '100000');
  for (const cls of ['1:1', '1:2', '1:3'])
    tc('class', 'add', 'dev', dev, 'parent', '1:', 'classid', cls, 'htb', 'rate', '10gbit');
  tc('qdisc', 'add', 'dev', dev, 'parent', '1:2', 'handle', '20:', ...tbf(rate));
  tc('qdisc', 'add', 'dev', dev, 'parent', '1:3', 'handle', '30:', ...tbf(rate));
  const udp = ['match', 'ip', 'protocol', '17', '0xff'];
  const filter = (where: 'dport' | 'sport', flowid: string) =>
    tc(
      'filter',
      'add',
      'dev',
      dev,
      'parent',
      '1:',
      'protocol',
      'ip',
      'prio',
      '1',
      'u32',
      ...udp,
      'match',
      'ip',
      where,
      `${port}`,
      `0x${mask.toString(16)}`,
      'flowid',
      flowid,
    );
  filter('dport', '1:2');
  filter('sport', '1:3');
}

/** Back to the device's default queueing; quiet when nothing was set. */
export function clearShaping(dev: string): void {
  Bun.spawnSync(['tc', 'qdisc', 'del', 'dev', dev, 'root'], { stderr: 'ignore' });
}

/** `tc -s qdisc show`, for a test to see what is installed and how much it dropped. */
export function qdiscReport(dev: string): string {
  return Bun.spawnSync(['tc', '-s', 'qdisc', 'show', 'dev', dev]).stdout.toString();
}
