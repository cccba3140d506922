// The whole scale-out deployment, each machine a host of its own on a test
// network (hosts.ts): PostgreSQL on `db`, two Janus servers on `janus1` and
// `janus2`, Loupe nodes A and B on `node-a` and `node-b` (one DATABASE_URL,
// both in JANUS_URLS), the technician's Chromium on `console` and the
// customer's on `phone`. The test process is the balancer in front of the
// nodes (plain TCP, no sticky sessions: ../balancer.ts) and the SMSC. Pages
// reach Loupe only through the balancer, Loupe reaches the database and Janus
// only across the network, and the media goes phone ⇄ Janus ⇄ console across
// it too. B is started first, so B leads (runs the take-overs). Every process
// started here is stopped by stop(), also when the start fails half-way.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { startTestSmsc, type TestSmsc } from '../../src/sms/test-smsc.ts';
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
import { type Host, type Network, startNetwork } from './hosts.ts';
import { janusUrls, type OwnJanus, startOwnJanus } from './own-janus.ts';
import { recordPeerConnections } from './rtc-stats.ts';
import { PHONE_DEVICE } from './scene.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const HOSTS = ['db', 'janus1', 'janus2', 'node-a', 'node-b', 'console', 'phone'];
const GROUP = {
  name: 'Scale-out',
  rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
};

export type Place = { customer_node: string | null; media_node: string | null; janus_server: string | null };

export type HostsScene = {
  net: Network;
  sql: postgres.Sql;
  smsc: TestSmsc;
  /** janus1's and janus2's servers. */
  servers: OwnJanus[];
  a: LoupeProcess;
  b: LoupeProcess;
  lb: Balancer;
  tech: Page;
  /** The phone's browser, on the `phone` host. */
  phoneBrowser: Browser;
  problems: string[];
  watch(page: Page, label: string): void;
  /** A node's id (`cluster: node joined`), as lens_sessions.customer_node and media_node name it. */
  nodeIdOf(node: LoupeProcess): Promise<string>;
  /** Where a session's customer socket, media and Janus room are. */
  placeOf(sessionId: string): Promise<Place>;
  stop(): Promise<void>;
};

type Parts = {
  net?: Network;
  pgDir?: string;
  sql?: postgres.Sql;
  smsc?: TestSmsc;
  servers: OwnJanus[];
  nodes: LoupeProcess[];
  lb?: Balancer;
  browsers: Browser[];
  wrappers?: string;
};
type Options = { rtpPorts: { min: number; max: number }[]; technician: Technician; env?: Record<string, string> };

/** PostgreSQL on `db`, listening on that host's address and trusting the test network. */
function startDatabase(db: Host, net: Network, parts: Parts): string {
  parts.pgDir = mkdtempSync(join(tmpdir(), 'loupe-hosts-pg-'));
  const started = Bun.spawnSync([...db.exec, 'scripts/postgres-tmp.sh', 'start', parts.pgDir], {
    cwd: ROOT,
    env: { ...process.env, PG_LISTEN: db.address, PG_ALLOW: `${net.address}/24` },
    stderr: 'pipe',
  });
  if (started.exitCode !== 0) throw new Error(`PostgreSQL did not start on ${db.name}: ${started.stderr}`);
  return started.stdout.toString().trim();
}

/** The database, the SMSC, both Janus, B (the leader), then A, the balancer, the technician. */
async function startServers(opts: Options, parts: Parts, net: Network) {
  const { hosts } = net;
  const databaseUrl = startDatabase(hosts.db!, net, parts);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  parts.sql = sql;
  const smsc = await startTestSmsc({ systemId: 'loupe', password: 'smsc secret', hostname: net.address });
  parts.smsc = smsc;
  for (const [i, name] of ['janus1', 'janus2'].entries())
    parts.servers.push(await startOwnJanus({ rtpPorts: opts.rtpPorts[i]!, host: hosts[name]! }));
  const lbPort = await freePort();
  const env = {
    ...ADMINISTRATOR_ENV,
    DATABASE_URL: databaseUrl,
    JANUS_URLS: janusUrls(parts.servers),
    SMPP_URL: smsc.url,
    SMPP_SOURCE_ADDR: 'Loupe',
    LOUPE_PUBLIC_URL: `http://${net.address}:${lbPort}`,
    ...opts.env,
  };
  const startNode = async (host: Host) => {
    const node = await startLoupe(env, { host });
    parts.nodes.push(node);
    await node.waitForLog((l) => l.msg === 'listening', 60_000);
    await node.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
    return node;
  };
  const b = await startNode(hosts['node-b']!);
  await b.waitForLog((l) => String(l.msg).includes('this node is the leader'), 60_000);
  const a = await startNode(hosts['node-a']!);
  const lb = startBalancer(lbPort, [a, b].map(backendOf), net.address);
  parts.lb = lb;
  await addTechnician(lb.url, GROUP, opts.technician);
  return { sql, smsc, a, b, lb };
}

/**
 * A Chromium on `host`: Playwright starts a wrapper that execs it there
 * (same PID, its control pipe kept). The balancer's plain-http address is
 * not loopback, so the flag that lets a test treat one origin as secure
 * gives its pages the camera, the microphone and a service worker, as https would.
 */
function browserOn(host: Host, parts: Parts, origin: string): Promise<Browser> {
  parts.wrappers ??= mkdtempSync(join(tmpdir(), 'loupe-hosts-chromium-'));
  const wrapper = join(parts.wrappers, `chromium-${host.name}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ${host.exec.join(' ')} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  return launchWithFakeCamera(undefined, undefined, undefined, {
    executablePath: wrapper,
    args: [`--unsafely-treat-insecure-origin-as-secure=${origin}`],
  }).then((browser) => {
    parts.browsers.push(browser);
    return browser;
  });
}

/** The console on `console`, signed in through the balancer with its socket on B; the phone's browser on `phone`. */
async function openBrowsers(opts: Options, parts: Parts, net: Network, lb: Balancer) {
  const { problems, watch } = pageProblems(PROVOKED_STATUSES);
  const consoleBrowser = await browserOn(net.hosts.console!, parts, lb.url);
  const phoneBrowser = await browserOn(net.hosts.phone!, parts, lb.url);
  const techContext = await consoleBrowser.newContext({ viewport: { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: lb.url });
  await techContext.addInitScript(recordPeerConnections);
  const tech = await techContext.newPage();
  watch(tech, 'console');
  lb.to = 1;
  await signInToConsole(tech, lb.url, opts.technician);
  await tech.locator('[data-testid="console-connection"][data-state="live"]').waitFor({ timeout: 15_000 });
  return { tech, phoneBrowser, problems, watch };
}

/** A new phone context on the phone's host, with the camera and microphone granted and peer connections recorded. */
export async function phoneContextOf(scene: Pick<HostsScene, 'phoneBrowser' | 'lb'>) {
  const context = await scene.phoneBrowser.newContext(PHONE_DEVICE);
  await context.grantPermissions(['camera', 'microphone'], { origin: scene.lb.url });
  await context.addInitScript(recordPeerConnections);
  return context;
}

async function stopAll(parts: Parts): Promise<void> {
  if (process.env.LOUPE_TEST_DEBUG)
    for (const n of parts.nodes)
      for (const l of n.logs)
        if (l.level !== 'info' || /media|Janus|session|cluster/i.test(String(l.msg)))
          console.log(JSON.stringify(l).slice(0, 400));
  for (const b of parts.browsers) await b.close().catch(() => {});
  parts.lb?.stop();
  for (const n of parts.nodes) await n.stop();
  for (const s of parts.servers) await s.stop();
  await parts.sql?.end({ timeout: 5 });
  await parts.smsc?.stop();
  if (parts.pgDir) Bun.spawnSync(['scripts/postgres-tmp.sh', 'stop', parts.pgDir], { cwd: ROOT });
  if (parts.wrappers) rmSync(parts.wrappers, { recursive: true, force: true });
  parts.net?.remove();
}

export async function startHostsScene(opts: Options): Promise<HostsScene> {
  const parts: Parts = { servers: [], nodes: [], browsers: [] };
  const stop = () => stopAll(parts);
  try {
    const net = startNetwork(HOSTS);
    parts.net = net;
    const { sql, smsc, a, b, lb } = await startServers(opts, parts, net);
    const pages = await openBrowsers(opts, parts, net, lb);
    return {
      net,
      sql,
      smsc,
      servers: parts.servers,
      a,
      b,
      lb,
      ...pages,
      nodeIdOf: async (node) => String((await node.waitForLog((l) => l.msg === 'cluster: node joined')).nodeId),
      async placeOf(sessionId) {
        const [row] = await sql<Place[]>`
          select customer_node, media_node, janus_server from lens_sessions where id = ${sessionId}`;
        if (!row) throw new Error(`no session ${sessionId}`);
        return { ...row };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const backendOf = (node: LoupeProcess) => {
  const url = new URL(node.url);
  return { hostname: url.hostname, port: Number(url.port) };
};
