// In-process notifications after a commit: a session changed (the console and
// Lens sockets re-read it) or an SMS was queued (the outbox wakes up).
// Emitted only after the transaction committed, so listeners read what was written.
// Several nodes would relay these over PostgreSQL LISTEN/NOTIFY (docs/architecture.md, "One node today").
import { EventEmitter } from 'node:events';

export type SessionChanged = {
  sessionId: string;
  technicianId: string;
  /** The state the change left the session in, when the emitter knows it: listeners that only care about some states can skip re-reading. */
  state?: string;
};

export class Events {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open socket: many technicians and customers at once is normal.
    this.emitter.setMaxListeners(0);
  }

  sessionChanged(change: SessionChanged): void {
    this.emitter.emit('session', change);
  }

  onSessionChanged(listener: (change: SessionChanged) => void): () => void {
    this.emitter.on('session', listener);
    return () => this.emitter.off('session', listener);
  }

  smsQueued(): void {
    this.emitter.emit('sms');
  }

  onSmsQueued(listener: () => void): () => void {
    this.emitter.on('sms', listener);
    return () => this.emitter.off('sms', listener);
  }
}
