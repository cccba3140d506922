// When media cannot connect (here: every UDP packet in the namespace dropped,
// as a firewall would, from before the phone made any connection), the
// console says so in words instead of showing a black box; once the network
// lets UDP through again, the picture comes by itself, also after the phone's
// own connection has given up (failed: a connection that never connected has
// no ICE to restart, so the phone publishes anew). The drop is tc on the namespace's loopback (local addresses route
// through lo): UDP is classified into a queue that holds nothing (pfifo
// limit 0; this kernel has no drop action module), TCP passes. Removed after
// the test whatever happens.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { udpOnlyWhere, unfilter } from './loopback-filter.ts';
import { mediaOf, waitForMedia } from './rtc-stats.ts';
import { customerJoins, startScene, type Scene } from './scene.ts';

let scene: Scene;

/** Every UDP packet dropped (no UDP matched to pass); TCP passes. */
const blockUdp = () => udpOnlyWhere([]);
const unblockUdp = unfilter;

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

test('UDP blocked: the console explains instead of a black box; UDP back, after the phone gave up: the picture comes by itself', async () => {
  const { tech } = scene;
  blockUdp();
  const { phone } = await customerJoins(scene, 'Fuse box');
  try {
    await tech.getByTestId('start-session').click();
    const overlay = tech.getByTestId('live-overlay');
    await overlay.filter({ hasText: 'could not connect' }).waitFor({ timeout: 40_000 });
    expect(await overlay.innerText()).toContain('UDP');
    await tech.locator('[data-testid="live-view"][data-status="failed"]').waitFor();
    expect((await mediaOf(tech)).framesDecoded).toBe(0);
    await phone.getByTestId('lens-live-status').waitFor();
    await scene.shot(tech, '23-console-media-blocked');
    // The phone's publishing connection (the one sending the camera) gives up, ICE failed, while UDP is still blocked.
    await phone.waitForFunction(
      () =>
        ((window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? []).some(
          (pc) => pc.connectionState === 'failed' && pc.getSenders().some((s) => s.track?.kind === 'video'),
        ),
      undefined,
      { timeout: 60_000, polling: 250 },
    );
  } finally {
    unblockUdp();
  }
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 20_000);
  expect(await tech.getByTestId('live-overlay').count()).toBe(0);
  expect(scene.problems).toEqual([]);
}, 200_000);
