// docker-compose.scale.yml, checked by structure as compose.test.ts checks
// docker-compose.yml (no Docker engine runs where the tests run): two Loupe
// nodes on one PostgreSQL and a pool of both Janus, HAProxy in front of both
// nodes without sticky sessions, coturn with ephemeral credentials, every
// secret required from the environment, and media port ranges that do not
// collide. The proxy, Janus and coturn configs in deploy/scale/ were also run
// once by hand (haproxy -c, janus and turnserver in a private namespace).
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dir, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Service = {
  build?: string | { context: string; target: string };
  image?: string;
  command?: string[];
  restart?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
};
const text = read('docker-compose.scale.yml');
// Compose merges `<<: *anchor`; so must the parser.
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;
const nodes = [services['loupe-a'], services['loupe-b']];
const janus = [services['janus-a'], services['janus-b']];

/** "20000-20099:20000-20099/udp" → [20000, 20099], checking host and container ranges are the same. */
function published(port: string): [number, number] {
  const m = /^"?(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?\/udp$/.exec(port);
  if (!m) throw new Error(`not a UDP port mapping: ${port}`);
  expect(`${m[1]}-${m[2] ?? m[1]}`).toBe(`${m[3]}-${m[4] ?? m[3]}`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}
const udpRanges = (s: Service | undefined) => (s?.ports ?? []).filter((p) => p.endsWith('/udp')).map(published);

describe('docker-compose.scale.yml', () => {
  test('has the proxy, two Loupe nodes, two Janus, coturn and PostgreSQL', () => {
    expect(Object.keys(services).sort()).toEqual([
      'coturn',
      'janus-a',
      'janus-b',
      'loupe-a',
      'loupe-b',
      'postgres',
      'proxy',
    ]);
    for (const s of Object.values(services)) expect(s.restart).toBe('unless-stopped');
    for (const s of [...nodes, ...janus]) expect(s?.image).toBe('loupe:latest');
    for (const s of nodes) expect(s?.build).toBe('.');
    expect(services.proxy?.build).toEqual({ context: 'deploy/scale', target: 'proxy' });
    expect(services.coturn?.build).toEqual({ context: 'deploy/scale', target: 'coturn' });
    const dockerfile = read('deploy/scale/Dockerfile');
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim AS proxy\nRUN .*apt-get install .*haproxy/m);
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim AS coturn\nRUN .*apt-get install .*coturn/m);
  });

  test('both nodes share one DATABASE_URL to the PostgreSQL service and list both Janus', () => {
    const [a, b] = nodes.map((n) => n?.environment ?? {});
    expect(a?.DATABASE_URL).toMatch(/^postgres:\/\/loupe:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/loupe$/);
    expect(b?.DATABASE_URL).toBe(a!.DATABASE_URL!);
    for (const env of [a, b]) {
      expect(env?.JANUS_URLS?.split(',')).toEqual(['ws://janus-a:8188', 'ws://janus-b:8188']);
      expect(env?.JANUS_URL).toBe('');
      expect(env?.LOUPE_TURN_SERVER).toMatch(/:3478$/);
      expect(env?.LOUPE_TRUST_PROXY).toBe('true');
    }
    for (const n of nodes) {
      expect((n?.depends_on as Record<string, { condition: string }> | undefined)?.postgres?.condition).toBe(
        'service_healthy',
      );
      expect(n?.ports).toBeUndefined();
    }
    expect(services.postgres?.ports).toBeUndefined();
  });

  test('every secret is required from the environment, never defaulted', () => {
    const secrets = ['POSTGRES_PASSWORD', 'JANUS_API_SECRET', 'LOUPE_TURN_SECRET'];
    const required = (name: string) => new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`);
    for (const env of nodes.map((n) => n?.environment ?? {})) {
      expect(env.JANUS_API_SECRET).toMatch(required('JANUS_API_SECRET'));
      expect(env.LOUPE_TURN_SECRET).toMatch(required('LOUPE_TURN_SECRET'));
    }
    for (const j of janus) expect(j?.environment?.JANUS_API_SECRET).toMatch(required('JANUS_API_SECRET'));
    expect(services.coturn?.environment?.LOUPE_TURN_SECRET).toMatch(required('LOUPE_TURN_SECRET'));
    expect(services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(required('POSTGRES_PASSWORD'));
    // No other form of these variables anywhere in the file: no ${X:-default}, no ${X}.
    for (const name of secrets) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${name}([^}]*)\\}`, 'g'))].map((m) => m[1]!);
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use).toMatch(/^:\?/);
    }
    // The configs take secrets only from the environment (rendered at start), never as literals.
    expect(read('deploy/scale/janus/janus.jcfg')).toContain('api_secret = "{{JANUS_API_SECRET}}"');
    const turn = read('deploy/scale/coturn/turnserver.conf');
    expect(turn).toMatch(/^use-auth-secret$/m);
    expect(turn).toMatch(/^static-auth-secret=\{\{LOUPE_TURN_SECRET\}\}$/m);
    expect(turn).not.toMatch(/^(user|lt-cred-mech)\b/m);
  });

  test('keeps data in named volumes shared by the nodes and the Janus servers, with health checks everywhere', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['loupe-data', 'postgres-data']);
    for (const s of [...nodes, ...janus]) expect(s?.volumes).toContain('loupe-data:/data');
    expect(services.postgres?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    for (const [name, s] of Object.entries(services)) {
      expect({ name, test: s.healthcheck?.test[0] }).toEqual({ name, test: expect.stringMatching(/^CMD/) });
    }
    for (const n of nodes) expect(n?.healthcheck?.test.join(' ')).toContain('/healthz');
    for (const j of janus) expect(j?.healthcheck?.test.join(' ')).toContain("janus: 'info'");
    expect(services.postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    // The TLS key reaches the proxy alone.
    for (const [name, s] of Object.entries(services))
      if (name !== 'proxy') for (const v of s.volumes ?? []) expect(v).not.toContain('tls');
  });

  test('the proxy routes to both nodes by /healthz, without sticky sessions, and carries WebSockets', () => {
    const cfg = read('deploy/scale/haproxy.cfg');
    const lines = cfg
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(lines).toContain('mode http');
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([
      'server loupe-a loupe-a:8080',
      'server loupe-b loupe-b:8080',
    ]);
    expect(lines).toContain('option httpchk');
    // HTTP/1.1 with a Host: an HTTP/1.0 check without one reaches Bun with no absolute URL.
    expect(lines).toContain('http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host loupe');
    expect(lines).toContain('http-check expect status 200');
    expect(lines.some((l) => /^default-server .*\bcheck\b/.test(l))).toBe(true);
    // WebSockets: HTTP mode passes the Upgrade through; an upgraded socket lives under "timeout tunnel".
    expect(lines).toContain('acl websocket hdr(upgrade) -i websocket');
    const tunnel = /^timeout tunnel (\d+)([smh])$/m.exec(lines.join('\n'));
    expect(tunnel && Number(tunnel[1]) * { s: 1, m: 60, h: 3600 }[tunnel[2] as 's' | 'm' | 'h']).toBeGreaterThanOrEqual(
      3600,
    );
    for (const l of lines)
      expect(l).not.toMatch(
        /^(cookie|stick|appsession)\b|^balance (source|uri|hdr|url_param)|option (httpclose|http-tunnel)/,
      );
    // TLS is terminated here when a PEM is given.
    expect(cfg).toContain('bind :443 ssl crt "$LOUPE_TLS_PEM"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax, not a template.
    expect(services.proxy?.ports).toEqual(['${LOUPE_HTTP_PORT:-80}:80', '${LOUPE_HTTPS_PORT:-443}:443']);
    expect(services.proxy?.volumes).toContain('./deploy/scale/haproxy.cfg:/etc/loupe-scale/haproxy.cfg:ro');
  });

  test('Janus RTP ranges and coturn relay ports are published and do not overlap', () => {
    const ranges: [string, [number, number]][] = [];
    for (const [name, j] of [
      ['janus-a', janus[0]],
      ['janus-b', janus[1]],
    ] as const) {
      const [range, ...more] = udpRanges(j);
      expect(more).toEqual([]);
      // The range Janus is told (JANUS_RTP_PORTS → rtp_port_range) is the one published.
      expect(j?.environment?.JANUS_RTP_PORTS).toBe(`${range![0]}-${range![1]}`);
      expect(range![1] - range![0] + 1).toBeLessThanOrEqual(200);
      ranges.push([name, range!]);
    }
    expect(read('deploy/scale/janus/janus.jcfg')).toContain('rtp_port_range = "{{JANUS_RTP_PORTS}}"');
    const turn = read('deploy/scale/coturn/turnserver.conf');
    const relay: [number, number] = [
      Number(/^min-port=(\d+)$/m.exec(turn)?.[1]),
      Number(/^max-port=(\d+)$/m.exec(turn)?.[1]),
    ];
    expect(udpRanges(services.coturn)).toEqual([[3478, 3478], relay]);
    expect(services.coturn?.ports).toContain('3478:3478/tcp');
    expect(relay[1] - relay[0] + 1).toBeLessThanOrEqual(200);
    ranges.push(['coturn relay', relay], ['coturn', [3478, 3478]]);
    for (const [i, [a, [aMin, aMax]]] of ranges.entries())
      for (const [b, [bMin, bMax]] of ranges.slice(i + 1))
        expect({ a, b, overlap: aMin <= bMax && bMin <= aMax }).toEqual({ a, b, overlap: false });
  });
});
