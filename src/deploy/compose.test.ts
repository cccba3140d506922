// No Docker engine runs where the tests run, so the Docker files are kept
// honest by structure: the compose file wires Loupe to PostgreSQL with volumes
// and no default secrets, .env.example documents every variable config.ts
// reads, and the Dockerfile installs through the same script CI uses.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dir, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Service = {
  build?: unknown;
  image?: string;
  restart?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
};
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  const { loupe, postgres } = compose.services;

  test('runs Loupe, built from this repository, once PostgreSQL is healthy', () => {
    expect(loupe?.build).toBe('.');
    expect(loupe?.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(loupe?.restart).toBe('unless-stopped');
    expect(postgres?.restart).toBe('unless-stopped');
  });

  test('points Loupe at the PostgreSQL service with a password that has no default', () => {
    expect(loupe?.environment?.DATABASE_URL).toMatch(
      /^postgres:\/\/loupe:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/loupe$/,
    );
    expect(postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
  });

  test('keeps data in named volumes and does not publish the database', () => {
    expect(loupe?.volumes).toContain('loupe-data:/data');
    expect(postgres?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes).sort()).toEqual(['loupe-data', 'postgres-data']);
    expect(postgres?.ports).toBeUndefined();
    expect(loupe?.ports).toEqual([
      // biome-ignore-start lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax, not a template.
      '${LOUPE_HTTP_PORT:-8080}:8080',
      '${LOUPE_RTP_PORTS:-20000-20199}:${LOUPE_RTP_PORTS:-20000-20199}/udp',
      // biome-ignore-end lint/suspicious/noTemplateCurlyInString: compose syntax above.
    ]);
  });

  test('gives both services time to shut down cleanly', () => {
    expect(loupe?.stop_grace_period).toBe('30s');
    expect(postgres?.stop_grace_period).toBe('30s');
  });
});

describe('.env.example', () => {
  const entries = new Map(
    read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );

  test('documents every variable Loupe reads', () => {
    const variables = [...read('src/config.ts').matchAll(/^\s{2}([A-Z][A-Z_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(10);
    for (const name of variables) expect(entries.has(name)).toBe(true);
    expect(entries.has('POSTGRES_PASSWORD')).toBe(true);
  });

  test('ships no secrets', () => {
    for (const name of ['POSTGRES_PASSWORD', 'LOUPE_ADMIN_PASSWORD', 'DATABASE_URL'])
      expect(entries.get(name)).toBe('');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!);

  test('installs only through scripts/install.sh, the script CI runs', () => {
    expect(runs.filter((run) => run.includes('scripts/install.sh')).length).toBeGreaterThanOrEqual(3);
    for (const run of runs) expect(run).not.toMatch(/apt-get install|npm (ci|install)|curl|wget/);
    expect(read('.ci/run')).toContain('scripts/install.sh');
    expect(read('scripts/test.sh') + read('scripts/up.sh')).toContain('scripts/install.sh');
  });

  test('has a build stage and a runtime stage that runs the server on Bun as an unprivileged user', () => {
    expect([...dockerfile.matchAll(/^FROM \S+ AS (\w+)$/gm)].map((m) => m[1])).toEqual(['build', 'runtime']);
    expect(dockerfile).toContain('COPY --from=build /app/web/build web/build');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node_modules\/\.bin\/bun", "src\/main\.ts"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
  });

  test('copies every top-level folder the server needs at run time', () => {
    for (const folder of ['src/', 'migrations/', 'janus/']) expect(dockerfile).toContain(`COPY ${folder} ${folder}`);
  });
});
