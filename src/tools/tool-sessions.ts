// The one thing the relay needs to know of a session per message: whose it is
// and what state it is in. Read once and kept until the session's change
// event (events.onSessionChanged) drops it, so a pointer streaming at 60
// messages a second costs no database read per message (docs/tools.md).
import { eq } from 'drizzle-orm';
import type { SessionState } from '../contract/states.ts';
import { lensSessions } from '../db/schema.ts';
import type { Deps } from '../deps.ts';

export type ToolSession = { technicianId: string; state: SessionState };

/**
 * Sessions kept at most. Ended sessions never change again, so nothing drops
 * them; past this the oldest read goes first (a Map keeps insertion order),
 * and a page naming many sessions cannot make the cache grow without bound.
 */
const KEPT_MAX = 10_000;

export class ToolSessions {
  /**
   * The read itself is kept, not its row: messages arriving while it runs wait
   * on the same promise (one read, and they resolve in the order they came).
   * A change drops the entry, so a read that was in flight is not kept past it.
   */
  private readonly kept = new Map<string, Promise<ToolSession | undefined>>();

  constructor(private readonly deps: Pick<Deps, 'db'>) {}

  get(sessionId: string): Promise<ToolSession | undefined> {
    const there = this.kept.get(sessionId);
    if (there) return there;
    const read = this.read(sessionId);
    this.kept.set(sessionId, read);
    if (this.kept.size > KEPT_MAX) this.kept.delete(this.kept.keys().next().value!);
    // A session that does not exist is not kept: a page could name any number of made-up ids.
    void read.then(
      (found) => {
        if (!found && this.kept.get(sessionId) === read) this.kept.delete(sessionId);
      },
      () => {
        if (this.kept.get(sessionId) === read) this.kept.delete(sessionId);
      },
    );
    return read;
  }

  /** The session changed (its state, or it ended): the next message reads it again. */
  forget(sessionId: string): void {
    this.kept.delete(sessionId);
  }

  get size(): number {
    return this.kept.size;
  }

  private async read(sessionId: string): Promise<ToolSession | undefined> {
    const [row] = await this.deps.db
      .select({ technicianId: lensSessions.technicianId, state: lensSessions.state })
      .from(lensSessions)
      .where(eq(lensSessions.id, sessionId));
    return row;
  }
}
