// Socket messages from browsers, validated on arrival. Anything else gets an
// error reply; the socket stays open and nothing else is affected.
import { z } from 'zod';

export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;

export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.output<typeof clientMessage>;

export type ErrorMessage = { type: 'error'; code: string; message: string };

export function parseClientMessage(raw: unknown): ClientMessage | ErrorMessage {
  if (typeof raw !== 'string') return { type: 'error', code: 'invalid_message', message: 'Send JSON text messages.' };
  if (raw.length > MAX_SOCKET_MESSAGE_BYTES) return { type: 'error', code: 'message_too_large', message: 'The message is too large.' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { type: 'error', code: 'invalid_message', message: 'The message is not valid JSON.' };
  }
  const parsed = clientMessage.safeParse(value);
  if (!parsed.success) return { type: 'error', code: 'invalid_message', message: `Unknown or malformed message: ${parsed.error.issues[0]?.message ?? 'invalid'}.` };
  return parsed.data;
}

/** Browsers always send Origin on a WebSocket upgrade; another site's page must not ride on the cookie. */
export function sameOrigin(requestUrl: string, origin: string | undefined, trusted: string): boolean {
  return origin !== undefined && (origin === new URL(requestUrl).origin || origin === trusted);
}
