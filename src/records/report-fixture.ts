// A whole report (reportSchema) for the bundle's tests, with the texts a
// test chooses: hostile ones for the escaping tests. Checked by the schema,
// so a fixture can never drift from the contract.
import { type Report, reportSchema } from '../contract/records.ts';
import type { SnapshotView } from '../contract/tools.ts';

const SESSION = '1a2b3c4d-0000-4000-8000-000000000001';
const TECH = { id: '1a2b3c4d-0000-4000-8000-0000000000aa', name: 'Tess Technician' };

export function reportFixture(
  opts: { name?: string; chat?: string[]; notes?: string; snapshots?: SnapshotView[]; userAgent?: string } = {},
): Report {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();
  return reportSchema.parse({
    session: {
      id: SESSION,
      name: opts.name ?? 'Boiler in the attic',
      reference: 'CLAIM-42',
      phone: '+31612345678',
      phoneRemoved: false,
      state: 'closed',
      endReason: 'technician',
      technician: TECH,
      createdAt: at(0),
      startedAt: at(10),
      endedAt: at(50),
      liveSeconds: 40,
      snapshotCount: opts.snapshots?.length ?? 0,
      recording: null,
      method: 'sms',
      language: 'nl',
      groupName: 'Field service',
      openedAt: at(5),
      eulaAcceptedAt: at(8),
      recorded: false,
    },
    device: { summary: 'Chrome 131 on Android 14', userAgent: opts.userAgent ?? 'Mozilla/5.0 (Linux; Android 14)' },
    timeline: [
      { at: at(0), kind: 'session.invited', actor: { type: 'technician', ...TECH }, details: { method: 'sms' } },
      { at: at(10), kind: 'session.started', actor: { type: 'technician', ...TECH }, details: {} },
      { at: at(50), kind: 'session.closed', actor: { type: 'technician', ...TECH }, details: { reason: 'technician' } },
    ],
    quality: [0, 5, 10].map((s) => ({
      at: at(10 + s),
      bitrateKbps: 800 + s * 10,
      fps: 30,
      width: 1280,
      height: 720,
      rttMs: 40 + s,
      lossPercent: 0,
      jitterMs: 3,
    })),
    snapshots: opts.snapshots ?? [],
    messages: (opts.chat ?? ['Hello, can you show me the meter?', 'Yes, here it is.']).map((text, i) => ({
      id: `1a2b3c4d-0000-4000-8000-00000000010${i}`,
      from: i % 2 ? 'customer' : 'technician',
      text,
      sentAt: at(20 + i),
    })),
    recording: null,
    notes: { text: opts.notes ?? 'Meter reads 1234.', updatedAt: at(60), updatedBy: TECH },
    generatedAt: at(70),
  });
}
