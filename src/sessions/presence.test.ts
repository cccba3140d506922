// The customer's comings and goings, and the end of a session whose customer
// stayed away: with the harness's clock, on the real database.
import { beforeEach, describe, expect, test } from 'bun:test';
import { heartbeat, NODE_GONE_MS } from '../cluster/nodes.ts';
import { harness, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import { customerArrived, customerLeft, markCustomersOfGoneNodesAway, timeOutAbsentCustomers } from './presence.ts';
import { sessionRow, technician, type TestTechnician } from './testing.ts';
import { sessionView, type SessionView } from './view.ts';

let h: Harness;
let tess: TestTechnician;

beforeEach(async () => {
  h = await harness({ LOUPE_RECONNECT_WINDOW_S: '60', LOUPE_CUSTOMER_TIMEOUT_S: '300' });
  tess = await technician(h);
}, DATABASE_HOOK);

async function joined(): Promise<SessionView> {
  const s = (await (
    await h.call('POST', '/api/sessions', { cookie: tess.cookie, body: { type: 'lens', name: 'Pipe', method: 'link' } })
  ).json()) as SessionView;
  const redeemed = await h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } });
  const cookie = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  await h.call('POST', '/api/lens/eula', { cookie, body: { accept: true } });
  return s;
}

describe('customer presence', () => {
  test('a redeemed invitation counts as away until the page connects', async () => {
    const s = await joined();
    expect((await sessionView(h.db, h.config, s.id))!.customer).toMatchObject({
      connected: false,
      leftAt: '2026-11-25T09:00:00.000Z',
    });
    await customerArrived(h, s.id);
    expect((await sessionView(h.db, h.config, s.id))!.customer.connected).toBe(true);
    // A page that never connects: the session times out and frees the live slot.
    const other = await technician(h);
    const t = (await (
      await h.call('POST', '/api/sessions', {
        cookie: other.cookie,
        body: { type: 'lens', name: 'Ghost', method: 'link' },
      })
    ).json()) as SessionView;
    await h.call('POST', '/api/lens/redeem', { body: { pin: t.pin } });
    h.clock.advance(300_000);
    expect(await timeOutAbsentCustomers(h)).toBe(1);
    expect((await sessionRow(h, t.id)).state).toBe('timed_out');
  });

  test('leaving and coming back is recorded, told to the console, and shown with its deadlines', async () => {
    const s = await joined();
    await customerArrived(h, s.id);
    const changes: string[] = [];
    h.events.onSessionChanged((c) => changes.push(c.sessionId));

    await customerLeft(h, s.id);
    const left = (await sessionView(h.db, h.config, s.id))!;
    expect(left.customer).toEqual({
      connected: false,
      leftAt: '2026-11-25T09:00:00.000Z',
      offlineAt: '2026-11-25T09:01:00.000Z',
      timesOutAt: '2026-11-25T09:05:00.000Z',
    });
    // A second close (another tab) does not move the time.
    h.clock.advance(10_000);
    await customerLeft(h, s.id);
    expect((await sessionRow(h, s.id)).customerLeftAt!.toISOString()).toBe('2026-11-25T09:00:00.000Z');

    await customerArrived(h, s.id);
    expect((await sessionView(h.db, h.config, s.id))!.customer).toEqual({
      connected: true,
      leftAt: null,
      offlineAt: null,
      timesOutAt: null,
    });
    expect(changes).toEqual([s.id, s.id]);
  });

  test('gone longer than the timeout: timed_out, live slot freed; shorter: nothing happens', async () => {
    const s = await joined();
    await customerArrived(h, s.id);
    await customerLeft(h, s.id);
    h.clock.advance(299_000);
    expect(await timeOutAbsentCustomers(h)).toBe(0);
    expect((await sessionRow(h, s.id)).state).toBe('waiting');
    h.clock.advance(1_000);
    expect(await timeOutAbsentCustomers(h)).toBe(1);
    const row = await sessionRow(h, s.id);
    expect(row).toMatchObject({ state: 'timed_out', endReason: 'customer_gone', liveSlot: null });
    // The technician may invite again (one live session per technician).
    const next = await h.call('POST', '/api/sessions', {
      cookie: tess.cookie,
      body: { type: 'lens', name: 'Next', method: 'link' },
    });
    expect(next.status).toBe(201);
  });

  test('a customer who came back in time is not timed out', async () => {
    const s = await joined();
    await customerArrived(h, s.id);
    await customerLeft(h, s.id);
    h.clock.advance(200_000);
    await customerArrived(h, s.id);
    h.clock.advance(200_000);
    expect(await timeOutAbsentCustomers(h)).toBe(0);
    expect((await sessionRow(h, s.id)).state).toBe('waiting');
  });

  test('at start-up every present customer counts as away from now; ended sessions and invitations are left alone', async () => {
    const s = await joined();
    await customerArrived(h, s.id);
    const other = await technician(h);
    const invited = (await (
      await h.call('POST', '/api/sessions', {
        cookie: other.cookie,
        body: { type: 'lens', name: 'Later', method: 'link' },
      })
    ).json()) as SessionView;
    await markCustomersOfGoneNodesAway(h);
    expect((await sessionRow(h, s.id)).customerLeftAt!.toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect((await sessionRow(h, invited.id)).customerLeftAt).toBeNull();
  });

  test('presence of an ended session is not touched', async () => {
    const s = await joined();
    await customerArrived(h, s.id);
    await h.call('POST', `/api/sessions/${s.id}/end`, { cookie: tess.cookie });
    await customerLeft(h, s.id);
    expect((await sessionRow(h, s.id)).customerLeftAt).toBeNull();
  });
});

describe('customer presence across nodes', () => {
  const nodeB = () => ({ ...h, nodeId: 'node-b' });

  test('a customer held by a running node is not marked away; once that node is gone, it is', async () => {
    const s = await joined();
    await heartbeat(h.db, 'node-b', h.clock.now());
    await customerArrived(nodeB(), s.id);
    expect((await sessionRow(h, s.id)).customerNode).toBe('node-b');
    await markCustomersOfGoneNodesAway(h);
    expect((await sessionRow(h, s.id)).customerLeftAt).toBeNull();
    const changes: string[] = [];
    const off = h.events.onSessionChanged((c) => changes.push(c.sessionId));
    h.clock.advance(NODE_GONE_MS + 1_000); // node B's heartbeat runs out
    await markCustomersOfGoneNodesAway(h);
    off();
    expect((await sessionRow(h, s.id)).customerLeftAt).toEqual(h.clock.now());
    expect(changes).toEqual([s.id]); // the consoles hear it
  });

  test('a socket closing on a node that no longer holds the customer changes nothing', async () => {
    const s = await joined();
    await customerArrived(h, s.id); // first on this node…
    await customerArrived(nodeB(), s.id); // …then the page came back through node B, before this node saw its socket close
    await customerLeft(h, s.id);
    const row = await sessionRow(h, s.id);
    expect(row.customerLeftAt).toBeNull();
    expect(row.customerNode).toBe('node-b');
    await customerLeft(nodeB(), s.id);
    expect((await sessionRow(h, s.id)).customerLeftAt).toEqual(h.clock.now());
  });
});
