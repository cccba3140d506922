import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type MediaSettings } from '../config.ts';
import { janusLibDir, renderJanusConfig, renderTemplate } from './janus-config.ts';
import type { JanusSecrets } from './secrets.ts';
import { testMediaSettings } from './test-settings.ts';
import { turnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret, turnSecretFile } from './turn-secret.ts';
import { askJanus } from './janus-api.ts';

const JANUS = '/usr/bin/janus';
const hasJanus = existsSync(JANUS) && process.env.LOUPE_TEST_NO_JANUS !== '1';
if (!hasJanus)
  console.warn(`janus-config.test: ${JANUS} is missing (apt-get install janus): skipping the test that starts it`);

const secrets: JanusSecrets = { apiSecret: 'a'.repeat(43), adminSecret: 'b'.repeat(43), roomAdminKey: 'c'.repeat(43) };
const baseMedia = testMediaSettings({ janusBin: 'janus' });

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function render(media: Partial<MediaSettings> = {}, wsPort = 18188) {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-janus-config-'));
  dirs.push(dataDir);
  const rendered = renderJanusConfig({
    media: { ...baseMedia, ...media },
    dataDir,
    wsPort,
    adminWsPort: wsPort + 1,
    secrets,
  });
  const read = (name: string) => readFileSync(join(rendered.configsFolder, name), 'utf8');
  return {
    dataDir,
    rendered,
    core: read('janus.jcfg'),
    room: read('janus.plugin.videoroom.jcfg'),
    ws: read('janus.transport.websockets.jcfg'),
  };
}

const listed = (text: string, section: string) =>
  new RegExp(`${section}: \\{[^}]*disable = "([^"]*)"`).exec(text)?.[1]?.split(',') ?? [];

describe('renderJanusConfig', () => {
  test('writes the three files, 0600, into <dataDir>/janus/config and returns the loopback URL', () => {
    const { dataDir, rendered } = render();
    expect(rendered).toEqual({
      configsFolder: join(dataDir, 'janus', 'config'),
      coreConfigFile: join(dataDir, 'janus', 'config', 'janus.jcfg'),
      wsUrl: 'ws://127.0.0.1:18188',
    });
    expect(readdirSync(rendered.configsFolder).sort()).toEqual([
      'janus.jcfg',
      'janus.plugin.videoroom.jcfg',
      'janus.transport.websockets.jcfg',
    ]);
    for (const name of readdirSync(rendered.configsFolder))
      expect(statSync(join(rendered.configsFolder, name)).mode & 0o777).toBe(0o600);
    expect(statSync(rendered.configsFolder).mode & 0o777).toBe(0o700);
  });

  test('core: folders, secrets, the RTP range, no token auth, no leftover placeholders', () => {
    const { rendered, core, room, ws } = render({ rtpPorts: { min: 40000, max: 40009 } });
    expect(core).toContain(`configs_folder = "${rendered.configsFolder}"`);
    expect(core).toContain(`plugins_folder = "${janusLibDir()}/plugins"`);
    expect(core).toContain('server_name = "Loupe"');
    expect(core).toContain(`api_secret = "${secrets.apiSecret}"`);
    expect(core).toContain(`admin_secret = "${secrets.adminSecret}"`);
    expect(core).toContain('rtp_port_range = "40000-40009"');
    expect(core).toContain('full_trickle = true');
    // Congestion feedback every 50 ms, not Janus's 200: the first keyframe after Start is not held up (bench/media/ttff.ts).
    expect(core).toContain('twcc_period = 50');
    expect(core).toMatch(/events: \{\s*broadcast = false/);
    expect(core).not.toContain('token_auth');
    for (const text of [core, room, ws]) expect(text).not.toContain('{{');
  });

  test('only the VideoRoom plugin and the WebSocket transport stay enabled', () => {
    const { core } = render();
    const libDir = janusLibDir();
    const modules = (kind: string) =>
      existsSync(join(libDir, kind)) ? readdirSync(join(libDir, kind)).filter((f) => f.endsWith('.so')) : [];
    const plugins = listed(core, 'plugins');
    expect(plugins).not.toContain('libjanus_videoroom.so');
    expect(plugins).toContain('libjanus_echotest.so');
    for (const so of modules('plugins').filter((f) => f !== 'libjanus_videoroom.so')) expect(plugins).toContain(so);
    const transports = listed(core, 'transports');
    expect(transports).not.toContain('libjanus_websockets.so');
    expect(transports).toContain('libjanus_http.so');
    for (const so of modules('transports').filter((f) => f !== 'libjanus_websockets.so'))
      expect(transports).toContain(so);
    for (const so of modules('events')) expect(listed(core, 'events')).toContain(so);
    for (const so of modules('loggers')) expect(listed(core, 'loggers')).toContain(so);
  });

  test('VideoRoom: admin key, locked RTP forwarding, no sample rooms', () => {
    const { room } = render();
    expect(room).toContain(`admin_key = "${secrets.roomAdminKey}"`);
    expect(room).toContain('lock_rtp_forward = true');
    // Only the general section: the samples define room-1234 and room-5678.
    expect([...room.matchAll(/^(\S+): \{/gm)].map((m) => m[1])).toEqual(['general']);
    expect(room).not.toMatch(/room-|secret =|pin =/);
  });

  test('WebSocket transport: plain ws on loopback only; the admin API off unless asked for, and then on loopback too', () => {
    const { ws } = render({}, 23456);
    expect(ws).toContain('ws = true');
    expect(ws).toContain('ws_port = 23456');
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('wss = false');
    expect(ws).toContain('admin_ws = false');
    expect(render({ janusAdminApi: true }, 23456).ws).toContain('admin_ws = true');
    expect(ws).toContain('admin_ws_port = 23457');
    expect(ws).toContain('admin_ws_ip = "127.0.0.1"');
    expect(ws).toContain('admin_ws_acl = "127."');
    expect(ws).toContain('admin_wss = false');
    expect(ws).not.toMatch(/ws_interface|_unix/);
  });

  test('NAT lines are absent by default', () => {
    const { core } = render();
    for (const key of [
      'nat_1_1_mapping',
      'stun_server',
      'stun_port',
      'turn_server',
      'turn_pwd',
      'ice_lite',
      'ice_tcp',
      'ice_enforce_list',
    ]) {
      expect(core).not.toMatch(new RegExp(`^\\s*${key}\\b`, 'm'));
    }
  });

  test('NAT lines follow the settings', () => {
    const { core } = render({
      publicIp: '203.0.113.7',
      stunServer: 'stun.example.org:3478',
      turn: { server: 'turn.example.org:3479', user: 'loupe', password: 'p@ss w0rd#1' },
      iceTcp: true,
      iceInterface: 'eth0',
    });
    for (const line of [
      'nat_1_1_mapping = "203.0.113.7"',
      'stun_server = "stun.example.org"',
      'stun_port = 3478',
      'turn_server = "turn.example.org"',
      'turn_port = 3479',
      'turn_type = "udp"',
      'turn_user = "loupe"',
      'turn_pwd = "p@ss w0rd#1"',
      'ice_lite = true',
      'ice_tcp = true',
      'ice_enforce_list = "eth0"',
    ])
      expect(core).toContain(`\t${line}\n`);
  });

  test('with a TURN secret, Janus gets an ephemeral credential that outlives it (a year)', () => {
    const { core } = render({ turn: { server: 'turn.example.org:3478', secret: 'north-sea-secret' } });
    const user = /\tturn_user = "(\d+):loupe-janus"\n/.exec(core);
    const expiry = new Date(Number(user?.[1]) * 1000);
    expect(expiry.getTime()).toBeGreaterThan(Date.now() + 364 * 24 * 3600 * 1000);
    const expected = turnCredential('north-sea-secret', 'loupe-janus', expiry);
    expect(core).toContain(`\tturn_pwd = "${expected.credential}"\n`);
    expect(core).toContain('\tturn_server = "turn.example.org"\n');
  });

  test('with the bundled coturn, the credential comes from the secret generated in the data directory', () => {
    const bundled = { listeningPort: 3478, relayPorts: { min: 20200, max: 20299 }, tls: undefined };
    const { core, dataDir } = render({ turn: { server: 'loupe.example.org:3478', bundled } });
    const secret = loadOrCreateTurnSecret(dataDir);
    expect(statSync(turnSecretFile(dataDir)).mode & 0o777).toBe(0o600);
    const user = /\tturn_user = "(\d+:loupe-janus)"\n/.exec(core)?.[1] ?? '';
    const expiry = new Date(Number(user.split(':')[0]) * 1000);
    expect(core).toContain(`\tturn_pwd = "${turnCredential(secret, 'loupe-janus', expiry).credential}"\n`);
  });

  test('a value that could break out of its quotes is refused, naming the variable', () => {
    const cases: [Partial<MediaSettings>, string][] = [
      [
        { turn: { server: 'turn.example.org:3478', user: 'u', password: 'x"\nadmin_secret = "y' } },
        'LOUPE_TURN_PASSWORD',
      ],
      [{ turn: { server: 'turn.example.org:3478', user: 'a\\b', password: 'p' } }, 'LOUPE_TURN_USER'],
      [{ iceInterface: 'eth0\r' }, 'LOUPE_ICE_INTERFACE'],
      [{ publicIp: '1.2.3.4"' }, 'LOUPE_PUBLIC_IP'],
      [{ stunServer: 'stun.example.org:99999' }, 'LOUPE_STUN_SERVER'],
    ];
    for (const [media, variable] of cases) {
      let error: unknown;
      try {
        render(media);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
    }
  });

  test.skipIf(!hasJanus)(
    'the real janus starts with the rendered configuration, settings applied',
    async () => {
      // No STUN/TURN here: Janus would contact them at start. Nothing is sent anywhere:
      // the API is on loopback and no PeerConnection is made.
      const wsPort = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
      const port = wsPort.port;
      wsPort.stop(true);
      const { rendered } = render(
        { publicIp: '203.0.113.7', iceTcp: true, iceInterface: 'lo', rtpPorts: { min: 40000, max: 40009 } },
        port,
      );
      const janus = Bun.spawn([JANUS, '-F', rendered.configsFolder, '-C', rendered.coreConfigFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let info: Record<string, unknown> | undefined;
        for (let i = 0; i < 100 && !info && janus.exitCode === null; i++) {
          info = await askJanus(rendered.wsUrl, { janus: 'info', apisecret: secrets.apiSecret }, 1000).catch(
            () => undefined,
          );
          if (!info) await Bun.sleep(100);
        }
        if (!info) throw new Error(`janus did not answer: ${await new Response(janus.stdout).text()}`);
        expect(info).toMatchObject({
          janus: 'server_info',
          'server-name': 'Loupe',
          'ice-lite': true,
          'ice-tcp': true,
          'full-trickle': true,
          api_secret: true,
        });
        expect(Object.keys(info.plugins as object)).toEqual(['janus.plugin.videoroom']);
        expect(Object.keys(info.transports as object)).toEqual(['janus.transport.websockets']);
        expect(info.events).toEqual({});
        expect(info.loggers).toEqual({});
      } finally {
        janus.kill('SIGTERM');
        await janus.exited;
      }
    },
    20_000,
  );
});

describe('renderTemplate', () => {
  test('fills values and keeps #if sections only when the value is set', () => {
    const template = 'a = {{a}}\n{{#if b}}\n  b = "{{b}}"\n{{/if}}\n{{#if c}}\n  c = {{c}}\n{{/if}}\nend\n';
    expect(renderTemplate(template, { a: 1, b: 'x', c: undefined })).toBe('a = 1\n  b = "x"\nend\n');
    expect(renderTemplate(template, { a: 1, b: '', c: false })).toBe('a = 1\nend\n');
  });

  test('an unknown placeholder is an error, not an empty value', () => {
    expect(() => renderTemplate('x = {{nope}}\n', {})).toThrow('unknown placeholder {{nope}}');
  });
});
