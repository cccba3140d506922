// The e-mail's status history for the session's timeline, like the SMS's
// (src/sms/sms-audit.ts): one audit row per change, by the system, on the
// session. The webhooks map every `email.*` action to `email.status_changed`
// (docs/integrations.md). Never the address or the text (the text holds the
// link and the PIN; the address is contact data that retention removes from
// the e-mail row, not from a chained audit row): an error that quotes the
// address has it replaced.
import { audit } from '../audit/audit.ts';
import type { Tx } from '../db/transaction.ts';

export type EmailEvent = 'queued' | 'sent' | 'failed';

export async function auditEmail(
  tx: Tx,
  sessionId: string,
  event: EmailEvent,
  emailId: string,
  error?: { reason: string | null; address: string },
) {
  const details: Record<string, unknown> = { emailId };
  if (event === 'failed' && error?.reason) details.error = withoutAddress(error.reason, error.address);
  await audit(tx, { type: 'system' }, `email.${event}`, { type: 'session', id: sessionId }, details);
}

export function withoutAddress(text: string, address: string): string {
  if (!address) return text;
  // A server may quote it in another case: the domain part is case-insensitive.
  return text.replace(new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '[address]');
}
