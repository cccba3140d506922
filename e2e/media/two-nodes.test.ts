// Two real Loupe nodes on one real PostgreSQL server and one Janus of the
// test's own, behind a plain TCP balancer (no sticky sessions): the phone's
// socket is on node A, the technician's console on node B. The session's
// media lives on A (the phone offered there first); B mails A the console's
// signalling and Start, and A mails back what Janus says. Then A is killed
// with SIGKILL mid-session: B (the leader) takes the session's media over,
// the phone's socket reconnects through the balancer to B, and the picture
// and the voice come back without a click. How long that takes is
// bench/node-failover.ts's to measure, not this test's.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Browser, Page } from 'playwright-core';
import { type Balancer, startBalancer } from '../balancer.ts';
import {
  ADMINISTRATOR_ENV,
  addTechnician,
  launchWithFakeCamera,
  PROVOKED_STATUSES,
  pageProblems,
  signInToConsole,
} from '../helpers.ts';
import { freePort, type LoupeProcess, startLoupe } from '../loupe-process.ts';
import { janusUrls, type OwnJanus, startOwnJanus } from './own-janus.ts';
import { audioIn, expectFlowing, frames, mediaOf, recordPeerConnections, videoOut, waitForMedia } from './rtc-stats.ts';
import { customerJoins, PHONE_DEVICE, type Scene } from './scene.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const TECH = { email: 'nodes@example.test', password: 'two nodes password', name: 'Noor Nodes' };
const GROUP = { name: 'Two nodes', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] };

let pgDir: string;
let sql: postgres.Sql;
let janus: OwnJanus;
let a: LoupeProcess;
let b: LoupeProcess;
let lb: Balancer;
let browser: Browser;
let tech: Page;
let phone: Page;
let sessionId: string;
const { problems, watch } = pageProblems(PROVOKED_STATUSES);

const portOf = (node: LoupeProcess) => Number(new URL(node.url).port);
const nodeIdOf = async (node: LoupeProcess) =>
  String((await node.waitForLog((l) => l.msg === 'cluster: node joined')).nodeId);

beforeAll(async () => {
  if (!process.env.LOUPE_TEST_NETNS) throw new Error('Run inside the test namespace: scripts/netns.sh bun test …');
  pgDir = mkdtempSync(join(tmpdir(), 'loupe-two-nodes-pg-'));
  const started = Bun.spawnSync(['scripts/postgres-tmp.sh', 'start', pgDir], { cwd: ROOT, stderr: 'pipe' });
  if (started.exitCode !== 0) throw new Error(`PostgreSQL did not start: ${started.stderr}`);
  const databaseUrl = started.stdout.toString().trim();
  sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  janus = await startOwnJanus({ rtpPorts: { min: 41200, max: 41299 } });
  const lbPort = await freePort();
  const env = {
    ...ADMINISTRATOR_ENV,
    DATABASE_URL: databaseUrl,
    JANUS_URLS: janusUrls([janus]),
    LOUPE_PUBLIC_URL: `http://127.0.0.1:${lbPort}`,
  };
  // B first, so that B leads (runs the take-over) when A dies.
  b = await startLoupe(env);
  await b.waitForLog((l) => String(l.msg).includes('this node is the leader'), 60_000);
  a = await startLoupe(env);
  await Promise.all([a.waitForLog((l) => l.msg === 'listening', 60_000), b.waitForLog((l) => l.msg === 'listening')]);
  await Promise.all([a, b].map((n) => n.waitForLog((l) => l.msg === 'connected to Janus', 30_000)));
  lb = startBalancer(lbPort, [portOf(a), portOf(b)]);
  await addTechnician(lb.url, GROUP, TECH);

  browser = await launchWithFakeCamera();
  const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: lb.url });
  await techContext.addInitScript(recordPeerConnections);
  tech = await techContext.newPage();
  watch(tech, 'console');
  // The console's socket on B.
  lb.to = 1;
  await signInToConsole(tech, lb.url, TECH);
}, 150_000);

afterAll(async () => {
  if (sessionId) await tech?.request.post(`${lb.url}/api/sessions/${sessionId}/end`).catch(() => {});
  await browser?.close();
  lb?.stop();
  await a?.stop();
  await b?.stop();
  await janus?.stop();
  await sql?.end({ timeout: 5 });
  Bun.spawnSync(['scripts/postgres-tmp.sh', 'stop', pgDir], { cwd: ROOT });
  rmSync(pgDir, { recursive: true, force: true });
});

describe('a live session with the phone on one node and the console on another', () => {
  test("phone on A, console on B: the session's media is A's, picture and voice both ways", async () => {
    const phoneContext = await browser.newContext(PHONE_DEVICE);
    await phoneContext.grantPermissions(['camera', 'microphone'], { origin: lb.url });
    await phoneContext.addInitScript(recordPeerConnections);
    // The phone's page and socket on A; what the console does next goes to B.
    lb.to = 0;
    const scene = { loupe: { url: lb.url }, tech, phoneContext, watch } as unknown as Scene;
    ({ sessionId, phone } = await customerJoins(scene, 'Boiler room'));
    lb.to = 1;
    await tech.getByTestId('start-session').click();
    await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 30_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0 && m.audioPacketsReceived > 0, 30_000);
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    await waitForMedia(phone, (m) => m.audioPacketsReceived > 20, 20_000);
    await expectFlowing(tech, frames);
    await expectFlowing(tech, audioIn);
    await expectFlowing(phone, audioIn);

    // Where things are: the customer's socket and the session's media on A.
    const [row] = await sql<{ customer_node: string; media_node: string; state: string }[]>`
      select customer_node, media_node, state from lens_sessions where id = ${sessionId}`;
    expect(row).toEqual({ customer_node: await nodeIdOf(a), media_node: await nodeIdOf(a), state: 'active' });
    expect(problems).toEqual([]);
  }, 120_000);

  test('kill -9 of node A: B takes the media over, the phone reconnects through B, picture and voice come back by themselves', async () => {
    expect(sessionId).toBeDefined();
    const before = await mediaOf(tech);
    const phoneBefore = await mediaOf(phone);
    process.kill(a.proc.pid, 'SIGKILL');
    await a.proc.exited;

    const taken = await b.waitForLog((l) => l.msg === 'media of a gone node taken over', 20_000);
    expect(taken).toMatchObject({ sessions: 1 });
    // The console decodes frames again on a new receiving connection, without a click.
    const after = await waitForMedia(
      tech,
      (m) => m.peerConnections > before.peerConnections && m.framesDecoded > 10 && m.frameWidth > 0,
      30_000,
    );
    expect(after.connected).toBeGreaterThan(0);
    await expectFlowing(tech, frames);
    await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
    expect((await mediaOf(phone)).peerConnections).toBeGreaterThan(phoneBefore.peerConnections);
    await expectFlowing(phone, videoOut);
    await waitForMedia(tech, (m) => m.audioPacketsReceived > 0, 20_000);
    await expectFlowing(tech, audioIn);
    await waitForMedia(phone, (m) => m.audioPacketsReceived > 0, 20_000);
    await expectFlowing(phone, audioIn);

    const [row] = await sql<{ customer_node: string; media_node: string; state: string }[]>`
      select customer_node, media_node, state from lens_sessions where id = ${sessionId}`;
    expect(row).toEqual({ customer_node: await nodeIdOf(b), media_node: await nodeIdOf(b), state: 'active' });
    expect(problems).toEqual([]);
  }, 120_000);
});
