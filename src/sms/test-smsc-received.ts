// What the test SMSC received: one submit_sm decoded into a part, and the
// parts of a concatenated text joined into the whole message.
import type { DecodedMessage, PDU } from 'smpp';
import { concatInfo, type ConcatInfo } from './encoding.ts';

/** One accepted submit_sm. `text` is this part's text; see ReceivedMessage for whole texts. */
export type ReceivedPart = {
  pdu: PDU;
  to: string;
  from: string;
  text: string;
  messageId: string;
  concat?: ConcatInfo;
};

/** A complete text: a single submit_sm, or every part of a concatenated one joined in order. */
export type ReceivedMessage = {
  to: string;
  from: string;
  text: string;
  /** The first part's id. */
  messageId: string;
  messageIds: string[];
  parts: ReceivedPart[];
};

export function receivedPart(pdu: PDU, messageId: string): ReceivedPart {
  // Long texts may come in message_payload instead, with an empty short_message.
  const body = decodedBody(pdu.short_message)?.message.length
    ? decodedBody(pdu.short_message)
    : decodedBody(pdu.message_payload);
  const message = body?.message ?? '';
  const concat = body?.udh ? concatInfo(body.udh) : undefined;
  return {
    pdu,
    to: pdu.destination_addr ?? '',
    from: pdu.source_addr ?? '',
    // The package decodes data_coding 0/1 (GSM 03.38), 3 (Latin-1) and 8 (UCS-2) to strings.
    text: typeof message === 'string' ? message : message.toString('latin1'),
    messageId,
    ...(concat ? { concat } : {}),
  };
}

function decodedBody(field: PDU['short_message']): DecodedMessage | undefined {
  if (!field || typeof field === 'string' || Buffer.isBuffer(field)) return undefined;
  return { message: field.message, ...(Array.isArray(field.udh) ? { udh: field.udh } : {}) };
}

export function joinParts(parts: ReceivedPart[]): ReceivedMessage {
  const first = parts[0]!;
  const messageIds = parts.map((p) => p.messageId);
  return {
    to: first.to,
    from: first.from,
    text: parts.map((p) => p.text).join(''),
    messageId: messageIds[0]!,
    messageIds,
    parts,
  };
}
