// When media cannot connect (here: every UDP packet in the namespace dropped,
// as a firewall would), the console says so in words instead of showing a
// black box; once the network lets UDP through again, the picture comes by
// itself. The drop is tc on the namespace's loopback (local addresses route
// through lo): UDP is classified into a queue that holds nothing (pfifo
// limit 0; this kernel has no drop action module), TCP passes. Removed after
// the test whatever happens.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mediaOf, waitForMedia } from './rtc-stats.ts';
import { customerJoins, startScene, type Scene } from './scene.ts';

let scene: Scene;

function tc(...args: string[]) {
  const run = Bun.spawnSync(['tc', ...args], { stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`tc ${args.join(' ')}: ${run.stderr.toString()}`);
}
const blockUdp = () => {
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '1', 'r2q', '100000');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '10gbit');
  tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:2', 'handle', '20:', 'pfifo', 'limit', '0');
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
    '1',
    'u32',
    'match',
    'ip',
    'protocol',
    '17',
    '0xff',
    'flowid',
    '1:2',
  );
};
const unblockUdp = () => Bun.spawnSync(['tc', 'qdisc', 'del', 'dev', 'lo', 'root'], { stderr: 'ignore' });

beforeAll(async () => {
  scene = await startScene({
    rtpPorts: '40200-40299',
    technician: { email: 'ulla@example.test', password: 'ulla password 123', name: 'Ulla Jansen' },
  });
}, 120_000);

afterAll(async () => {
  unblockUdp();
  await scene?.stop();
});

test('UDP blocked: the console explains instead of a black box; UDP back: the picture comes by itself', async () => {
  const { tech } = scene;
  const { phone } = await customerJoins(scene, 'Fuse box');
  blockUdp();
  try {
    await tech.getByTestId('start-session').click();
    const overlay = tech.getByTestId('live-overlay');
    await overlay.filter({ hasText: 'could not connect' }).waitFor({ timeout: 40_000 });
    expect(await overlay.innerText()).toContain('UDP');
    await tech.locator('[data-testid="live-view"][data-status="failed"]').waitFor();
    expect((await mediaOf(tech)).framesDecoded).toBe(0);
    await phone.getByTestId('lens-live-status').waitFor();
    await scene.shot(tech, '23-console-media-blocked');
  } finally {
    unblockUdp();
  }
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 20_000);
  expect(await tech.getByTestId('live-overlay').count()).toBe(0);
  expect(scene.problems).toEqual([]);
}, 150_000);
