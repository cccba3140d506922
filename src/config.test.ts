import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from './config.ts';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults give an embedded setup on port 8080', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.publicUrl.href).toBe('http://localhost:8080/');
    expect(c.admin).toBeUndefined();
    expect(c.tls).toBeUndefined();
    expect(c.sessionIdleMinutes).toBe(120);
  });

  test('reads every contract variable', () => {
    const c = loadConfig({
      PORT: '9000', LOUPE_DATA_DIR: '/var/lib/loupe', DATABASE_URL: 'postgres://u:p@db:5432/loupe',
      LOUPE_PUBLIC_URL: 'https://loupe.example.org', LOUPE_ADMIN_EMAIL: 'a@example.org', LOUPE_ADMIN_PASSWORD: 'long enough password',
    });
    expect(c.port).toBe(9000);
    expect(c.dataDir).toBe('/var/lib/loupe');
    expect(c.databaseUrl).toBe('postgres://u:p@db:5432/loupe');
    expect(c.publicUrl.origin).toBe('https://loupe.example.org');
    expect(c.admin).toEqual({ email: 'a@example.org', password: 'long enough password' });
  });

  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', LOUPE_ADMIN_EMAIL: '', LOUPE_ADMIN_PASSWORD: '' }).port).toBe(8080);
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOUPE_PUBLIC_URL: 'ftp://x' }, 'LOUPE_PUBLIC_URL'],
    [{ LOUPE_ADMIN_EMAIL: 'a@example.org' }, 'LOUPE_ADMIN_PASSWORD'],
    [{ LOUPE_ADMIN_EMAIL: 'not-an-email', LOUPE_ADMIN_PASSWORD: 'long enough password' }, 'LOUPE_ADMIN_EMAIL'],
    [{ LOUPE_ADMIN_EMAIL: 'a@example.org', LOUPE_ADMIN_PASSWORD: 'short' }, 'LOUPE_ADMIN_PASSWORD'],
    [{ TLS_KEY_FILE: '/tmp/key.pem' }, 'TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' }, 'TLS_CERT_FILE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('%p names %s', (env, variable) => {
    const err = failure(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  test('TLS makes the default public URL https', () => {
    const file = import.meta.path; // any existing file will do for the existence check
    const c = loadConfig({ TLS_CERT_FILE: file, TLS_KEY_FILE: file });
    expect(c.tls).toEqual({ certFile: file, keyFile: file });
    expect(c.publicUrl.protocol).toBe('https:');
  });
});
