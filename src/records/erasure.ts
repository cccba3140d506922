// Erasure (docs/records.md, "Retention and erasure"): a data subject asks for
// everything Loupe keeps about their phone number or e-mail address to go. An
// administrator removes, for every session with that number or address
// whatever its age, what retention would remove at the end of every period,
// and redacts the audit rows that name it, in one transaction; the files go
// after the commit. A live session is refused: its customer may be on the
// line, and the technician's screen would lose what it shows; the
// administrator ends it first. The number or address never reaches the log
// or the erasure's own audit row.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { audit, type Actor } from '../audit/audit.ts';
import type { ErasureReceipt } from '../contract/records.ts';
import { isLiveState } from '../contract/states.ts';
import { auditLog, rateLimits } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict } from '../http/errors.ts';
import { erasedNumber, sessionsWithEmail, sessionsWithPhone, type FoundSession } from './erasure-find.ts';
import {
  addCounts,
  noLeftovers,
  noneRemoved,
  redactAuditNaming,
  removeChat,
  removeFiles,
  removePhone,
  removeRecordings,
  removeSnapshots,
} from './removal.ts';

/** Whom an erasure is for, and how to find them: what differs between a number and an address. */
type Subject = {
  /** The receipt's: one of the two is null. */
  phone: string | null;
  email: string | null;
  /** What audit rows anywhere are redacted for naming (never empty: the contract refuses an empty one). */
  named: string;
  /** "number" or "address", for the refusal's message. */
  noun: string;
  find: (tx: Tx) => Promise<FoundSession[]>;
  /** The sending quota's counter is keyed by the number or address: it goes too (it would expire within a day anyway). */
  rateLimitKey: string;
};

export function erasePhone(deps: Deps, actor: Actor, raw: string): Promise<ErasureReceipt> {
  const phone = erasedNumber(raw, deps.config.defaultRegion);
  return erase(deps, actor, {
    phone,
    email: null,
    named: phone,
    noun: 'number',
    find: (tx) => sessionsWithPhone(tx, phone),
    rateLimitKey: `sms-to:${phone}`,
  });
}

/** `email` as the contract gives it (emailSchema: valid and lower-cased). */
export function eraseEmail(deps: Deps, actor: Actor, email: string): Promise<ErasureReceipt> {
  const address = email.toLowerCase();
  return erase(deps, actor, {
    phone: null,
    email: address,
    named: address,
    noun: 'address',
    find: (tx) => sessionsWithEmail(tx, address),
    rateLimitKey: `email-to:${address}`,
  });
}

async function erase(deps: Deps, actor: Actor, subject: Subject): Promise<ErasureReceipt> {
  const now = deps.clock.now();
  // The audit row's subject: how the receipt finds its own row's id.
  const erasureId = randomUUID();
  const left = noLeftovers();
  const receipt = await transaction(deps.db, async (tx) => {
    const sessions = await subject.find(tx);
    const live = sessions.find((s) => isLiveState(s.state));
    if (live) {
      throw new Conflict(
        `The session "${live.name}" (${live.id}) with this ${subject.noun} is still live (${live.state.replace('_', ' ')}). End it first, then erase the ${subject.noun}; nothing was removed.`,
        'session_live',
      );
    }
    const ids = sessions.map((s) => s.id);
    const removed = noneRemoved();
    removed.snapshots = await removeSnapshots(tx, ids, left);
    removed.recordings = await removeRecordings(tx, ids, left);
    removed.chatMessages = await removeChat(tx, ids);
    addCounts(removed, { ...noneRemoved(), ...(await removePhone(tx, ids, now)) });
    removed.auditRowsRedacted += await redactAuditNaming(tx, subject.named, now);
    await tx.delete(rateLimits).where(eq(rateLimits.key, subject.rateLimitKey));
    await audit(tx, actor, 'erasure.completed', { type: 'erasure', id: erasureId }, { sessionIds: ids, ...removed });
    const [row] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'erasure'), eq(auditLog.subjectId, erasureId)));
    const { phone, email } = subject;
    return { phone, email, erasedAt: now.toISOString(), sessionIds: ids, removed, auditId: row!.id };
  });
  await removeFiles(deps, left);
  deps.log.info('erasure completed', { sessions: receipt.sessionIds.length, auditId: receipt.auditId });
  return receipt;
}
