// A pool of two real Janus servers (JANUS_URLS) and a live session on one of
// them; that Janus is killed with SIGKILL mid-session. Loupe sees its API
// connection drop, waits out the grace (src/media/janus-pool.ts, GRACE_MS),
// gives the session a room on the other server and tells both pages to
// publish and subscribe again (`media.restart`, reason `media_server_moved`).
// Asserted on the real pages and the real servers: the console shows that the
// call moved, then decodes frames again on a new receiving connection without
// any click; the phone publishes into the surviving Janus (its admin API says
// so), and the voice flows both ways again. Then the Janus that took the
// session over hangs (SIGSTOP: alive, its sockets open): the pool's health
// check finds it and the session moves back, the same way. How long the
// picture is gone is measured in bench/janus-failover.ts, not here.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import type { OwnJanus } from './own-janus.ts';
import { holdersOfRooms, type PoolScene, startPoolScene } from './pool-scene.ts';
import {
  expectFlowing,
  expectLiveBothWays,
  expectPhoneBackBothWays,
  expectPictureBack,
  frames,
  mediaOf,
} from './rtc-stats.ts';
import { customerJoins } from './scene.ts';

const TECH = { email: 'fenna@example.test', password: 'fenna password 123', name: 'Fenna Bakker' };
/** The console's line over the picture while the call moves (web/messages/en.json, call_media_moved). */
const MOVED = 'the call moved to another one';

let scene: PoolScene;
let tech: Page;
let phone: Page;
let sessionId: string;

beforeAll(async () => {
  scene = await startPoolScene({
    rtpPorts: [
      { min: 41000, max: 41049 },
      { min: 41050, max: 41099 },
    ],
    technician: TECH,
  });
  tech = scene.tech;
}, 120_000);

afterAll(async () => {
  if (sessionId) await tech?.request.post(`${scene.loupe.url}/api/sessions/${sessionId}/end`).catch(() => {});
  await scene?.stop();
});

/** Every line the console's overlay shows from now on, kept in the page (test instrumentation only). */
function recordOverlay(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __overlays: string[] }).__overlays = seen;
    const look = () => {
      const text = document.querySelector('[data-testid="live-overlay"]')?.textContent?.trim();
      if (text && seen.at(-1) !== text) seen.push(text);
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

describe('a live session on a pool of two Janus servers', () => {
  let holder: OwnJanus;
  let survivor: OwnJanus;

  test('the session lives on one Janus of the pool: picture in the console, voice both ways', async () => {
    const joined = await customerJoins(scene, 'Cellar pump');
    ({ sessionId, phone } = joined);
    await tech.getByTestId('start-session').click();
    await expectLiveBothWays(tech, phone);

    // Exactly one server holds the room, with the four handles of a live session receiving media.
    const holders = await holdersOfRooms(scene.servers);
    expect(holders.length).toBe(1);
    holder = holders[0]!;
    survivor = scene.servers.find((s) => s !== holder)!;
    const inRoom = (await holder.admin.handles()).filter((h) => h.room !== undefined);
    expect(inRoom.length).toBe(4);
    expect(inRoom.reduce((n, h) => n + h.bytesIn, 0)).toBeGreaterThan(0);
    expect((await survivor.admin.handles()).filter((h) => h.room !== undefined)).toEqual([]);
  }, 120_000);

  test('kill -9 of that Janus: the console says the call moved, the picture comes back by itself, the phone publishes to the other Janus, voice flows both ways', async () => {
    expect(holder).toBeDefined();
    const before = await mediaOf(tech);
    await recordOverlay(tech);
    await holder.kill();
    expect(holder.alive).toBe(false);

    // Loupe moves the session to the survivor (its log names both by host:port).
    const moved = await scene.loupe.waitForLog(
      (l) => l.msg === 'session moved to another Janus' && l.sessionId === sessionId,
      20_000,
    );
    expect(moved).toMatchObject({ from: holder.id, to: survivor.id });

    // No click: a new receiving connection in the console decodes frames, and they keep coming.
    await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 30_000 });
    await expectPictureBack(tech, before);
    // What the overlay said meanwhile: that the call moved to another media server.
    const overlays = await tech.evaluate(() => (window as unknown as { __overlays: string[] }).__overlays);
    expect(overlays.some((text) => text.includes(MOVED))).toBe(true);
    await tech.locator('[data-testid="live-overlay"]').waitFor({ state: 'detached', timeout: 10_000 });

    // The phone is live again and sends its camera. Voice both ways again: the
    // customer's microphone in the console, the technician's on the phone.
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    await expectPhoneBackBothWays(tech, phone);
    // The survivor's admin API: the room, its four handles, both publishers (camera and microphones) receiving media.
    const inRoom = (await survivor.admin.handles()).filter((h) => h.room !== undefined);
    expect(inRoom.length).toBe(4);
    expect(new Set(inRoom.map((h) => h.room)).size).toBe(1);
    const publishers = inRoom.filter((h) => h.specific.type === 'publisher');
    expect(publishers.length).toBe(2);
    expect(publishers.every((h) => h.bytesIn > 0)).toBe(true);
    expect(scene.problems).toEqual([]);
  }, 120_000);

  test('the killed Janus comes back: Loupe reconnects to it, and the session stays where it moved', async () => {
    const dead = scene.servers.find((s) => !s.alive)!;
    const connects = () => scene.loupe.logs.filter((l) => l.msg === 'connected to Janus' && l.url === dead.url).length;
    const seen = connects();
    await dead.restart();
    await scene.loupe.waitForLog(() => connects() > seen, 20_000);
    await expectFlowing(tech, frames);
    expect((await holdersOfRooms(scene.servers)).map((s) => s.id)).toEqual([survivor.id]);
  }, 60_000);

  test('the Janus holding the session hangs (SIGSTOP): the health check drops it and the session moves back, picture and voice without a click', async () => {
    const hung = survivor;
    const other = scene.servers.find((s) => s !== hung)!;
    expect(other.alive).toBe(true);
    const before = await mediaOf(tech);
    hung.hang();
    try {
      await scene.loupe.waitForLog(
        (l) => l.msg === 'Janus does not answer its health check' && l.janus === hung.id,
        20_000,
      );
      const moved = await scene.loupe.waitForLog(
        (l) => l.msg === 'session moved to another Janus' && l.sessionId === sessionId && l.from === hung.id,
        20_000,
      );
      expect(moved).toMatchObject({ to: other.id });
      await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 30_000 });
      await expectPictureBack(tech, before);
      await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
      await expectPhoneBackBothWays(tech, phone);
      expect((await holdersOfRooms([other])).map((s) => s.id)).toEqual([other.id]);
      expect(scene.problems).toEqual([]);
    } finally {
      // A stopped process would only die of SIGKILL; the scene's stop would wait 5 s for it.
      await hung.kill();
    }
  }, 120_000);
});
