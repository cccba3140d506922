// scene.ts's cast with a pool of Janus servers instead of the bundled one:
// the test's own Janus processes (own-janus.ts), Loupe started with
// JANUS_URLS naming them all, and the same browser, console and phone. Loupe
// renders and spawns no Janus then, so what the servers hold is asked of each
// server's own admin API.
import {
  launchWithFakeCamera,
  PROVOKED_STATUSES,
  pageProblems,
  shot,
  signInToConsole,
  startLoupeWithTechnician,
  type Technician,
} from '../helpers.ts';
import { janusUrls, type OwnJanus, startOwnJanus } from './own-janus.ts';
import { recordPeerConnections } from './rtc-stats.ts';
import { PHONE_DEVICE, type Scene } from './scene.ts';

export type PoolScene = Scene & {
  /** The pool, in JANUS_URLS's order; `janus` (Scene's) is the first of them. */
  servers: OwnJanus[];
};

/**
 * `rtpPorts`: one range per server, each its own (the servers share the
 * namespace's one interface). Every process started here is stopped by stop(),
 * also when the start fails half-way.
 */
export async function startPoolScene(opts: {
  rtpPorts: { min: number; max: number }[];
  technician: Technician;
  camera?: string;
  env?: Record<string, string>;
}): Promise<PoolScene> {
  if (!process.env.LOUPE_TEST_NETNS)
    throw new Error('Run media tests inside a network namespace: scripts/netns.sh bun test e2e/media');
  const servers: OwnJanus[] = [];
  const stopServers = () => Promise.all(servers.map((s) => s.stop()));
  try {
    for (const rtpPorts of opts.rtpPorts) servers.push(await startOwnJanus({ rtpPorts }));
  } catch (err) {
    await stopServers();
    throw err;
  }
  let loupe: Awaited<ReturnType<typeof startLoupeWithTechnician>> | undefined;
  let browser: Awaited<ReturnType<typeof launchWithFakeCamera>> | undefined;
  try {
    loupe = await startLoupeWithTechnician(
      { name: 'Service desk', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
      opts.technician,
      { JANUS_URLS: janusUrls(servers), ...opts.env },
    );
    for (const s of servers) await loupe.waitForLog((l) => l.msg === 'connected to Janus' && l.url === s.url, 30_000);
    const { problems, watch } = pageProblems(PROVOKED_STATUSES);
    browser = await launchWithFakeCamera(opts.camera);
    const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await techContext.grantPermissions(['microphone'], { origin: loupe.url });
    await techContext.addInitScript(recordPeerConnections);
    const tech = await techContext.newPage();
    watch(tech, 'console');
    const phoneContext = await browser.newContext(PHONE_DEVICE);
    await phoneContext.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
    await phoneContext.addInitScript(recordPeerConnections);
    await signInToConsole(tech, loupe.url, opts.technician);
    const started = { loupe, browser };
    return {
      loupe,
      janus: servers[0]!.admin,
      servers,
      browser,
      tech,
      phoneContext,
      problems,
      watch,
      shot,
      async stop() {
        if (process.env.LOUPE_TEST_DEBUG)
          for (const l of started.loupe.logs)
            if (l.level !== 'info' || /media|Janus|session/i.test(String(l.msg)))
              console.log(JSON.stringify(l).slice(0, 400));
        await started.browser.close();
        await started.loupe.stop();
        await stopServers();
      },
    };
  } catch (err) {
    await browser?.close();
    await loupe?.stop();
    await stopServers();
    throw err;
  }
}

/** The servers whose VideoRoom has a handle in a room (Loupe's own admin handles are in none). */
export async function holdersOfRooms(servers: OwnJanus[]): Promise<OwnJanus[]> {
  const holding: OwnJanus[] = [];
  for (const s of servers) {
    if (!s.alive) continue;
    if ((await s.admin.handles()).some((h) => h.room !== undefined)) holding.push(s);
  }
  return holding;
}
