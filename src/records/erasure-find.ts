// Whose data an erasure removes (src/records/erasure.ts): the subject as
// sessions store it, and every session that names it, locked for the erasure's
// transaction. By phone number (on the session or in its SMS rows) or by
// e-mail address (on the session or in its e-mail rows).
import { eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { SessionState } from '../contract/states.ts';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { emailMessages, lensSessions, smsMessages } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { AppError, Invalid } from '../http/errors.ts';
import { normalisePhone } from '../sessions/phone.ts';

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

export type FoundSession = { id: string; name: string; state: SessionState };

async function lockSessions(tx: Tx, where: SQL | undefined): Promise<FoundSession[]> {
  return tx
    .select({ id: lensSessions.id, name: lensSessions.name, state: lensSessions.state })
    .from(lensSessions)
    .where(where)
    .orderBy(lensSessions.createdAt, lensSessions.id)
    .for('update');
}

/** Sessions with the number (E.164) on the session or in one of its SMS rows. */
export function sessionsWithPhone(tx: Tx, phone: string): Promise<FoundSession[]> {
  const texted = tx.select({ id: smsMessages.sessionId }).from(smsMessages).where(eq(smsMessages.to, phone));
  return lockSessions(tx, or(eq(lensSessions.phone, phone), inArray(lensSessions.id, texted)));
}

/**
 * Sessions with the address on the session or in one of its e-mail rows.
 * Session creation stores it lower-cased (emailSchema); the columns are
 * compared lower-cased all the same, so a row written another way is found too.
 */
export function sessionsWithEmail(tx: Tx, email: string): Promise<FoundSession[]> {
  const address = email.toLowerCase();
  const mailed = tx
    .select({ id: emailMessages.sessionId })
    .from(emailMessages)
    .where(sql`lower(${emailMessages.to}) = ${address}`);
  return lockSessions(tx, or(sql`lower(${lensSessions.email}) = ${address}`, inArray(lensSessions.id, mailed)));
}
