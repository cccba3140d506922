// The scale-out deployment end to end, every machine a host of its own on a
// test network (hosts-scene.ts: PostgreSQL, two Janus, Loupe nodes A and B,
// the console's Chromium and the phone's, each in its own network namespace,
// joined by veth pairs to one bridge; the test process is the balancer and
// the SMSC). The customer opens the link of a real SMS on node A, the
// technician's console is on node B. Then node A is killed with SIGKILL, and
// after it the Janus holding the room: each time the picture and the voice
// come back by themselves. Last, what must happen once has happened once: the
// SMS was sent once, and the customer's time-out ends the session once.
// How long the picture is gone is measured in bench/nodes.ts and
// bench/janus-failover.ts, not here.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { type HostsScene, phoneContextOf, startHostsScene } from './hosts-scene.ts';
import { pathsOf } from './loopback-filter.ts';
import type { OwnJanus } from './own-janus.ts';
import { expectLiveBothWays, expectPhoneBackBothWays, expectPictureBack, mediaOf } from './rtc-stats.ts';
import { lensToWaiting } from './scene.ts';

const TECH = { email: 'scale@example.test', password: 'scale out password', name: 'Sven Scale' };
const NUMBER = '+31612345678';
/** LOUPE_CUSTOMER_TIMEOUT_S here: long enough for the phone to come back after each kill. */
const CUSTOMER_TIMEOUT_S = 20;

let scene: HostsScene;
let tech: Page;
let phone: Page;
let sessionId: string;
let holder: OwnJanus;

beforeAll(async () => {
  scene = await startHostsScene({
    rtpPorts: [
      { min: 41300, max: 41349 },
      { min: 41350, max: 41399 },
    ],
    technician: TECH,
    env: { LOUPE_RECONNECT_WINDOW_S: '5', LOUPE_CUSTOMER_TIMEOUT_S: String(CUSTOMER_TIMEOUT_S) },
  });
  tech = scene.tech;
}, 180_000);

afterAll(async () => {
  if (sessionId) await tech?.request.post(`${scene.lb.url}/api/sessions/${sessionId}/end`).catch(() => {});
  await scene?.stop();
}, 60_000);

const auditCount = async (action: string) =>
  Number(
    (
      await scene.sql<{ n: string }[]>`
        select count(*) as n from audit_log where subject_id = ${sessionId} and action = ${action}`
    )[0]!.n,
  );

/** The SMS invitation made through B; its link opened on the phone's host, through A. */
async function customerJoinsOnA(): Promise<void> {
  const { lb, smsc } = scene;
  lb.to = 1;
  const created = await tech.request.post(`${lb.url}/api/sessions`, {
    data: { type: 'lens', name: 'Basement meter', method: 'sms', phone: NUMBER, language: 'en' },
  });
  expect(created.status()).toBe(201);
  sessionId = ((await created.json()) as { id: string }).id;
  const sms = await smsc.waitForMessage((m) => m.to === NUMBER.slice(1), 30_000);
  const link = /https?:\/\/\S+/.exec(sms.text)?.[0];
  expect(link?.startsWith(lb.url)).toBe(true);

  lb.to = 0;
  try {
    phone = await (await phoneContextOf(scene)).newPage();
    scene.watch(phone, 'phone');
    await lensToWaiting(phone, link!, 20_000);
    // The phone's socket offers while it waits: that claims the session's media for A.
    const idOfA = await scene.nodeIdOf(scene.a);
    for (let i = 0; i < 100 && (await scene.placeOf(sessionId)).media_node !== idOfA; i++) await Bun.sleep(100);
  } finally {
    lb.to = 1;
  }
  await tech.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`).click({ timeout: 15_000 });
}

/** Both pages' media goes between their own host and `janus`'s, across the test network. */
async function expectMediaThrough(janus: OwnJanus): Promise<void> {
  const { hosts } = scene.net;
  const janusAddress = janus.id.split(':')[0];
  for (const [page, host] of [
    [tech, hosts.console!],
    [phone, hosts.phone!],
  ] as const) {
    const paths = await pathsOf(page);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect([path.localAddress, path.remoteAddress]).toEqual([host.address, janusAddress!]);
  }
}

describe('two Loupe nodes and two Janus servers, each on a host of its own', () => {
  test("phone on A through an SMS link, console on B: the session's media is A's, on one Janus, picture and voice both ways across the network", async () => {
    await customerJoinsOnA();
    await tech.getByTestId('start-session').click();
    await expectLiveBothWays(tech, phone);

    const idOfA = await scene.nodeIdOf(scene.a);
    const place = await scene.placeOf(sessionId);
    expect(place).toMatchObject({ customer_node: idOfA, media_node: idOfA });
    holder = scene.servers.find((s) => s.id === place.janus_server)!;
    expect(holder).toBeDefined();
    await expectMediaThrough(holder);
    expect(scene.problems).toEqual([]);
  }, 150_000);

  test('kill -9 of node A: B takes the media over, the phone reconnects through B, picture and voice come back by themselves', async () => {
    expect(holder).toBeDefined();
    const before = await mediaOf(tech);
    const phoneBefore = await mediaOf(phone);
    process.kill(scene.a.proc.pid, 'SIGKILL');
    await scene.a.proc.exited;

    const taken = await scene.b.waitForLog((l) => l.msg === 'media of a gone node taken over', 30_000);
    expect(taken).toMatchObject({ sessions: 1 });
    await expectPictureBack(tech, before);
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    expect((await mediaOf(phone)).peerConnections).toBeGreaterThan(phoneBefore.peerConnections);
    await expectPhoneBackBothWays(tech, phone);

    const idOfB = await scene.nodeIdOf(scene.b);
    expect(await scene.placeOf(sessionId)).toEqual({
      customer_node: idOfB,
      media_node: idOfB,
      janus_server: holder.id,
    });
    await expectMediaThrough(holder);
    expect(scene.problems).toEqual([]);
  }, 150_000);

  test('kill -9 of the Janus holding the room: B moves the session to the other Janus, picture and voice come back by themselves', async () => {
    expect(holder).toBeDefined();
    const survivor = scene.servers.find((s) => s !== holder)!;
    const before = await mediaOf(tech);
    await holder.kill();

    const moved = await scene.b.waitForLog(
      (l) => l.msg === 'session moved to another Janus' && l.sessionId === sessionId,
      30_000,
    );
    expect(moved).toMatchObject({ from: holder.id, to: survivor.id });
    await expectPictureBack(tech, before);
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    await expectPhoneBackBothWays(tech, phone);
    expect((await scene.placeOf(sessionId)).janus_server).toBe(survivor.id);
    await expectMediaThrough(survivor);
    expect(scene.problems).toEqual([]);
  }, 150_000);

  test("after both kills the SMS was sent once, and the customer's time-out ends the session once", async () => {
    expect(scene.smsc.messages().filter((m) => m.to === NUMBER.slice(1)).length).toBe(1);
    expect(await auditCount('sms.sent')).toBe(1);

    // The customer goes for good: B (the leader) times the session out once.
    await phone.close();
    const end = Date.now() + (CUSTOMER_TIMEOUT_S + 30) * 1000;
    let state = '';
    while (state !== 'timed_out' && Date.now() < end) {
      [{ state = '' } = {}] = await scene.sql<{ state: string }[]>`
        select state from lens_sessions where id = ${sessionId}`;
      await Bun.sleep(250);
    }
    expect(state).toBe('timed_out');
    await Bun.sleep(6_000); // more than one expiry period: a second run would have written a second row
    expect(await auditCount('session.timed_out')).toBe(1);
    expect(scene.smsc.messages().filter((m) => m.to === NUMBER.slice(1)).length).toBe(1);
  }, 120_000);
});
