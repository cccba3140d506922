// The mapping from audit rows to webhook events (dispatcher.ts, eventsOf), for
// every action that makes one and a few that must not: the contract's list of
// events (WEBHOOK_EVENTS) is covered whole, and each event carries what
// docs/integrations.md promises.
import { describe, expect, test } from 'bun:test';
import { WEBHOOK_EVENTS } from '../contract/org.ts';
import type { auditLog } from '../db/schema.ts';
import { eventsOf } from './dispatcher.ts';

type AuditRow = typeof auditLog.$inferSelect;

const row = (action: string, details: Record<string, unknown> | null = {}): AuditRow => ({
  id: 1,
  at: new Date('2026-12-03T12:00:00Z'),
  actorType: 'system',
  actorId: null,
  action,
  subjectType: 'session',
  subjectId: '00000000-0000-4000-8000-000000000001',
  details,
  detailsSha256: null,
  prevHash: null,
  hash: null,
  redactedAt: null,
});

const SMS = 'a0000000-0000-4000-8000-00000000000a';
const EMAIL = 'e0000000-0000-4000-8000-00000000000e';
const PHOTO = 'f0000000-0000-4000-8000-00000000000f';

// Every action that makes an event, and exactly the events it makes, in order.
const CASES: [string, Record<string, unknown> | null, { type: string; data: Record<string, unknown> }[]][] = [
  ['session.invited', { method: 'sms', reference: 'X' }, [{ type: 'session.created', data: {} }]],
  ['session.opened', {}, [{ type: 'session.state_changed', data: { from: 'invited', to: 'connecting' } }]],
  ['session.eula_accepted', {}, [{ type: 'session.state_changed', data: { from: 'connecting', to: 'waiting' } }]],
  ['session.started', {}, [{ type: 'session.state_changed', data: { from: 'waiting', to: 'active' } }]],
  ['session.held', {}, [{ type: 'session.state_changed', data: { from: 'active', to: 'on_hold' } }]],
  ['session.on_hold', {}, [{ type: 'session.state_changed', data: { from: 'active', to: 'on_hold' } }]],
  ['session.resumed', {}, [{ type: 'session.state_changed', data: { from: 'on_hold', to: 'active' } }]],
  // The ends: the state left comes from the details (end.ts writes `from` and `reason`), and each also makes session.ended.
  ...(['closed', 'expired', 'timed_out'] as const).map(
    (to) =>
      [
        `session.${to}`,
        { from: 'active', reason: 'technician' },
        [
          { type: 'session.state_changed', data: { from: 'active', to, reason: 'technician' } },
          { type: 'session.ended', data: { from: 'active', to, reason: 'technician' } },
        ],
      ] as (typeof CASES)[number],
  ),
  // An end whose details lack `from` still says where it went.
  [
    'session.expired',
    null,
    [
      { type: 'session.state_changed', data: { from: null, to: 'expired' } },
      { type: 'session.ended', data: { from: null, to: 'expired' } },
    ],
  ],
  ...(['queued', 'sent', 'delivered'] as const).map(
    (status) =>
      [
        `sms.${status}`,
        { smsId: SMS },
        [{ type: 'sms.status_changed', data: { sms: { id: SMS, status } } }],
      ] as (typeof CASES)[number],
  ),
  [
    'sms.failed',
    { smsId: SMS, error: 'Withdrawn: the session ended.' },
    [
      {
        type: 'sms.status_changed',
        data: { sms: { id: SMS, status: 'failed', error: 'Withdrawn: the session ended.' } },
      },
    ],
  ],
  ...(['queued', 'sent'] as const).map(
    (status) =>
      [
        `email.${status}`,
        { emailId: EMAIL },
        [{ type: 'email.status_changed', data: { email: { id: EMAIL, status } } }],
      ] as (typeof CASES)[number],
  ),
  [
    'email.failed',
    { emailId: EMAIL, error: '550 No such user [address]' },
    [
      {
        type: 'email.status_changed',
        data: { email: { id: EMAIL, status: 'failed', error: '550 No such user [address]' } },
      },
    ],
  ],
  // A redacted row (retention took its details): the event still goes, without the id.
  ['email.sent', null, [{ type: 'email.status_changed', data: { email: { id: null, status: 'sent' } } }]],
  [
    'snapshot.taken',
    { snapshotId: PHOTO, frozen: false },
    [{ type: 'snapshot.created', data: { snapshot: { id: PHOTO, frozen: false } } }],
  ],
  [
    'snapshot.taken',
    { snapshotId: PHOTO, frozen: true, sourceId: SMS },
    [{ type: 'snapshot.created', data: { snapshot: { id: PHOTO, frozen: true } } }],
  ],
  [
    'snapshot.stored',
    { snapshotId: PHOTO },
    [{ type: 'snapshot.created', data: { snapshot: { id: PHOTO, frozen: false } } }],
  ],
];

describe('eventsOf', () => {
  test.each(CASES)('%s %j', (action, details, events) => {
    expect(eventsOf(row(action, details))).toEqual(events as never);
  });

  test('every event of the contract is made by some action', () => {
    const made = new Set(CASES.flatMap(([action, details]) => eventsOf(row(action, details)).map((e) => e.type)));
    expect([...made].sort()).toEqual([...WEBHOOK_EVENTS].sort());
  });

  test('actions that are no event make none: tools, chat, sign-ins, an unknown SMS status, a pending photo', () => {
    for (const action of [
      'tool.used',
      'chat.message',
      'technician.signed_in',
      'webhook.created',
      'webhook.resent',
      'session.viewed',
      'session.erased',
      'sms.withdrawn',
      'sms',
      'email',
      'snapshot.requested',
      'snapshot.failed',
    ])
      expect({ action, events: eventsOf(row(action)) }).toEqual({ action, events: [] });
  });

  test('no event carries what the details may hold beyond its promise (a source photo, a reference)', () => {
    const [photo] = eventsOf(row('snapshot.taken', { snapshotId: PHOTO, frozen: false, sourceId: SMS }));
    expect(JSON.stringify(photo)).not.toContain(SMS);
    const [created] = eventsOf(row('session.invited', { method: 'sms', reference: 'INC-1', tokenId: 'tok' }));
    expect(created!.data).toEqual({});
  });
});
