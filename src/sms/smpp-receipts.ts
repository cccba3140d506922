// Delivery receipts: what a deliver_sm with the receipt flag says about one part.
import type { PDU } from 'smpp';
import { parseReceipt } from './encoding.ts';
import type { DeliveryReport } from './gateway.ts';

const ESM_CLASS_RECEIPT = 0x04;
/** message_state TLV values, for receipts that carry no readable text. */
const MESSAGE_STATES = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

/**
 * The report in a deliver_sm; `mobile-originated` when it is a text from a
 * handset rather than a receipt; undefined when a receipt names no message or state.
 */
export function deliveryReport(pdu: PDU): DeliveryReport | 'mobile-originated' | undefined {
  if (!((pdu.esm_class ?? 0) & ESM_CLASS_RECEIPT)) return 'mobile-originated';
  const receipt = parseReceipt(bodyText(pdu.short_message) || bodyText(pdu.message_payload));
  // receipted_message_id has the submit_sm_resp format; the text id is sometimes in decimal.
  const messageId = pdu.receipted_message_id || receipt?.messageId;
  const stat = receipt?.stat ?? (pdu.message_state === undefined ? undefined : MESSAGE_STATES[pdu.message_state]);
  if (!messageId || !stat) return undefined;
  return {
    messageId,
    delivered: stat === 'DELIVRD',
    stat,
    ...(receipt?.err ? { err: receipt.err } : {}),
  };
}

function bodyText(field: PDU['short_message']): string {
  if (!field) return '';
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  return typeof field.message === 'string' ? field.message : field.message.toString('latin1');
}
