// Socket messages from browsers, validated on arrival. Anything else gets an
// error reply; the socket stays open and nothing else is affected.
import { z } from 'zod';

export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;

// An SDP for one audio and one video stream is 3–6 KB; a candidate line well under 1 KB.
const sdp = z.string().min(10).max(14_000).startsWith('v=0', 'must be an SDP');
const candidate = z
  .strictObject({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullish(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
    usernameFragment: z.string().max(256).nullish(),
  })
  .nullable();
const pc = z.enum(['publish', 'subscribe']);
const peerState = { muted: z.boolean(), camera: z.boolean(), background: z.boolean() };
const sessionId = z.uuid();
/** Echoes the `subscription` of the offer being answered. */
const subscription = z.number().int().positive();

const ping = z.strictObject({ type: z.literal('ping') });

/** /ws/console: every media message names the session; the server checks it is the technician's own. */
export const consoleMessage = z.discriminatedUnion('type', [
  ping,
  z.strictObject({ type: z.literal('media.join'), sessionId }),
  z.strictObject({ type: z.literal('media.leave'), sessionId }),
  z.strictObject({ type: z.literal('rtc.offer'), sessionId, sdp }),
  z.strictObject({ type: z.literal('rtc.answer'), sessionId, sdp, subscription }),
  z.strictObject({ type: z.literal('rtc.candidate'), sessionId, pc, candidate }),
  z.strictObject({ type: z.literal('media.state'), sessionId, ...peerState }),
]);
export type ConsoleMessage = z.output<typeof consoleMessage>;

/** /ws/lens: the socket belongs to one session (the cookie's); no message can name another. */
export const lensMessage = z.discriminatedUnion('type', [
  ping,
  z.strictObject({ type: z.literal('media.join') }),
  z.strictObject({ type: z.literal('media.leave') }),
  z.strictObject({ type: z.literal('rtc.offer'), sdp }),
  z.strictObject({ type: z.literal('rtc.answer'), sdp, subscription }),
  z.strictObject({ type: z.literal('rtc.candidate'), pc, candidate }),
  z.strictObject({ type: z.literal('media.state'), ...peerState }),
]);
export type LensMessage = z.output<typeof lensMessage>;

export type ErrorMessage = { type: 'error'; code: string; message: string };

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
