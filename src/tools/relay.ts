// The live tools' messages from the two sockets, checked and passed on
// (docs/tools.md). Each is checked against TOOL_RULES (src/contract/tools.ts):
// the side that may send it, the socket's rate (at arrival, before any work is
// queued: a flood is dropped, not queued), its content where the schema alone
// cannot say, and then the session: the console's must be the technician's own
// (another's is refused as if it did not exist), and in a state the message
// allows. What passes goes out as a `session.tool` event (src/sessions/events.ts);
// the sockets deliver it (src/realtime/routes.ts). A refusal is an `error` on
// the sender's socket, and nothing is relayed or stored.
import { z } from 'zod';
import { text } from '../contract/inputs.ts';
import type { ConsoleMessage, LensMessage, SocketError } from '../contract/socket.ts';
import type { SessionState } from '../contract/states.ts';
import { cleanText } from '../contract/text.ts';
import { CHAT_TEXT_MAX, TOOL_RULES, type ToolMessageType } from '../contract/tools.ts';
import type { Deps } from '../deps.ts';
import { storeChatMessage } from './chat.ts';
import { ToolRates } from './rate.ts';
import { snapshotFailed } from './snapshots.ts';
import { type ToolSession, ToolSessions } from './tool-sessions.ts';
import { ToolUse } from './tool-use.ts';
import { QualityIntake } from '../records/quality.ts';

export type ConsoleToolMessage = Extract<ConsoleMessage, { type: `tool.${string}` | 'chat.send' }>;
export type LensToolMessage = Extract<LensMessage, { type: `tool.${string}` | 'chat.send' | 'snapshot.failed' }>;

/** Whether the relay takes this message (the rest is media signalling, or another part's). */
export const isConsoleTool = (m: ConsoleMessage): m is ConsoleToolMessage =>
  m.type.startsWith('tool.') || m.type === 'chat.send';
export const isLensTool = (m: LensMessage): m is LensToolMessage =>
  m.type.startsWith('tool.') || m.type === 'chat.send' || m.type === 'snapshot.failed';

/** The socket a message came on: its own answers, and its queue (so a socket's messages keep their order). */
export type ToolSender = {
  send(message: unknown): void;
  queue(work: () => Promise<void>): void;
};
/** A console also says whether it joined the session's media (then the chat's echo reaches it as to every joined console). */
export type ConsoleSender = ToolSender & { joinedTo(sessionId: string): boolean };

type Side = 'technician' | 'customer';

const refusal = (code: 'tool_not_allowed' | 'rate_limited' | 'invalid_message', message: string): SocketError => ({
  type: 'error',
  code,
  message,
});

/** The chat's text: the contract's text rule (line breaks and tabs kept), then 1..CHAT_TEXT_MAX characters. */
export const chatText = text('text').pipe(
  z
    .string()
    .min(1, 'The chat message is empty.')
    .max(CHAT_TEXT_MAX, `A chat message is at most ${CHAT_TEXT_MAX} characters.`),
);

/** What the schema cannot check: the chat's text rule, and a label's (no control or text-direction characters). */
function contentProblem(message: ConsoleToolMessage | LensToolMessage): string | undefined {
  if (message.type === 'chat.send') {
    const checked = chatText.safeParse(message.text);
    return checked.success ? undefined : `Bad chat text: ${checked.error.issues[0]?.message ?? 'invalid'}`;
  }
  if (message.type === 'tool.stroke' && message.stroke.text !== undefined) {
    const checked = cleanText('line', message.stroke.text);
    return checked.ok ? undefined : `Bad label text: ${checked.message}`;
  }
  return undefined;
}

/** The refusal of a message in this session's state, or undefined. */
function stateRefusal(type: ToolMessageType, state: SessionState): SocketError | undefined {
  const { states } = TOOL_RULES[type];
  if ((states as readonly string[]).includes(state)) return undefined;
  const allowed = states.map((s) => s.replace('_', ' ')).join(' or ');
  return refusal(
    'tool_not_allowed',
    `This session is ${state.replace('_', ' ')}: ${type} works only while it is ${allowed}.`,
  );
}

/**
 * A message the socket's schema refused that is a tool message of the other
 * side: told so as `tool_not_allowed` rather than as malformed. Runs on
 * refused messages only (they were parsed once already; this is the rare path).
 */
export function wrongSide(data: string | Buffer, side: Side): SocketError | undefined {
  if (typeof data !== 'string') return undefined;
  let type: unknown;
  try {
    type = (JSON.parse(data) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
  if (typeof type !== 'string' || !Object.hasOwn(TOOL_RULES, type)) return undefined;
  const { from } = TOOL_RULES[type as ToolMessageType];
  if (from === 'both' || from === side) return undefined;
  return refusal('tool_not_allowed', `Only the ${from} sends ${type}.`);
}

/** One per app: the sessions' cache, the sockets' rates, and the checks. */
export class ToolRelay {
  readonly sessions: ToolSessions;
  readonly rates: ToolRates;
  private readonly use: ToolUse;
  /** The consoles' `stats.sample`: checked against the same sessions' cache. */
  readonly quality: QualityIntake;

  constructor(private readonly deps: Deps) {
    this.sessions = new ToolSessions(deps);
    this.rates = new ToolRates(deps.clock);
    this.use = new ToolUse(deps.db);
    this.quality = new QualityIntake(deps, this.sessions);
  }

  /** A session changed: its state is read again on its next message. */
  changed(sessionId: string): void {
    this.sessions.forget(sessionId);
  }

  /** A tool or chat message from a technician's console, naming the session. */
  fromConsole(socket: ConsoleSender, technicianId: string, message: ConsoleToolMessage): void {
    if (!this.admitted(socket, 'technician', message)) return;
    // When it came: the socket's queue may run it after later work is sent (the timeline orders by this).
    const at = new Date();
    socket.queue(async () => {
      const session = await this.sessions.get(message.sessionId);
      if (session?.technicianId !== technicianId) return socket.send(refusal('tool_not_allowed', 'No such session.'));
      const refused = stateRefusal(message.type, session.state);
      if (refused) return socket.send(refused);
      if (message.type !== 'chat.send') {
        this.deps.events.tool({ sessionId: message.sessionId, technicianId, to: 'customer', message });
        // After the relay: the phone does not wait for the timeline's row.
        await this.use.used(message.sessionId, technicianId, message, at);
        return;
      }
      const sent = await this.chat(message.sessionId, session, 'technician', message.text);
      // The echo is the sender's acknowledgement: a console that did not join the media gets it here.
      if (!socket.joinedTo(message.sessionId)) socket.send(sent);
    });
  }

  /** A tool or chat message from the customer's Lens page: its cookie's session. */
  fromLens(socket: ToolSender, sessionId: string, message: LensToolMessage): void {
    if (!this.admitted(socket, 'customer', message)) return;
    socket.queue(async () => {
      const session = await this.sessions.get(sessionId);
      if (!session) return socket.send(refusal('tool_not_allowed', 'No such session.'));
      const refused = stateRefusal(message.type, session.state);
      if (refused) return socket.send(refused);
      if (message.type === 'chat.send') {
        await this.chat(sessionId, session, 'customer', message.text);
        return;
      }
      // The phone could not take the photo asked for: the request fails now, not at its timeout.
      if (message.type === 'snapshot.failed') {
        await snapshotFailed(this.deps, sessionId, message.snapshotId, message.code);
        return;
      }
      const { technicianId } = session;
      const event = { type: message.type, sessionId, tools: message.tools };
      this.deps.events.tool({ sessionId, technicianId, to: 'technician', message: event });
    });
  }

  /** The checks that need no session: the rate, then the content. False when refused (and told, where it should be). */
  private admitted(socket: ToolSender, side: Side, message: ConsoleToolMessage | LensToolMessage): boolean {
    // The sockets' schemas already keep each side to its own messages; this keeps TOOL_RULES the one word on it.
    const { from } = TOOL_RULES[message.type];
    if (from !== 'both' && from !== side) {
      socket.send(refusal('tool_not_allowed', `Only the ${from} sends ${message.type}.`));
      return false;
    }
    const rate = this.rates.take(socket, message.type);
    if (rate === 'tell') socket.send(refusal('rate_limited', `Too many ${message.type} messages: slow down.`));
    if (rate !== 'ok') return false;
    const problem = contentProblem(message);
    if (problem) socket.send(refusal('invalid_message', problem));
    return !problem;
  }

  /** Stores the message, then sends it to both sides; returns what was sent. */
  private async chat(sessionId: string, session: ToolSession, from: Side, raw: string) {
    const cleaned = chatText.parse(raw);
    const stored = await storeChatMessage(this.deps, sessionId, from, cleaned);
    const message = { type: 'chat.message', sessionId, message: stored };
    this.deps.events.tool({ sessionId, technicianId: session.technicianId, to: 'both', message });
    return message;
  }
}
