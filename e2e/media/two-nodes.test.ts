// Two real Loupe nodes on one real PostgreSQL server and one Janus of the
// test's own, behind a plain TCP balancer (no sticky sessions): the phone's
// socket is on node A, the technician's console on node B. The session's
// media lives on A (the phone offered there first); B mails A the console's
// signalling and Start, and A mails back what Janus says. Then A is killed
// with SIGKILL mid-session: B (the leader) takes the session's media over,
// the phone's socket reconnects through the balancer to B, and the picture
// and the voice come back without a click. How long that takes is
// bench/nodes.ts's to measure, not this test's.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { type NodesScene, startNodesScene } from './nodes-scene.ts';
import { expectLiveBothWays, expectPhoneBackBothWays, expectPictureBack, mediaOf } from './rtc-stats.ts';
import { customerJoins } from './scene.ts';

const TECH = { email: 'nodes@example.test', password: 'two nodes password', name: 'Noor Nodes' };

let scene: NodesScene;
let tech: Page;
let phone: Page;
let sessionId: string;

beforeAll(async () => {
  scene = await startNodesScene({ rtpPorts: { min: 41200, max: 41299 }, technician: TECH });
  tech = scene.tech;
}, 150_000);

afterAll(async () => {
  if (sessionId) await tech?.request.post(`${scene.lb.url}/api/sessions/${sessionId}/end`).catch(() => {});
  await scene?.stop();
});

describe('a live session with the phone on one node and the console on another', () => {
  test("phone on A, console on B: the session's media is A's, picture and voice both ways", async () => {
    const { a, lb } = scene;
    // The phone's page and socket on A; what the console does next goes to B.
    lb.to = 0;
    ({ sessionId, phone } = await customerJoins(scene, 'Boiler room'));
    lb.to = 1;
    await tech.getByTestId('start-session').click();
    await expectLiveBothWays(tech, phone);

    // Where things are: the customer's socket and the session's media on A.
    const idOfA = await scene.nodeIdOf(a);
    expect(await scene.placeOf(sessionId)).toEqual({ customer_node: idOfA, media_node: idOfA, state: 'active' });
    expect(scene.problems).toEqual([]);
  }, 120_000);

  test('kill -9 of node A: B takes the media over, the phone reconnects through B, picture and voice come back by themselves', async () => {
    expect(sessionId).toBeDefined();
    const before = await mediaOf(tech);
    const phoneBefore = await mediaOf(phone);
    await scene.killA();

    const taken = await scene.b.waitForLog((l) => l.msg === 'media of a gone node taken over', 20_000);
    expect(taken).toMatchObject({ sessions: 1 });
    // The console decodes frames again on a new receiving connection, without a click.
    await expectPictureBack(tech, before);
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    expect((await mediaOf(phone)).peerConnections).toBeGreaterThan(phoneBefore.peerConnections);
    await expectPhoneBackBothWays(tech, phone);

    const idOfB = await scene.nodeIdOf(scene.b);
    expect(await scene.placeOf(sessionId)).toEqual({ customer_node: idOfB, media_node: idOfB, state: 'active' });
    expect(scene.problems).toEqual([]);
  }, 120_000);
});
