// A firewall on loopback for the media tests (TURN, UDP blocked, a phone's
// link cut): inside the test namespace every
// local packet goes through lo, so a tc u32 filter there decides which UDP
// (and which TCP ports) get through; everything it sends to class 1:2 meets a
// queue that holds nothing and is dropped. Also what the pages' selected
// candidate pairs are (getStats), to tell how their media went. Needs root in
// the namespace (scripts/netns.sh); unfilter() removes it all.
import type { Page } from 'playwright-core';

// On Janus's own address: Janus's packets to loupe1's address (198.18.0.2) leave by the veth and
// come back with a local source address, which Linux drops; the same address keeps them on lo.
export const TURN = { host: '198.18.0.1', port: 3478 };
// Ranges tc can match with one mask each: 16 relay ports (0x9e00/0xfff0), 64 RTP ports (0x9d80/0xffc0).
export const RELAY = { min: 0x9e00, mask: 0xfff0, count: 16 };
export const RTP = { min: 0x9d80, mask: 0xffc0, count: 64 };

function tc(...args: string[]) {
  const run = Bun.spawnSync(['tc', ...args], { stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`tc ${args.join(' ')}: ${run.stderr.toString()}`);
}

const UDP = ['match', 'ip', 'protocol', '17', '0xff'];
const TCP = ['match', 'ip', 'protocol', '6', '0xff'];

function filter(prio: number, match: string[], flow: '1:1' | '1:2') {
  tc(
    'filter',
    'add',
    'dev',
    'lo',
    'parent',
    '1:',
    'protocol',
    'ip',
    'prio',
    String(prio),
    'u32',
    ...match,
    'flowid',
    flow,
  );
}

/**
 * UDP matching `matches` passes (class 1:1); any other UDP goes to a queue that
 * holds nothing (1:2), and so does TCP from or to a port in `closedTcpPorts`.
 * Other TCP passes.
 */
export function udpOnlyWhere(matches: string[][], closedTcpPorts: number[] = []) {
  dropQueue();
  for (const match of matches) filter(1, [...UDP, ...match], '1:1');
  filter(2, UDP, '1:2');
  for (const p of closedTcpPorts) {
    filter(3, [...TCP, ...port('dport', p)], '1:2');
    filter(3, [...TCP, ...port('sport', p)], '1:2');
  }
}

/** UDP from or to any of `ports` goes to the queue that holds nothing; everything else passes. */
export function dropUdpOfPorts(ports: number[]) {
  dropQueue();
  for (const p of ports) {
    filter(1, [...UDP, ...port('sport', p)], '1:2');
    filter(1, [...UDP, ...port('dport', p)], '1:2');
  }
}

/** The root of every filter here: class 1:1 passes (the default), class 1:2 is a queue that holds nothing. */
function dropQueue() {
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '1', 'r2q', '100000');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '10gbit');
  tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:2', 'handle', '20:', 'pfifo', 'limit', '0');
}

export const port = (dir: 'sport' | 'dport', value: number, mask = 0xffff) => [
  'match',
  'ip',
  dir,
  String(value),
  `0x${mask.toString(16)}`,
];
/** coturn's relay ports ↔ Janus's RTP ports: the relayed leg. */
export const relayToJanus = [
  [...port('sport', RELAY.min, RELAY.mask), ...port('dport', RTP.min, RTP.mask)],
  [...port('sport', RTP.min, RTP.mask), ...port('dport', RELAY.min, RELAY.mask)],
];
/** Browsers (and Janus) ↔ the TURN server's own port. */
export const toTurnPort = [port('dport', TURN.port), port('sport', TURN.port)];
/** Removes the filter (and its queues); harmless when there is none. */
export const unfilter = () => Bun.spawnSync(['tc', 'qdisc', 'del', 'dev', 'lo', 'root'], { stderr: 'ignore' });

/** Candidate types (host, srflx, relay), and the addresses the media goes between. */
export type Path = {
  local: string;
  remote: string;
  relayProtocol?: string;
  localAddress: string;
  remoteAddress: string;
};

/** The selected candidate pair of each connected PeerConnection on the page (recorded by rtc-stats.ts). */
export function pathsOf(page: Page): Promise<Path[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const paths: Path[] = [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s) => {
        stats.set(s.id, s);
      });
      const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport && stats.get(String(transport.selectedCandidatePairId));
      if (!pair) continue;
      const local = stats.get(String(pair.localCandidateId));
      const remote = stats.get(String(pair.remoteCandidateId));
      paths.push({
        local: String(local?.candidateType),
        remote: String(remote?.candidateType),
        relayProtocol: local?.relayProtocol as string | undefined,
        localAddress: String(local?.address),
        remoteAddress: String(remote?.address),
      });
    }
    return paths;
  });
}
