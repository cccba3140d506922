// One node of the cluster runs the timers that must run once (PIN expiry,
// customer time-out, retention, housekeeping): the one holding a PostgreSQL
// session-level advisory lock on a connection of its own. A node that dies
// loses its connection and with it the lock, and the next node to try (every
// LEADER_CHECK_MS) takes over. A node cut off from PostgreSQL finds out at its
// next check and stops leading; until then two nodes may both run a timer,
// which does no harm: each timer's work is a conditional UPDATE that acts on
// a row once (a PIN expires once, a session times out once).
import type { Sql } from 'postgres';
import type { Logger } from '../log.ts';

/** 'Loupe' in ASCII: an advisory lock key no other part of Loupe uses (the audit chain's is its own). */
export const LEADER_LOCK_KEY = 0x4c6f757065;
export const LEADER_CHECK_MS = 5_000;

export type Leadership = {
  isLeader(): boolean;
  stop(): Promise<void>;
};

/** A node alone (embedded PGlite): always the leader. */
export const soleLeader = (): Leadership => ({ isLeader: () => true, stop: async () => {} });

/**
 * `pg` must be a client of its own with one connection (Database.openSingle):
 * the lock belongs to that connection's backend, and when postgres-js has to
 * reconnect, the new backend's pid tells that the lock is gone. (A connection
 * reserved from the shared pool cannot be used for this: once cut, postgres-js
 * throws from a timer when it is written to.) The client is ended by stop().
 */
export async function electLeader(pg: Sql, log: Logger, checkMs = LEADER_CHECK_MS): Promise<Leadership> {
  let leading = false;
  /** The backend holding the lock: a connection postgres-js replaced behind our back holds nothing. */
  let holder: number | undefined;
  let stopped = false;
  let checking: Promise<void> = Promise.resolve();

  const drop = () => {
    if (leading) log.warn('cluster: no longer the leader (lost the connection holding the lock)');
    leading = false;
  };

  const check = async () => {
    try {
      if (leading) {
        const [now] = await pg<{ pid: number }[]>`select pg_backend_pid() as pid`;
        if (now?.pid === holder) return; // the same connection, so still holding the lock
        drop();
      }
      const [row] = await pg<
        { ok: boolean; pid: number }[]
      >`select pg_try_advisory_lock(${LEADER_LOCK_KEY}) as ok, pg_backend_pid() as pid`;
      if (row?.ok) {
        leading = true;
        holder = row.pid;
        log.info('cluster: this node is the leader (runs the cluster-wide timers)');
      }
    } catch (err) {
      log.warn('cluster: leader check failed', { err: err instanceof Error ? err.message : String(err) });
      drop();
    }
  };

  await check();
  const timer = setInterval(() => {
    if (!stopped) checking = checking.then(check);
  }, checkMs);
  timer.unref();

  return {
    isLeader: () => leading,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await checking;
      leading = false;
      // Ending the connection releases the lock; the next node's check takes over.
      await pg.end({ timeout: 2 }).catch(() => {});
    },
  };
}
