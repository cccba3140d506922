// Socket messages from browsers, validated on arrival. Anything else gets an
// error reply; the socket stays open and nothing else is affected.
import type { z } from 'zod';
import { MAX_SOCKET_MESSAGE_BYTES, type SocketError } from '../contract/socket.ts';

// The schemas of every message, both ways, are in the contract shared with the web app.
export {
  type ConsoleMessage,
  consoleMessage,
  type LensMessage,
  lensMessage,
  MAX_SOCKET_MESSAGE_BYTES,
} from '../contract/socket.ts';

export type ErrorMessage = SocketError;

export function parseClientMessage<S extends z.ZodType>(raw: unknown, schema: S): z.output<S> | ErrorMessage {
  if (typeof raw !== 'string') return { type: 'error', code: 'invalid_message', message: 'Send JSON text messages.' };
  if (raw.length > MAX_SOCKET_MESSAGE_BYTES)
    return { type: 'error', code: 'message_too_large', message: 'The message is too large.' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { type: 'error', code: 'invalid_message', message: 'The message is not valid JSON.' };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return {
      type: 'error',
      code: 'invalid_message',
      message: `Unknown or malformed message: ${issue?.message ?? 'invalid'}${where}.`,
    };
  }
  return parsed.data;
}

/** Browsers always send Origin on a WebSocket upgrade; another site's page must not ride on the cookie. */
export function sameOrigin(requestUrl: string, origin: string | undefined, trusted: string): boolean {
  return origin !== undefined && (origin === new URL(requestUrl).origin || origin === trusted);
}
