// The cast of a test or benchmark with two real Loupe nodes: a throwaway
// PostgreSQL server (scripts/postgres-tmp.sh), one Janus of its own
// (own-janus.ts), nodes A and B started with the same DATABASE_URL and
// JANUS_URLS, a plain TCP balancer in front of them (../balancer.ts: `lb.to`
// picks the node new connections go to), the technician signed in to the
// console through it with the console's socket on B, and a phone context.
// B is started first, so B leads (runs the take-over when A dies). Every
// process started here is stopped by stop(), also when the start fails half-way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import postgres from 'postgres';
import { type Balancer, startBalancer } from '../balancer.ts';
import {
  ADMINISTRATOR_ENV,
  addTechnician,
  launchWithFakeCamera,
  PROVOKED_STATUSES,
  pageProblems,
  signInToConsole,
  type Technician,
} from '../helpers.ts';
import { freePort, type LoupeProcess, startLoupe } from '../loupe-process.ts';
import { janusUrls, type OwnJanus, startOwnJanus } from './own-janus.ts';
import { recordPeerConnections } from './rtc-stats.ts';
import { lensToWaiting, PHONE_DEVICE } from './scene.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const GROUP = { name: 'Two nodes', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] };

export type NodesScene = {
  sql: postgres.Sql;
  janus: OwnJanus;
  /** Node A (the balancer's first backend); replaced by startNewA(). */
  a: LoupeProcess;
  /** Node B, the leader; the console's socket is on it. */
  b: LoupeProcess;
  lb: Balancer;
  browser: Browser;
  tech: Page;
  phoneContext: BrowserContext;
  /** What customerJoins needs: pages go through the balancer. */
  loupe: { url: string };
  problems: string[];
  watch(page: Page, label: string): void;
  /** A node's id (`cluster: node joined`), as lens_sessions.customer_node and media_node name it. */
  nodeIdOf(node: LoupeProcess): Promise<string>;
  /** Where a session's customer socket and media are, and its state. */
  placeOf(sessionId: string): Promise<{ customer_node: string | null; media_node: string | null; state: string }>;
  /**
   * A phone (a browser context of its own: no connection kept alive from an
   * earlier join) joins through `node` (0: A, 1: B): its socket and requests
   * go there, and its socket's offer while it waits claims the session's
   * media for that node. Once it has, the console, on B, selects the session.
   */
  phoneJoins(name: string, node: 0 | 1): Promise<{ sessionId: string; phone: Page }>;
  /** SIGKILL of node A, as a crash or a pulled plug would; resolves when the process is gone. */
  killA(): Promise<void>;
  /** A new node A (another id and port) in the balancer's first place, once it listens and has Janus. */
  startNewA(): Promise<LoupeProcess>;
  stop(): Promise<void>;
};

type Parts = { sql?: postgres.Sql; janus?: OwnJanus; nodes: LoupeProcess[]; lb?: Balancer; browser?: Browser };
type Options = {
  rtpPorts: { min: number; max: number };
  technician: Technician;
  camera?: string;
  instrument?: (() => void)[];
};

/** PostgreSQL, Janus, B (the leader), then A, the balancer, the technician; each kept in `parts` as it starts. */
async function startServers(opts: Options, parts: Parts, pgDir: string) {
  const started = Bun.spawnSync(['scripts/postgres-tmp.sh', 'start', pgDir], { cwd: ROOT, stderr: 'pipe' });
  if (started.exitCode !== 0) throw new Error(`PostgreSQL did not start: ${started.stderr}`);
  const databaseUrl = started.stdout.toString().trim();
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  parts.sql = sql;
  const janus = await startOwnJanus({ rtpPorts: opts.rtpPorts });
  parts.janus = janus;
  const lbPort = await freePort();
  const env = {
    ...ADMINISTRATOR_ENV,
    DATABASE_URL: databaseUrl,
    JANUS_URLS: janusUrls([janus]),
    LOUPE_PUBLIC_URL: `http://127.0.0.1:${lbPort}`,
  };
  const startNode = async () => {
    const node = await startLoupe(env);
    parts.nodes.push(node);
    await node.waitForLog((l) => l.msg === 'listening', 60_000);
    await node.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
    return node;
  };
  // B first, so that B leads (runs the take-over when A dies).
  const b = await startNode();
  await b.waitForLog((l) => String(l.msg).includes('this node is the leader'), 60_000);
  const a = await startNode();
  const lb = startBalancer(lbPort, [portOf(a), portOf(b)]);
  parts.lb = lb;
  await addTechnician(lb.url, GROUP, opts.technician);
  return { sql, janus, a, b, lb, startNode };
}

/** The browser, the console signed in through the balancer with its socket on B, and a way to make phones. */
async function openBrowser(opts: Options, parts: Parts, lb: Balancer) {
  const { problems, watch } = pageProblems(PROVOKED_STATUSES);
  const browser = await launchWithFakeCamera(opts.camera);
  parts.browser = browser;
  const scripts = [recordPeerConnections, ...(opts.instrument ?? [])];
  const newPhoneContext = async () => {
    const c = await browser.newContext(PHONE_DEVICE);
    await c.grantPermissions(['camera', 'microphone'], { origin: lb.url });
    for (const script of scripts) await c.addInitScript(script);
    return c;
  };
  const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: lb.url });
  for (const script of scripts) await techContext.addInitScript(script);
  const phoneContext = await newPhoneContext();
  const tech = await techContext.newPage();
  watch(tech, 'console');
  // The console's socket on B: it opens after the console's page shows, so wait for it before `lb.to` moves.
  lb.to = 1;
  await signInToConsole(tech, lb.url, opts.technician);
  await tech.locator('[data-testid="console-connection"][data-state="live"]').waitFor({ timeout: 15_000 });
  return { browser, tech, phoneContext, newPhoneContext, problems, watch };
}

/** NodesScene.phoneJoins, with the parts it needs; `home`: the joined node's id. */
async function phoneJoins(
  s: Pick<NodesScene, 'lb' | 'tech' | 'sql' | 'watch'> & { newPhoneContext: () => Promise<BrowserContext> },
  name: string,
  node: 0 | 1,
  home: string,
): Promise<{ sessionId: string; phone: Page }> {
  const { lb, tech, sql } = s;
  lb.to = node;
  try {
    const created = await tech.request.post(`${lb.url}/api/sessions`, {
      data: { type: 'lens', name, method: 'link', language: 'en' },
    });
    if (created.status() !== 201) throw new Error(`invitation: ${created.status()} ${await created.text()}`);
    const session = (await created.json()) as { id: string; link: string };
    const phoneContext = await s.newPhoneContext();
    const phone = await phoneContext.newPage();
    phone.on('close', () => void phoneContext.close().catch(() => {}));
    s.watch(phone, 'phone');
    await lensToWaiting(phone, session.link, 15_000);
    for (let i = 0; i < 100; i++) {
      const [row] = await sql<{ media_node: string | null }[]>`
        select media_node from lens_sessions where id = ${session.id}`;
      if (row?.media_node === home) break;
      if (row?.media_node) throw new Error(`the media was claimed by the other node, not ${'AB'[node]}`);
      await Bun.sleep(100);
    }
    lb.to = 1;
    await tech.locator(`[data-testid="session-row"][data-session-id="${session.id}"]`).click({ timeout: 15_000 });
    return { sessionId: session.id, phone };
  } finally {
    lb.to = 1;
  }
}

/** `instrument`: init scripts for every page of the browser's contexts (before the console is opened). */
export async function startNodesScene(opts: Options): Promise<NodesScene> {
  if (!process.env.LOUPE_TEST_NETNS) throw new Error('Run inside the test namespace: scripts/netns.sh bun test …');
  const pgDir = mkdtempSync(join(tmpdir(), 'loupe-two-nodes-pg-'));
  const parts: Parts = { nodes: [] };
  const stop = async () => {
    if (process.env.LOUPE_TEST_DEBUG)
      for (const n of parts.nodes)
        for (const l of n.logs)
          if (l.level !== 'info' || /media|Janus|session|cluster/i.test(String(l.msg)))
            console.log(JSON.stringify(l).slice(0, 400));
    await parts.browser?.close();
    parts.lb?.stop();
    for (const n of parts.nodes) await n.stop();
    await parts.janus?.stop();
    await parts.sql?.end({ timeout: 5 });
    Bun.spawnSync(['scripts/postgres-tmp.sh', 'stop', pgDir], { cwd: ROOT });
    rmSync(pgDir, { recursive: true, force: true });
  };
  try {
    const { sql, janus, b, lb, startNode, ...first } = await startServers(opts, parts, pgDir);
    let a = first.a;
    const pages = await openBrowser(opts, parts, lb);
    const nodeIdOf = async (node: LoupeProcess) =>
      String((await node.waitForLog((l) => l.msg === 'cluster: node joined')).nodeId);
    return {
      sql,
      janus,
      get a() {
        return a;
      },
      b,
      lb,
      browser: pages.browser,
      tech: pages.tech,
      phoneContext: pages.phoneContext,
      loupe: { url: lb.url },
      problems: pages.problems,
      watch: pages.watch,
      nodeIdOf,
      async placeOf(sessionId) {
        const [row] = await sql<{ customer_node: string | null; media_node: string | null; state: string }[]>`
          select customer_node, media_node, state from lens_sessions where id = ${sessionId}`;
        if (!row) throw new Error(`no session ${sessionId}`);
        return { ...row };
      },
      phoneJoins: async (name, node) =>
        phoneJoins({ lb, sql, ...pages }, name, node, await nodeIdOf(node === 0 ? a : b)),
      async killA() {
        process.kill(a.proc.pid, 'SIGKILL');
        await a.proc.exited;
      },
      async startNewA() {
        a = await startNode();
        lb.backends[0] = portOf(a);
        return a;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const portOf = (node: LoupeProcess) => Number(new URL(node.url).port);
