// The technician's controls on a session the customer has joined: Start (a
// private media room is opened and the session becomes `active`), hold and
// resume. Ending is in end.ts; the media follows state changes (media/lifecycle.ts).
import { eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { lensSessions, type SessionState } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, NotFound, Unavailable } from '../http/errors.ts';
import { MediaUnavailable, type MediaService } from '../media/service.ts';
import type { Room } from '../media/videoroom.ts';
import { beginRecording, discardRawFolder, makeRawFolder } from '../records/recording-rows.ts';
import { lockOwnSession } from './end.ts';
import { assertTransition } from './states.ts';
import { sessionView, type SessionView } from './view.ts';

export type RoomOpener = Pick<MediaService, 'openRoom' | 'activate' | 'close'>;

/**
 * Starts in progress in one app: a double click must not open two rooms. One per
 * app (createApp makes it), not per module, so two apps in one process (tests)
 * do not see each other's starts.
 */
export class Starts {
  private readonly starting = new Set<string>();

  /** Claims the session's start; false when one is already running. */
  claim(sessionId: string): boolean {
    if (this.starting.has(sessionId)) return false;
    this.starting.add(sessionId);
    return true;
  }

  done(sessionId: string): void {
    this.starting.delete(sessionId);
  }
}

/** What Start needs beside Deps: the media service (absent: Start answers 503) and the app's Starts. */
export type StartParts = { media?: RoomOpener; starts: Starts };

export async function startSession(
  deps: Deps,
  { media, starts }: StartParts,
  technicianId: string,
  id: string,
): Promise<SessionView> {
  if (!media) throw new Unavailable('Media is not available on this server.', 'media_unavailable');
  const [current] = await deps.db.select().from(lensSessions).where(eq(lensSessions.id, id));
  if (!current || current.technicianId !== technicianId) throw new NotFound('No such session.');
  assertTransition(current.state, 'active');
  if (!starts.claim(id)) throw new Conflict('This session is already starting.', 'invalid_state');
  let room: Room | undefined;
  let recordTo: string | undefined;
  try {
    // The room is made before the transaction: no database lock waits for Janus.
    // A recorded session records from here on (never before Start), into a folder made first.
    recordTo = current.recorded ? await makeRawFolder(deps.config.dataDir, id) : undefined;
    room = await media.openRoom(current, { recordTo });
    const view = await transaction(deps.db, async (tx) => {
      const session = await lockOwnSession(tx, technicianId, id);
      assertTransition(session.state, 'active');
      const now = deps.clock.now();
      await tx
        .update(lensSessions)
        .set({
          state: 'active',
          startedAt: now,
          roomId: room!.id,
          roomSecret: room!.secret,
          janusServer: room!.server ?? null,
          updatedAt: now,
        })
        .where(eq(lensSessions.id, id));
      await audit(tx, { type: 'technician', id: technicianId }, 'session.started', { type: 'session', id }, {});
      if (current.recorded) await beginRecording(tx, id, now);
      return (await sessionView(tx, deps.config, id))!;
    });
    // Before anyone is told: a subscription made while the customer waited starts
    // relaying now. The session is active whatever Janus says; a page that finds
    // no picture joins again.
    await media.activate(id).catch((err) => deps.log.warn('media not resumed at Start', { sessionId: id, err }));
    deps.events.sessionChanged({ sessionId: id, technicianId });
    return view;
  } catch (err) {
    if (room)
      await media
        .close(
          { id, name: current.name, state: current.state, roomId: room.id, roomSecret: room.secret },
          { ended: false },
        )
        .catch(() => false);
    // Start did not happen, so neither did the recording: what Janus wrote meanwhile goes.
    if (recordTo) await discardRawFolder(deps.config.dataDir, id).catch(() => {});
    if (err instanceof MediaUnavailable) throw new Unavailable(err.message, 'media_unavailable');
    throw err;
  } finally {
    starts.done(id);
  }
}

/** Hold (`on_hold`: media paused both ways) and resume (`active`). */
export async function holdSession(deps: Deps, technicianId: string, id: string, hold: boolean): Promise<SessionView> {
  const to: SessionState = hold ? 'on_hold' : 'active';
  const view = await transaction(deps.db, async (tx) => {
    const session = await lockOwnSession(tx, technicianId, id);
    // waiting → active is Start's move (it opens the room), not resume's.
    if (!hold && session.state !== 'on_hold')
      throw new Conflict('Only a session on hold can be resumed.', 'invalid_state');
    assertTransition(session.state, to);
    await tx.update(lensSessions).set({ state: to, updatedAt: deps.clock.now() }).where(eq(lensSessions.id, id));
    await audit(
      tx,
      { type: 'technician', id: technicianId },
      hold ? 'session.held' : 'session.resumed',
      { type: 'session', id },
      {},
    );
    return (await sessionView(tx, deps.config, id))!;
  });
  deps.events.sessionChanged({ sessionId: id, technicianId });
  return view;
}
