// Audit rows are written inside the caller's transaction, so a state change
// and its record land together or not at all.
import { auditLog } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';

export type Actor = { type: 'technician'; id: string } | { type: 'system' } | { type: 'customer'; id: string };

export async function audit(
  tx: Tx,
  actor: Actor,
  action: string,
  subject?: { type: string; id: string },
  details?: Record<string, unknown>,
): Promise<void> {
  await tx.insert(auditLog).values({
    actorType: actor.type,
    actorId: 'id' in actor ? actor.id : null,
    action,
    subjectType: subject?.type ?? null,
    subjectId: subject?.id ?? null,
    details: details ?? null,
  });
}
