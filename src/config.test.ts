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
      PORT: '9000',
      LOUPE_DATA_DIR: '/var/lib/loupe',
      DATABASE_URL: 'postgres://u:p@db:5432/loupe',
      LOUPE_PUBLIC_URL: 'https://loupe.example.org',
      LOUPE_ADMIN_EMAIL: 'a@example.org',
      LOUPE_ADMIN_PASSWORD: 'long enough password',
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
    [{ LOUPE_RECONNECT_WINDOW_S: '1' }, 'LOUPE_RECONNECT_WINDOW_S'],
    [{ APP_STORE_URL_IOS: 'http://apps.apple.com/app/x' }, 'APP_STORE_URL_IOS'],
    [{ APP_STORE_URL_ANDROID: 'not a url' }, 'APP_STORE_URL_ANDROID'],
    [{ LOUPE_CUSTOMER_TIMEOUT_S: 'soon' }, 'LOUPE_CUSTOMER_TIMEOUT_S'],
    [{ LOUPE_RECONNECT_WINDOW_S: '120', LOUPE_CUSTOMER_TIMEOUT_S: '60' }, 'LOUPE_CUSTOMER_TIMEOUT_S'],
    [{ LOUPE_VIDEO_PLAYOUT: 'fast' }, 'LOUPE_VIDEO_PLAYOUT'],
  ])('%p names %s', (env, variable) => {
    const err = failure(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  test('a customer shows offline after 60 s away and times out after 5 min, unless configured', () => {
    expect(loadConfig({})).toMatchObject({ reconnectWindowMs: 60_000, customerTimeoutMs: 300_000 });
    expect(loadConfig({ LOUPE_RECONNECT_WINDOW_S: '5', LOUPE_CUSTOMER_TIMEOUT_S: '12' })).toMatchObject({
      reconnectWindowMs: 5_000,
      customerTimeoutMs: 12_000,
    });
  });

  test('the technician sees each video frame at once, unless the jitter buffer is asked for', () => {
    expect(loadConfig({}).media.videoPlayout).toBe('immediate');
    expect(loadConfig({ LOUPE_VIDEO_PLAYOUT: 'smooth' }).media.videoPlayout).toBe('smooth');
  });

  test('TLS makes the default public URL https', () => {
    const file = import.meta.path; // any existing file will do for the existence check
    const c = loadConfig({ TLS_CERT_FILE: file, TLS_KEY_FILE: file });
    expect(c.tls).toEqual({ certFile: file, keyFile: file });
    expect(c.publicUrl.protocol).toBe('https:');
  });
});

describe('SMS settings', () => {
  test('without SMPP_URL the console gateway is used; region NL and only NL numbers by default', () => {
    const c = loadConfig({});
    expect(c.smpp).toBeUndefined();
    expect(c.defaultRegion).toBe('NL');
    expect([...c.smsCountries!]).toEqual(['NL']);
  });

  test('SMPP_URL gives the bind credentials, decoded, with the sender and window', () => {
    const c = loadConfig({
      LOUPE_PUBLIC_URL: 'https://loupe.example.org',
      SMPP_URL: 'smpps://loupe:p%40ss@smsc.example.org:3550',
      SMPP_SOURCE_ADDR: '+3197010000000',
      SMPP_WINDOW: '5',
    });
    expect(c.smpp).toEqual({
      host: 'smsc.example.org',
      port: 3550,
      systemId: 'loupe',
      password: 'p@ss',
      tls: true,
      sourceAddr: '+3197010000000',
      window: 5,
    });
    expect(loadConfig({ LOUPE_SMS_COUNTRIES: '*' }).smsCountries).toBeUndefined();
    expect([...loadConfig({ LOUPE_SMS_COUNTRIES: 'NL, BE' }).smsCountries!]).toEqual(['NL', 'BE']);
    expect([...loadConfig({ LOUPE_DEFAULT_REGION: 'BE' }).smsCountries!]).toEqual(['BE']);
  });

  test('bad SMS settings name their variable', () => {
    for (const [env, variable] of [
      [{ SMPP_URL: 'http://smsc:2775' }, 'SMPP_URL'],
      [{ SMPP_URL: 'smpp://smsc:2775' }, 'SMPP_URL'],
      [{ LOUPE_PUBLIC_URL: 'https://l.example.org', SMPP_URL: 'smpp://a:b@smsc:99999' }, 'SMPP_URL'],
      [{ SMPP_URL: 'smpp://a:b@smsc:2775' }, 'LOUPE_PUBLIC_URL'],
      [{ SMPP_SOURCE_ADDR: 'A sender that is far too long' }, 'SMPP_SOURCE_ADDR'],
      [{ SMPP_WINDOW: '0' }, 'SMPP_WINDOW'],
      [{ LOUPE_DEFAULT_REGION: 'XX' }, 'LOUPE_DEFAULT_REGION'],
      [{ LOUPE_SMS_COUNTRIES: 'NL,Mars' }, 'LOUPE_SMS_COUNTRIES'],
    ] as const)
      expect(failure(env).variable).toBe(variable);
  });

  describe('TURN', () => {
    test('an external server with a shared secret (ephemeral credentials)', () => {
      const c = loadConfig({ LOUPE_TURN_SERVER: 'turn.example.org:3478', LOUPE_TURN_SECRET: 'sixteen chars ok' });
      expect(c.media.turn).toEqual({ server: 'turn.example.org:3478', secret: 'sixteen chars ok' });
    });

    test('an external server with static credentials keeps working', () => {
      const c = loadConfig({
        LOUPE_TURN_SERVER: 'turn.example.org:3478',
        LOUPE_TURN_USER: 'u',
        LOUPE_TURN_PASSWORD: 'p',
      });
      expect(c.media.turn).toEqual({ server: 'turn.example.org:3478', user: 'u', password: 'p' });
    });

    test('bundled: defaults, the public host, and turns: only with a certificate', () => {
      const c = loadConfig({ LOUPE_TURN: 'bundled', LOUPE_PUBLIC_URL: 'https://loupe.example.org' });
      expect(c.media.turn).toEqual({
        server: 'loupe.example.org:3478',
        bundled: { listeningPort: 3478, relayPorts: { min: 20200, max: 20299 }, tls: undefined },
      });
      const d = loadConfig({
        LOUPE_TURN: 'bundled',
        LOUPE_TURN_SERVER: 'turn.example.org:13478',
        LOUPE_TURN_PORT: '3479',
        LOUPE_TURN_RELAY_PORTS: '30000-30099',
        TLS_CERT_FILE: import.meta.path,
        TLS_KEY_FILE: import.meta.path,
      });
      expect(d.media.turn).toEqual({
        server: 'turn.example.org:13478',
        bundled: {
          listeningPort: 3479,
          relayPorts: { min: 30000, max: 30099 },
          tls: { certFile: import.meta.path, keyFile: import.meta.path, port: 443 },
        },
      });
    });

    test('no TURN unless asked', () => {
      expect(loadConfig({}).media.turn).toBeUndefined();
    });

    test('errors name the variable', () => {
      for (const [env, variable, words] of [
        [{ LOUPE_TURN_SERVER: 'turn.example.org:3478' }, 'LOUPE_TURN_SECRET', 'LOUPE_TURN_USER'],
        [{ LOUPE_TURN_SECRET: 'sixteen chars ok' }, 'LOUPE_TURN_SERVER', 'LOUPE_TURN_SECRET'],
        [{ LOUPE_TURN_SERVER: 'turn.example.org:3478', LOUPE_TURN_SECRET: 'short' }, 'LOUPE_TURN_SECRET', '16'],
        [{ LOUPE_TURN_SERVER: 't:3478', LOUPE_TURN_USER: 'u' }, 'LOUPE_TURN_PASSWORD', 'LOUPE_TURN_USER'],
        [
          {
            LOUPE_TURN_SERVER: 't:3478',
            LOUPE_TURN_SECRET: 'sixteen chars ok',
            LOUPE_TURN_USER: 'u',
            LOUPE_TURN_PASSWORD: 'p',
          },
          'LOUPE_TURN_SECRET',
          'LOUPE_TURN_USER',
        ],
        [{ LOUPE_TURN: 'coturn' }, 'LOUPE_TURN', 'bundled'],
        [{ LOUPE_TURN: 'bundled', LOUPE_TURN_SECRET: 'sixteen chars ok' }, 'LOUPE_TURN_SECRET', 'generated'],
        [{ LOUPE_TURN: 'bundled', LOUPE_TURN_RELAY_PORTS: '20100-20300' }, 'LOUPE_TURN_RELAY_PORTS', 'LOUPE_RTP_PORTS'],
        [{ LOUPE_TURN: 'bundled', LOUPE_TURN_RELAY_PORTS: '500-600' }, 'LOUPE_TURN_RELAY_PORTS', 'range'],
        [{ LOUPE_TURN: 'bundled', LOUPE_TURN_PORT: '70000' }, 'LOUPE_TURN_PORT', '65535'],
        [{ LOUPE_TURN: 'bundled', LOUPE_TURN_PORT: '8080' }, 'LOUPE_TURN_PORT', 'PORT'],
        [
          { LOUPE_TURN: 'bundled', PORT: '443', TLS_CERT_FILE: import.meta.path, TLS_KEY_FILE: import.meta.path },
          'LOUPE_TURN_TLS_PORT',
          '5349',
        ],
      ] as const) {
        const error = failure(env);
        expect(error.variable).toBe(variable);
        expect(error.message).toContain(words);
      }
    });
  });
});
