// Only TCP 443 open: a firewall that lets nothing out but HTTPS still lets
// the media through, over TURN on TLS (turns:…:443?transport=tcp). Loupe runs
// with a certificate (made here with openssl, self-signed for 127.0.0.1 and
// the TURN address), so it serves HTTPS itself and its bundled coturn also
// listens for TLS on LOUPE_TURN_TLS_PORT=443 (as root inside the namespace).
// tc on loopback (loopback-filter.ts) then drops every UDP packet except the
// relay ↔ Janus leg on the server's side, and all TCP to and from the TURN
// port 3478: a page has only Loupe's HTTPS/WebSocket port and TCP 443 left.
// Both the phone's and the console's selected candidate pairs must be relayed
// over TLS, the console decodes the picture, and its stats say so.
//
// The scene is built here rather than with scene.ts, which serves HTTP: the
// pages' contexts accept the self-signed certificate (ignoreHTTPSErrors).
// The filter is removed and every process stopped whatever happens.
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  ADMINISTRATOR_ENV,
  addTechnician,
  PROVOKED_STATUSES,
  pageProblems,
  shot,
  signInToConsole,
} from '../helpers.ts';
import { CHROMIUM, startLoupe } from '../loupe-process.ts';
import { JanusAdmin } from './janus-admin.ts';
import { pathsOf, RELAY, RTP, relayToJanus, TURN, udpOnlyWhere, unfilter } from './loopback-filter.ts';
import { recordPeerConnections, waitForMedia } from './rtc-stats.ts';
import { customerJoins, PHONE_DEVICE, type Scene } from './scene.ts';

const TURN_TLS_PORT = 443;
const TECHNICIAN = { email: 'tara@example.test', password: 'tara password 123', name: 'Tara Visser' };

// The test process's own fetches (addTechnician) to Loupe's self-signed HTTPS.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const certDir = mkdtempSync(join(tmpdir(), 'loupe-turns-'));
let scene: Scene | undefined;
let live: string | undefined;

/** A self-signed certificate for Loupe (127.0.0.1) and coturn (the TURN address), valid one day. */
function makeCertificate(): { certFile: string; keyFile: string } {
  const files = { certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') };
  const run = Bun.spawnSync(
    [
      ...['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=loupe.test'],
      ...['-addext', `subjectAltName=IP:127.0.0.1,IP:${TURN.host}`],
      ...['-keyout', files.keyFile, '-out', files.certFile],
    ],
    { stderr: 'pipe' },
  );
  if (run.exitCode !== 0) throw new Error(`openssl: ${run.stderr.toString()}`);
  return files;
}

async function startTlsScene(): Promise<Scene> {
  if (!process.env.LOUPE_TEST_NETNS)
    throw new Error('Run media tests inside a network namespace: scripts/netns.sh bun test e2e/media');
  const cert = makeCertificate();
  const loupe = await startLoupe(
    {
      ...ADMINISTRATOR_ENV,
      TLS_CERT_FILE: cert.certFile,
      TLS_KEY_FILE: cert.keyFile,
      LOUPE_ICE_INTERFACE: process.env.LOUPE_TEST_NETNS,
      LOUPE_RTP_PORTS: `${RTP.min}-${RTP.min + RTP.count - 1}`,
      LOUPE_TURN: 'bundled',
      LOUPE_TURN_SERVER: `${TURN.host}:${TURN.port}`,
      LOUPE_TURN_PORT: String(TURN.port),
      LOUPE_TURN_TLS_PORT: String(TURN_TLS_PORT),
      LOUPE_TURN_RELAY_PORTS: `${RELAY.min}-${RELAY.min + RELAY.count - 1}`,
      // coturn's own output is logged at debug (printed by afterAll with LOUPE_TEST_DEBUG).
      ...(process.env.LOUPE_TEST_DEBUG ? { LOG_LEVEL: 'debug' } : {}),
    },
    { scheme: 'https' },
  );
  // Whatever fails from here on, Loupe (with its Janus and coturn) is stopped.
  const browser = await chromium
    .launch({
      ...CHROMIUM,
      // Chromium checks a turns: server's certificate as it checks a page's: with this
      // self-signed one (and no flag) both pages report icecandidateerror 701 "Failed to
      // establish connection" for turns:…:443, gather no relay candidate, and the session
      // never goes live. ignoreHTTPSErrors covers the pages' own requests only.
      args: [
        ...CHROMIUM.args,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--ignore-certificate-errors',
      ],
    })
    .catch(async (err) => {
      await loupe.stop();
      throw err;
    });
  const { problems, watch } = pageProblems(PROVOKED_STATUSES);
  const stop = async () => {
    await browser.close();
    await loupe.stop();
  };
  try {
    await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
    await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
    await loupe.waitForLog((l) => l.msg === 'coturn started', 30_000);
    await addTechnician(
      loupe.url,
      { name: 'Service desk', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
      TECHNICIAN,
    );
    const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
    await techContext.grantPermissions(['microphone'], { origin: loupe.url });
    await techContext.addInitScript(recordPeerConnections);
    const tech = await techContext.newPage();
    watch(tech, 'console');
    const phoneContext = await browser.newContext({ ...PHONE_DEVICE, ignoreHTTPSErrors: true });
    await phoneContext.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
    await phoneContext.addInitScript(recordPeerConnections);
    await signInToConsole(tech, loupe.url, TECHNICIAN);
    return { loupe, janus: JanusAdmin.of(loupe.dataDir), browser, tech, phoneContext, problems, watch, shot, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

beforeAll(async () => {
  scene = await startTlsScene();
}, 120_000);

afterEach(async () => {
  unfilter();
  if (live && scene) await scene.tech.request.post(`${scene.loupe.url}/api/sessions/${live}/end`);
  live = undefined;
});

afterAll(async () => {
  unfilter();
  if (process.env.LOUPE_TEST_DEBUG && scene)
    for (const l of scene.loupe.logs)
      if (/coturn|turn/i.test(JSON.stringify(l))) console.log(JSON.stringify(l).slice(0, 400));
  await scene?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

test('only TCP 443 to the TURN server: both pages relay over TLS, and the picture comes', async () => {
  const s = scene!;
  // No UDP but the server-side relay leg; no TCP to the TURN port: turns: on 443 is all that is left.
  udpOnlyWhere(relayToJanus, [TURN.port]);
  const { phone, sessionId } = await customerJoins(s, 'Attic boiler');
  live = sessionId;
  await s.tech.getByTestId('start-session').click();
  await s.tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
  await waitForMedia(s.tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0, 30_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
  const paths = { phone: await pathsOf(phone), console: await pathsOf(s.tech) };
  expect(paths.phone.length).toBeGreaterThan(0);
  expect(paths.console.length).toBeGreaterThan(0);
  for (const path of [...paths.phone, ...paths.console]) {
    expect(path.local).toBe('relay');
    expect(path.relayProtocol).toBe('tls');
  }
  await s.tech
    .locator('[data-testid="stat-path"]')
    .filter({ hasText: 'through TURN relay · TLS' })
    .waitFor({ timeout: 10_000 });
  expect(s.problems).toEqual([]);
}, 150_000);
