// A small network of hosts for the tests that cross machines: each host is a
// network namespace of its own (`ip netns`) with one interface, eth0, joined
// to a bridge in the test's namespace by a veth pair, as machines on one
// switch are. The test process itself is the host at 198.19.0.1 (where the
// balancer and the test SMSC listen). Addresses are from 198.18.0.0/15, the
// range reserved for benchmarking, inside the namespace scripts/netns.sh made:
// no packet can reach the machine's real network. Every namespace is removed
// by remove(); those left by a test process that died are removed by the next.
import { existsSync, readdirSync } from 'node:fs';

export type Host = {
  name: string;
  /** Its address on the bridge. */
  address: string;
  /** Its one interface (where Janus gathers ICE candidates). */
  iface: 'eth0';
  /** The words that run a command on this host: `ip netns exec <ns>`, which execs the command under the same PID. */
  exec: string[];
};

export type Network = {
  /** The test process's own address on the bridge. */
  address: string;
  hosts: Record<string, Host>;
  remove(): void;
};

const BRIDGE = 'lhbr0';
const SUBNET = '198.19.0';
const RUN_NETNS = '/run/netns';

function ip(...args: string[]): void {
  const done = Bun.spawnSync(['ip', ...args], { stderr: 'pipe' });
  if (done.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${done.stderr.toString().trim()}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Namespaces named loupe-<pid>-… whose test process is gone. */
function removeStale(): void {
  if (!existsSync(RUN_NETNS)) return;
  for (const name of readdirSync(RUN_NETNS)) {
    const pid = Number(/^loupe-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) Bun.spawnSync(['ip', 'netns', 'del', name]);
  }
}

/** One host per name, at 198.19.0.11, .12, … in the order given. */
export function startNetwork(names: string[]): Network {
  if (!process.env.LOUPE_TEST_NETNS) throw new Error('Run inside the test namespace: scripts/netns.sh bun test …');
  removeStale();
  const made: string[] = [];
  const remove = () => {
    for (const ns of made.splice(0)) Bun.spawnSync(['ip', 'netns', 'del', ns]);
    Bun.spawnSync(['ip', 'link', 'del', BRIDGE]);
  };
  try {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    const hosts: Record<string, Host> = {};
    for (const [i, name] of names.entries()) {
      const ns = `loupe-${process.pid}-${name}`;
      const address = `${SUBNET}.${11 + i}`;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', `lh${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', `lh${i}`, 'master', BRIDGE, 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      // Browsers gather no candidates without a default route: this one leads to the test process, where nothing is forwarded.
      ip('-n', ns, 'route', 'add', 'default', 'via', `${SUBNET}.1`);
      hosts[name] = { name, address, iface: 'eth0', exec: ['ip', 'netns', 'exec', ns] };
    }
    return { address: `${SUBNET}.1`, hosts, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
