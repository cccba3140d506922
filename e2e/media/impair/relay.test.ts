// The impairment relay itself, on loopback (needs no namespace): N datagrams
// from a "phone" socket through the relay to an echo "Janus" socket and back.
// Each datagram carries its sequence number and the time it was sent; both
// ends are in this process, so one clock measures the one-way delay.
// Asserted: nothing leaves before its delay (a lower bound, not a speed
// figure), the drops are exactly the seed's (reproducible) and near the set
// rate, order is kept, and the relay closes itself at maxMs.
import { afterAll, expect, test } from 'bun:test';
import type { udp } from 'bun';
import { errorOf, type ImpairRelay, seededRandom, startImpairRelay } from './relay.ts';

const N = 1000;
const DELAY_MS = 150; // one-way, so 300 ms RTT as in issue 22
const LOSS = 0.03;
const SEED = 22;
const sockets: udp.Socket<'uint8array'>[] = [];
let relay: ImpairRelay | undefined;

afterAll(() => {
  relay?.close();
  for (const s of sockets) s.close();
});

/** Drops the seed gives for n draws: what the relay must reproduce exactly. */
function expectedDrops(seed: number, n: number): number {
  const random = seededRandom(seed);
  let drops = 0;
  for (let i = 0; i < n; i++) if (random() < LOSS) drops++;
  return drops;
}

const packet = (seq: number) => {
  const view = new DataView(new ArrayBuffer(12));
  view.setUint32(0, seq);
  view.setFloat64(4, performance.now());
  return new Uint8Array(view.buffer);
};
const read = (data: Uint8Array) => {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { seq: view.getUint32(0), sentAt: view.getFloat64(4) };
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

function until(done: () => boolean, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    const tick = setInterval(() => {
      if (done() || performance.now() - started > maxMs) {
        clearInterval(tick);
        resolve();
      }
    }, 20);
  });
}

test('delay, seeded loss and order through the relay; it stops by itself', async () => {
  const atJanus: { seq: number; delay: number }[] = [];
  const atPhone: { seq: number; rtt: number }[] = [];
  const janus = await Bun.udpSocket({
    binaryType: 'uint8array',
    hostname: '127.0.0.1',
    socket: {
      data(socket, data, port, host) {
        const { seq, sentAt } = read(data);
        atJanus.push({ seq, delay: performance.now() - sentAt });
        socket.send(data, port, host); // echo: the answer carries the phone's send time
      },
    },
  });
  sockets.push(janus);
  const MAX_MS = 4000;
  relay = await startImpairRelay({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: janus.port },
    delayMs: DELAY_MS,
    loss: LOSS,
    seed: SEED,
    maxMs: MAX_MS,
  });
  const startedAt = performance.now();
  const phoneErrors: string[] = [];
  const phone = await Bun.udpSocket({
    binaryType: 'uint8array',
    hostname: '127.0.0.1',
    socket: {
      error: (...args: unknown[]) => void phoneErrors.push(errorOf(args)),
      data(_socket, data) {
        const { seq, sentAt } = read(data);
        atPhone.push({ seq, rtt: performance.now() - sentAt });
      },
    },
  });
  sockets.push(phone);
  const { port, host } = relay.address;
  // 50 datagrams every 10 ms (~5000 pps of 12 bytes): far below what loopback
  // and the receive buffers hold, so every drop is the relay's.
  for (let seq = 0; seq < N; seq++) {
    phone.send(packet(seq), port, host);
    if (seq % 50 === 49) await Bun.sleep(10);
  }
  const up = N - expectedDrops(SEED, N);
  const r = relay;
  await until(() => atPhone.length + r.downstream.dropped >= up, 3000);

  // Loss: exactly the seed's drops, each direction with its own stream.
  expect(relay.upstream).toEqual({ received: N, forwarded: up, dropped: N - up });
  expect(atJanus.length).toBe(up);
  expect(relay.downstream.dropped).toBe(expectedDrops(SEED ^ 0x9e3779b9, up));
  expect(atPhone.length).toBe(up - relay.downstream.dropped);
  // …and near the set rate: 3 % ± 1.5 points (≈ 3 σ of a binomial at N = 1000).
  for (const dir of [relay.upstream, relay.downstream])
    expect(Math.abs(dir.dropped / dir.received - LOSS)).toBeLessThanOrEqual(0.015);

  // Order kept in both directions.
  const increasing = (seqs: number[]) => seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? -1));
  expect(increasing(atJanus.map((p) => p.seq))).toBe(true);
  expect(increasing(atPhone.map((p) => p.seq))).toBe(true);

  // Delay: nothing earlier than set (1 ms of timer rounding allowed).
  const oneWay = atJanus.map((p) => p.delay).sort((a, b) => a - b);
  const rtt = atPhone.map((p) => p.rtt).sort((a, b) => a - b);
  expect(oneWay[0]).toBeGreaterThanOrEqual(DELAY_MS - 1);
  expect(rtt[0]).toBeGreaterThanOrEqual(2 * DELAY_MS - 2);
  const fmt = (xs: number[]) =>
    `min ${xs[0]?.toFixed(1)} p50 ${percentile(xs, 0.5).toFixed(1)} p99 ${percentile(xs, 0.99).toFixed(1)} max ${xs.at(-1)?.toFixed(1)} ms`;
  console.log(`one-way (set ${DELAY_MS}): ${fmt(oneWay)}; RTT (set ${2 * DELAY_MS}): ${fmt(rtt)}`);
  console.log(`dropped up ${relay.upstream.dropped}/${N}, down ${relay.downstream.dropped}/${up}`);

  expect(phoneErrors).toEqual([]);
  expect(relay.errors).toEqual([]);

  // Stops by itself at maxMs: its port is closed (loopback answers with an
  // ICMP refusal) and nothing is forwarded afterwards.
  const closedInTime = await Promise.race([relay.closed.then(() => true), Bun.sleep(MAX_MS + 2000).then(() => false)]);
  expect(closedInTime).toBe(true);
  expect(performance.now() - startedAt).toBeGreaterThanOrEqual(MAX_MS - 50);
  const before = atJanus.length;
  phone.send(packet(N), port, host);
  await Bun.sleep(DELAY_MS + 100);
  expect(atJanus.length).toBe(before);
  expect(relay.upstream.received).toBe(N);
  expect(phoneErrors.join()).toContain('refused');
}, 20_000);

test('the same seed gives the same drops; a clean link (loss 0, delay 0) drops nothing', async () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const first = Array.from({ length: 100 }, a);
  expect(Array.from({ length: 100 }, b)).toEqual(first);
  expect(Array.from({ length: 100 }, seededRandom(8))).not.toEqual(first);

  let echoed = 0;
  const janus = await Bun.udpSocket({
    binaryType: 'uint8array',
    hostname: '127.0.0.1',
    socket: { data: (s, d, p, h) => void s.send(d, p, h) },
  });
  sockets.push(janus);
  const clean = await startImpairRelay({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: janus.port },
    delayMs: 0,
    loss: 0,
    seed: 1,
    maxMs: 3000,
  });
  const phone = await Bun.udpSocket({
    binaryType: 'uint8array',
    hostname: '127.0.0.1',
    socket: { data: () => void echoed++ },
  });
  sockets.push(phone);
  for (let i = 0; i < 100; i++) phone.send(packet(i), clean.address.port, clean.address.host);
  await until(() => echoed >= 100, 2000);
  expect(echoed).toBe(100);
  clean.close();
  await clean.closed;
  await expect(startImpairRelay({ ...cleanOpts(janus.port), loss: 1 })).rejects.toThrow(/loss/);
});

const cleanOpts = (port: number) => ({
  listen: { host: '127.0.0.1', port: 0 },
  target: { host: '127.0.0.1', port },
  delayMs: 0,
  loss: 0,
  seed: 1,
  maxMs: 1000,
});
