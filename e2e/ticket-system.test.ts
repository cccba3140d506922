// A ticket system's whole round trip through the real server, its parts
// together as an integration uses them (docs/integrations.md): an
// administrator makes a service token once; from then on only the token
// speaks. It subscribes a receiver (a real HTTP server on 127.0.0.1 that
// verifies every delivery with the standardwebhooks package), opens a Lens
// session for an incident with its ticket number as `reference` on behalf of
// a technician, the customer opens it and the technician starts it, the token
// ends it; the receiver gets created → state changes → ended, in order, each
// carrying the reference; the token reads the report and finds the session
// in the history by its reference. The token cannot start a session (a
// person does) nor act beyond its scopes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startReceiver, until, type Receiver } from '../src/webhooks/testing.ts';
import { ADMINISTRATOR, postJson, signInByApi, startLoupeWithTechnician } from './helpers.ts';
import type { LoupeProcess } from './loupe-process.ts';

const TECH = { email: 'noor@example.test', password: 'noor password 123', name: 'Noor Bakker' };
const TICKET = 'INC-2026-4711';

let loupe: LoupeProcess;
let receiver: Receiver;
let token: string;
let narrowToken: string;
let techCookie: string;
let techId: string;

async function api(path: string, opts: { method?: string; body?: unknown; bearer?: string; cookie?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(`${loupe.url}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  receiver = startReceiver();
  loupe = await startLoupeWithTechnician(
    { name: 'Field', rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] },
    TECH,
    { LOUPE_WEBHOOK_ALLOW_HTTP: receiver.host },
  );
  const admin = await signInByApi(loupe.url, ADMINISTRATOR);
  const made = await postJson(
    loupe.url,
    '/api/tokens',
    { name: 'Ticket system', scopes: ['sessions:write', 'sessions:read', 'reports:read', 'webhooks:manage'] },
    admin,
  );
  token = ((await made.json()) as { token: string }).token;
  const narrow = await postJson(loupe.url, '/api/tokens', { name: 'Dashboard', scopes: ['sessions:read'] }, admin);
  narrowToken = ((await narrow.json()) as { token: string }).token;
  techCookie = await signInByApi(loupe.url, TECH);
  techId = (await api('/api/auth/me', { cookie: techCookie })).body.technician.id;
}, 120_000);

afterAll(async () => {
  await loupe?.stop();
  await receiver?.stop();
});

describe('a ticket system, with one service token', () => {
  let sessionId: string;

  test('subscribes a receiver and opens a session for a technician, with its ticket number', async () => {
    const hook = await api('/api/webhooks', {
      bearer: token,
      body: {
        url: receiver.url,
        events: ['session.created', 'session.state_changed', 'session.ended'],
        description: 'Service desk',
      },
    });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toMatch(/^whsec_/);
    receiver.setSecret(hook.body.secret);

    const created = await api('/api/sessions', {
      bearer: token,
      body: { type: 'lens', name: 'Router at Jansen', method: 'link', reference: TICKET, technicianId: techId },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.reference).toBe(TICKET);
    expect(created.body.pin).toMatch(/^\d{6}$/);
    sessionId = created.body.id;
    // The technician it acts for sees it in their own list, with the reference.
    const mine = await api('/api/sessions', { cookie: techCookie });
    expect(mine.body.sessions.map((s: { id: string; reference: string }) => [s.id, s.reference])).toContainEqual([
      sessionId,
      TICKET,
    ]);

    // The customer opens the link; the technician (a person, not the token) starts.
    const redeemed = await fetch(`${loupe.url}/api/lens/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin: created.body.pin }),
    });
    expect(redeemed.status).toBe(200);
    const lensCookie = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
    const eula = await api('/api/lens/eula', { cookie: lensCookie, body: { accept: true } });
    expect(eula.status).toBe(200);
    const tokenStart = await api(`/api/sessions/${sessionId}/start`, { bearer: token, body: {} });
    expect(tokenStart.status).toBe(403);
    expect(tokenStart.body.error.code).toBe('token_not_allowed');
    const started = await api(`/api/sessions/${sessionId}/start`, { cookie: techCookie, body: {} });
    expect(started.status).toBe(200);
    expect(started.body.state).toBe('active');

    // The incident is solved: the ticket system closes the session.
    const ended = await api(`/api/sessions/${sessionId}/end`, { bearer: token, body: {} });
    expect(ended.status).toBe(200);
    expect(ended.body.state).toBe('closed');
  }, 60_000);

  test('the receiver verified every delivery: created, each state, ended, in order, each with the reference', async () => {
    await until('session.ended delivered', () => receiver.received.some((r) => r.type === 'session.ended'));
    expect(receiver.unverified).toBe(0);
    const mine = receiver.received.filter((r) => r.payload.data.session.id === sessionId);
    expect(mine.map((r) => r.type)).toEqual([
      'session.created',
      'session.state_changed',
      'session.state_changed',
      'session.state_changed',
      'session.state_changed',
      'session.ended',
    ]);
    expect(mine.map((r) => r.payload.data.session.state)).toEqual([
      'invited',
      'connecting',
      'waiting',
      'active',
      'closed',
      'closed',
    ]);
    for (const r of mine) expect(r.payload.data.session.reference).toBe(TICKET);
    // At least once, not more here: every message id once.
    expect(new Set(mine.map((r) => r.id)).size).toBe(mine.length);
  }, 30_000);

  test('reads the report and finds the session in the history by its ticket number', async () => {
    const report = await api(`/api/sessions/${sessionId}/report`, { bearer: token });
    expect(report.status).toBe(200);
    expect(report.body.session.reference).toBe(TICKET);
    expect(report.body.session.state).toBe('closed');
    const found = await api(`/api/history?q=${encodeURIComponent(TICKET)}`, { bearer: token });
    expect(found.status).toBe(200);
    expect(found.body.sessions.map((s: { id: string }) => s.id)).toEqual([sessionId]);
    const none = await api('/api/history?q=INC-0000-0000', { bearer: token });
    expect(none.body.sessions).toEqual([]);
  });

  test('a token is held to its scopes; a revoked or unknown token is nobody', async () => {
    expect((await api(`/api/sessions/${sessionId}`, { bearer: narrowToken })).status).toBe(200);
    const report = await api(`/api/sessions/${sessionId}/report`, { bearer: narrowToken });
    expect(report.status).toBe(403);
    expect(report.body.error.code).toBe('insufficient_scope');
    const write = await api('/api/sessions', {
      bearer: narrowToken,
      body: { type: 'lens', name: 'Meter', method: 'link', technicianId: techId },
    });
    expect(write.status).toBe(403);
    expect((await api('/api/webhooks', { bearer: narrowToken })).status).toBe(403);
    expect((await api('/api/sessions', { bearer: `loupe_${'A'.repeat(43)}` })).status).toBe(401);
  });
});
