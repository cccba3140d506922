// Erasure (docs/records.md, "Retention and erasure"): a data subject asks for
// everything Loupe keeps about their phone number to go. An administrator
// removes, for every session with that number whatever its age, what
// retention would remove at the end of every period, and redacts the audit
// rows that name the number, in one transaction; the files go after the
// commit. A live session is refused: its customer may be on the line, and the
// technician's screen would lose what it shows; the administrator ends it first.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, or } from 'drizzle-orm';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { audit, type Actor } from '../audit/audit.ts';
import type { ErasureReceipt } from '../contract/records.ts';
import { isLiveState } from '../contract/states.ts';
import { auditLog, lensSessions, rateLimits, smsMessages } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, Conflict, Invalid } from '../http/errors.ts';
import { normalisePhone } from '../sessions/phone.ts';
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

/** Digits and what people write between them; letters are a typo here, not a vanity number. */
const PHONE_CHARACTERS = /^[\d\s+()./-]+$/;

/**
 * The number as sessions store it (E.164), read as session creation reads it.
 * A valid number that cannot take texts (a landline) was never stored, but is
 * accepted: erasing it answers zeros, which is the truth.
 */
export function erasedNumber(raw: string, region: CountryCode): string {
  const refuse = (message: string) => new Invalid(message, [{ path: 'phone', message }]);
  if (!PHONE_CHARACTERS.test(raw))
    throw refuse('A phone number has only digits, spaces and + ( ) - . / — check what was typed.');
  try {
    return normalisePhone(raw, region).e164;
  } catch (err) {
    const number = parsePhoneNumberFromString(raw, { defaultCountry: region });
    if (number?.isValid()) return number.number;
    if (err instanceof AppError) throw refuse(`"${raw}" is not a valid phone number. Write it with the country code.`);
    throw err;
  }
}

export async function erasePhone(deps: Deps, actor: Actor, raw: string): Promise<ErasureReceipt> {
  const phone = erasedNumber(raw, deps.config.defaultRegion);
  const now = deps.clock.now();
  // The audit row's subject: how the receipt finds its own row's id.
  const erasureId = randomUUID();
  const left = noLeftovers();
  const receipt = await transaction(deps.db, async (tx) => {
    const withNumber = tx.select({ id: smsMessages.sessionId }).from(smsMessages).where(eq(smsMessages.to, phone));
    const sessions = await tx
      .select({ id: lensSessions.id, name: lensSessions.name, state: lensSessions.state })
      .from(lensSessions)
      .where(or(eq(lensSessions.phone, phone), inArray(lensSessions.id, withNumber)))
      .orderBy(lensSessions.createdAt, lensSessions.id)
      .for('update');
    const live = sessions.find((s) => isLiveState(s.state));
    if (live) {
      throw new Conflict(
        `The session "${live.name}" (${live.id}) with this number is still live (${live.state.replace('_', ' ')}). End it first, then erase the number; nothing was removed.`,
        'session_live',
      );
    }
    const ids = sessions.map((s) => s.id);
    const removed = noneRemoved();
    removed.snapshots = await removeSnapshots(tx, ids, left);
    removed.recordings = await removeRecordings(tx, ids, left);
    removed.chatMessages = await removeChat(tx, ids);
    addCounts(removed, { ...noneRemoved(), ...(await removePhone(tx, ids, now)) });
    removed.auditRowsRedacted += await redactAuditNaming(tx, phone, now);
    // The SMS quota's counter is keyed by the number: it goes too (it would expire within a day anyway).
    await tx.delete(rateLimits).where(eq(rateLimits.key, `sms-to:${phone}`));
    await audit(tx, actor, 'erasure.completed', { type: 'erasure', id: erasureId }, { sessionIds: ids, ...removed });
    const [row] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'erasure'), eq(auditLog.subjectId, erasureId)));
    return { phone, erasedAt: now.toISOString(), sessionIds: ids, removed, auditId: row!.id };
  });
  await removeFiles(deps, left);
  deps.log.info('erasure completed', { sessions: receipt.sessionIds.length, auditId: receipt.auditId });
  return receipt;
}
