// Janus and media in the scrape, with the bundled Janus: up, its restarts
// after a kill -9, and the sessions with media (a room) while one is active.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createApp } from '../app.ts';
import { hasJanus, startTestMedia, type TestMedia } from '../media/testing.ts';
import { technician, type TestTechnician } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { type Caller, callerFor, harness, type Harness } from '../testing/harness.ts';
import { Metrics } from './metrics.ts';
import { type MetricsServer, startMetricsServer } from './server.ts';
import { scrape } from './testing.ts';

if (!hasJanus) console.warn('media-metrics.test: /usr/bin/janus is missing (apt-get install janus): skipping');

let h: Harness;
let media: TestMedia;
let listener: MetricsServer;
let call: Caller;
let tess: TestTechnician;

beforeAll(async () => {
  if (!hasJanus) return;
  h = await harness();
  media = await startTestMedia(h);
  const metrics = new Metrics();
  const app = createApp({ ...h, database: h.database, media: media.media, metrics });
  metrics.collectFrom({ db: h.db, janus: media.janus, media: media.media });
  call = callerFor(app);
  listener = startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
  tess = await technician(h);
}, 120_000);
afterAll(async () => {
  await listener?.stop();
  await media?.stop();
});

/** Scrapes until `check` holds (bounded), and answers that scrape. */
async function scrapeUntil(check: (m: Awaited<ReturnType<typeof scrape>>) => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await scrape(listener.url);
    if (check(m)) return m;
    if (Date.now() > deadline) throw new Error('the scrape never showed it');
    await Bun.sleep(50);
  }
}

describe.skipIf(!hasJanus)('Janus and media', () => {
  test('Janus is up; a started session has media until it ends', async () => {
    const m = await scrape(listener.url);
    expect(m.value('loupe_janus_up')).toBe(1);
    expect(m.value('loupe_janus_restarts_total')).toBe(0);
    expect(m.value('loupe_media_sessions')).toBe(0);

    const s = (await (
      await call('POST', '/api/sessions', {
        cookie: tess.cookie,
        body: { type: 'lens', name: 'Boiler', method: 'link' },
      })
    ).json()) as SessionView;
    const redeemed = await call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
    const customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true } })).status).toBe(200);
    expect((await call('POST', `/api/sessions/${s.id}/start`, { cookie: tess.cookie })).status).toBe(200);

    const live = await scrape(listener.url);
    expect(live.value('loupe_media_sessions')).toBe(1);
    expect(live.value('loupe_sessions', { state: 'active' })).toBe(1);
    expect(live.text).not.toContain(s.id);

    expect((await call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie })).status).toBe(200);
    const ended = await scrapeUntil((m) => m.value('loupe_media_sessions') === 0);
    expect(ended.value('loupe_sessions', { state: 'closed' })).toBe(1);
  }, 30_000);

  test('a killed Janus is restarted: the restart is counted and Janus is up again', async () => {
    process.kill(media.janus.status().pid!, 'SIGKILL');
    const m = await scrapeUntil((m) => m.value('loupe_janus_restarts_total') === 1 && m.value('loupe_janus_up') === 1);
    expect(m.types.get('loupe_janus_restarts_total')).toBe('counter');
  }, 30_000);
});
