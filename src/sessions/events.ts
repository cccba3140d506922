// In-process notifications after a commit: a session changed (the console and
// Lens sockets re-read it), a technician's sign-in ended (their console sockets
// close) or an SMS was queued (the outbox wakes up).
// Emitted only after the transaction committed, so listeners read what was written.
// With several nodes, src/cluster/relay.ts carries each one to the other nodes
// over PostgreSQL LISTEN/NOTIFY and delivers what they emitted here
// (docs/architecture.md, "Several nodes"): each payload is plain JSON, and
// hearing one twice does no harm.
import { EventEmitter } from 'node:events';

export type SessionChanged = {
  sessionId: string;
  technicianId: string;
  /** The state the change left the session in, when the emitter knows it: listeners that only care about some states can skip re-reading. */
  state?: string;
};

/**
 * Sign-ins of a technician ended (`technician.signed_out`): their console
 * sockets on every node close with 4401. With `authSessionId`, only that
 * sign-in ended (a logout); without it, every sign-in of the technician but
 * `keptAuthSessionId` (disabled, or a password reset done from that sign-in).
 * The sign-in rows are already deleted when this is emitted: REST refuses them.
 */
export type SignedOut = {
  technicianId: string;
  authSessionId?: string;
  keptAuthSessionId?: string;
  reason: 'logout' | 'password_reset' | 'disabled';
};

/**
 * A live-tool message for a session's pages (`session.tool`): `to` says whose
 * (the phone's Lens sockets, the consoles that joined the session's media, or
 * both). `message` is one of the contract's tool events (src/contract/tools.ts),
 * already checked; a relay over NOTIFY would carry it as is (at most a few KB).
 */
export type ToolEvent = {
  sessionId: string;
  technicianId: string;
  to: 'customer' | 'technician' | 'both';
  message: { type: string; sessionId: string } & Record<string, unknown>;
};

/**
 * A session's media moved to another node (`lens_sessions.media_node`), the
 * one holding it being gone (src/realtime/media-router.ts): every node sends
 * the session's signalling there from now on, and the session's pages on every
 * node are told to publish and join again.
 */
export type MediaMoved = { sessionId: string; technicianId: string; node: string };

/** The kinds of event, as the relay names them on the wire. */
export const EVENT_KINDS = ['session', 'technician.signed_out', 'session.tool', 'sms', 'email', 'media.moved'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export class Events {
  private readonly emitter = new EventEmitter();
  private outbound: ((kind: EventKind, payload: unknown) => void) | undefined;
  private toolDelivery: ((event: ToolEvent) => boolean) | undefined;

  constructor() {
    // One listener per open socket: many technicians and customers at once is normal.
    this.emitter.setMaxListeners(0);
  }

  /** Every event emitted on this node from now on is also handed to `send` (the cluster relay). */
  relayTo(send: ((kind: EventKind, payload: unknown) => void) | undefined): void {
    this.outbound = send;
  }

  /** An event another node emitted: told to this node's listeners only, never relayed back. */
  deliver(kind: EventKind, payload: unknown): void {
    if (kind === 'session.tool') this.toolDelivery?.(payload as ToolEvent);
    this.emitter.emit(kind, payload);
  }

  private emit(kind: EventKind, payload?: unknown): void {
    this.emitter.emit(kind, payload);
    this.outbound?.(kind, payload);
  }

  sessionChanged(change: SessionChanged): void {
    this.emit('session', change);
  }

  onSessionChanged(listener: (change: SessionChanged) => void): () => void {
    this.emitter.on('session', listener);
    return () => this.emitter.off('session', listener);
  }

  signedOut(event: SignedOut): void {
    this.emit('technician.signed_out', event);
  }

  onSignedOut(listener: (event: SignedOut) => void): () => void {
    this.emitter.on('technician.signed_out', listener);
    return () => this.emitter.off('technician.signed_out', listener);
  }

  /**
   * A live-tool message: to this node's sockets first (the socket layer's
   * delivery, see deliverToolsWith), and to the other nodes only when a page
   * it is for is not here. A technician drawing sends 60 a second: with both
   * pages on one node they never touch PostgreSQL.
   */
  tool(event: ToolEvent): void {
    const allHere = this.toolDelivery?.(event) ?? false;
    this.emitter.emit('session.tool', event);
    if (!allHere) this.outbound?.('session.tool', event);
  }

  /** The socket layer's delivery of tool messages to this node's sockets: true when every page the message is for is here. */
  deliverToolsWith(delivery: ((event: ToolEvent) => boolean) | undefined): void {
    this.toolDelivery = delivery;
  }

  onTool(listener: (event: ToolEvent) => void): () => void {
    this.emitter.on('session.tool', listener);
    return () => this.emitter.off('session.tool', listener);
  }

  mediaMoved(event: MediaMoved): void {
    this.emit('media.moved', event);
  }

  onMediaMoved(listener: (event: MediaMoved) => void): () => void {
    this.emitter.on('media.moved', listener);
    return () => this.emitter.off('media.moved', listener);
  }

  smsQueued(): void {
    this.emit('sms');
  }

  onSmsQueued(listener: () => void): () => void {
    this.emitter.on('sms', listener);
    return () => this.emitter.off('sms', listener);
  }

  /** An e-mail invitation was queued (the e-mail outbox, src/email/outbox.ts, wakes up). */
  emailQueued(): void {
    this.emit('email');
  }

  onEmailQueued(listener: () => void): () => void {
    this.emitter.on('email', listener);
    return () => this.emitter.off('email', listener);
  }
}
