// One run of bench/nodes.ts's second figure: a live session with the phone's
// socket and the media on node A, the console's socket on B (the leader);
// A killed with SIGKILL; then, from the kill, each step the pages and B's log
// show until the console decodes the first frame on its new receiving
// connection. Page times are epoch (timeOrigin + the page's clock), Loupe's
// log times are epoch too: one machine, one clock.
import type { Page } from 'playwright-core';
import type { NodesScene } from '../../e2e/media/nodes-scene.ts';
import { waitForMedia } from '../../e2e/media/rtc-stats.ts';
import { epochNow } from '../media/lib/janus.ts';
import { inFront, inPage, pcInfos } from '../media/lib/page.ts';

/** Milliseconds from the kill to each step (NaN when a step was not seen). */
export type KillRun = {
  phoneClosed: number;
  takenOver: number;
  phoneReopened: number;
  restartPhone: number;
  restartConsole: number;
  phonePublishing: number;
  offered: number;
  connected: number;
  decoded: number;
};
export const KILL_STEPS: [keyof KillRun, string][] = [
  ['phoneClosed', "phone's socket closed"],
  ['takenOver', 'take-over logged on the leader (B)'],
  ['phoneReopened', "phone's socket open again (through B)"],
  ['restartPhone', 'phone told media.restart'],
  ['restartConsole', 'console told media.restart'],
  ['phonePublishing', "phone's new publishing connection up"],
  ['offered', "console's new subscription offered"],
  ['connected', "console's new subscription connected"],
  ['decoded', 'first new frame decoded'],
];

/** The session ended and its phone page closed (the console back to its list). */
export async function endSession(scene: NodesScene, sessionId: string, phone: Page): Promise<void> {
  await scene.tech.request.post(`${scene.lb.url}/api/sessions/${sessionId}/end`).catch(() => {});
  await scene.tech
    .getByTestId('live-view')
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => {});
  await phone.close();
}

/** After a failed run: every session of the technician not yet over is ended (one left live would refuse the next invitation). */
export async function endLeftovers(scene: NodesScene): Promise<void> {
  const res = await scene.tech.request.get(`${scene.lb.url}/api/sessions`);
  if (!res.ok()) return;
  const { sessions } = (await res.json()) as { sessions: { id: string; state: string }[] };
  for (const s of sessions.filter((x) => ['invited', 'connecting', 'waiting', 'active', 'on_hold'].includes(x.state)))
    await scene.tech.request.post(`${scene.lb.url}/api/sessions/${s.id}/end`).catch(() => {});
}

/** Page events after `t0` (epoch ms): socket marks and the states of PeerConnections made after it. */
async function pageSteps(page: Page, t0: number) {
  const origin = await page.evaluate(() => performance.timeOrigin);
  const marks = await inPage(page, (b) => b.marks, null);
  const pcs = (await pcInfos(page)).filter((p) => origin + p.created >= t0);
  const mark = (ev: string) => {
    const m = marks.find((x) => x.ev === ev && origin + x.t >= t0);
    return m ? origin + m.t - t0 : NaN;
  };
  const state = (receives: boolean, what: string, value: string) => {
    const times = pcs
      .filter((p) => p.receives === receives)
      .flatMap((p) => p.states.filter((s) => s.what === what && s.state === value).map((s) => origin + s.t - t0));
    return times.length ? Math.min(...times) : NaN;
  };
  return { mark, state };
}

/** Whether the node's log says it leads and has not said since that it stopped. */
function leads(logs: Record<string, unknown>[]): boolean {
  let leading = false;
  for (const l of logs) {
    if (String(l.msg).includes('this node is the leader')) leading = true;
    if (String(l.msg).includes('no longer the leader')) leading = false;
  }
  return leading;
}

/** Waits for the console's first decoded frame on a receiving connection made after `t0`. */
async function firstNewFrame(tech: Page, t0: number): Promise<void> {
  await tech.waitForFunction(
    (since) =>
      (
        window as unknown as {
          __bench: { pcs: { created: number; receives: boolean; states: { what: string; state: string }[] }[] };
        }
      ).__bench.pcs.some(
        (p) =>
          performance.timeOrigin + p.created >= since &&
          p.receives &&
          p.states.some((s) => s.what === 'rtp' && s.state === 'first-decoded'),
      ),
    t0,
    { timeout: 30_000, polling: 20 },
  );
}

/** One kill of node A mid-session; the session is ended after it (node A stays dead: the caller starts a new one). */
export async function killRun(scene: NodesScene, i: number): Promise<KillRun> {
  const { tech } = scene;
  const { sessionId, phone } = await scene.phoneJoins(`Kill ${i}`, 0);
  try {
    const [idA, idB] = [await scene.nodeIdOf(scene.a), await scene.nodeIdOf(scene.b)];
    await tech.getByTestId('start-session').click();
    await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
    const place = await scene.placeOf(sessionId);
    if (place.customer_node !== idA || place.media_node !== idA)
      throw new Error(
        `expected the phone's socket and the media on A (${idA}; B is ${idB}), found ${JSON.stringify(place)}`,
      );
    if (!leads(scene.b.logs) || leads(scene.a.logs)) throw new Error('B is not the leader');
    await inFront(tech);
    const t0 = epochNow();
    await scene.killA();
    await firstNewFrame(tech, t0);
    const consoleSteps = await pageSteps(tech, t0);
    const phoneSteps = await pageSteps(phone, t0);
    const taken = scene.b.logs.find(
      (l) => l.msg === 'media of a gone node taken over' && Date.parse(String(l.time)) >= t0 - 1,
    );
    // The console's socket must have been on B all along, or this was not the case measured.
    if (!Number.isNaN(consoleSteps.mark('ws:close'))) throw new Error("the console's socket was on A");
    const after = await scene.placeOf(sessionId);
    if (after.media_node !== idB) throw new Error(`the media did not move to B: ${JSON.stringify(after)}`);
    return {
      phoneClosed: phoneSteps.mark('ws:close'),
      takenOver: taken ? Date.parse(String(taken.time)) - t0 : NaN,
      phoneReopened: phoneSteps.mark('ws:open'),
      restartPhone: phoneSteps.mark('ws:media.restart'),
      restartConsole: consoleSteps.mark('ws:media.restart'),
      phonePublishing: phoneSteps.state(false, 'conn', 'connected'),
      offered: consoleSteps.mark('ws:rtc.offer'),
      connected: consoleSteps.state(true, 'conn', 'connected'),
      decoded: consoleSteps.state(true, 'rtp', 'first-decoded'),
    };
  } finally {
    await endSession(scene, sessionId, phone);
  }
}
