// The SMS's status history for the session's timeline (docs/records.md):
// one audit row per change, by the system, on the session. Never the number
// or the text (the text holds the link and PIN; the number is personal data
// that retention removes from the SMS row, not from a chained audit row).
import { audit } from '../audit/audit.ts';
import type { Tx } from '../db/transaction.ts';

export type SmsEvent = 'queued' | 'sent' | 'delivered' | 'failed';

export async function auditSms(tx: Tx, sessionId: string, event: SmsEvent, smsId: string, error?: string | null) {
  const details: Record<string, unknown> = { smsId };
  if (event === 'failed' && error) details.error = error;
  await audit(tx, { type: 'system' }, `sms.${event}`, { type: 'session', id: sessionId }, details);
}
