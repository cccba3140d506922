// One node of the cluster runs the timers that must run once (PIN expiry,
// customer time-out, retention, housekeeping): the one holding a PostgreSQL
// session-level advisory lock on a connection of its own. A node that dies
// loses its connection and with it the lock, and the next node to try (every
// LEADER_CHECK_MS) takes over. A node cut off from PostgreSQL finds out at its
// next check and stops leading; until then two nodes may both run a timer,
// which does no harm: each timer's work is a conditional UPDATE that acts on
// a row once (a PIN expires once, a session times out once).
import type { ReservedSql, Sql } from 'postgres';
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

export async function electLeader(pg: Sql, log: Logger, checkMs = LEADER_CHECK_MS): Promise<Leadership> {
  let reserved: ReservedSql | undefined;
  let leading = false;
  /** The backend holding the lock: a connection postgres-js replaced behind our back holds nothing. */
  let holder: number | undefined;
  let stopped = false;
  let checking: Promise<void> = Promise.resolve();

  const drop = () => {
    reserved?.release();
    reserved = undefined;
    if (leading) log.warn('cluster: no longer the leader (lost the connection holding the lock)');
    leading = false;
  };

  const check = async () => {
    try {
      if (leading && reserved) {
        const [now] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
        if (now?.pid === holder) return; // the same connection, so still holding the lock
        drop();
      }
      reserved ??= await pg.reserve();
      const [row] = await reserved<
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
      if (leading && reserved) await reserved`select pg_advisory_unlock(${LEADER_LOCK_KEY})`.catch(() => {});
      leading = false;
      reserved?.release();
      reserved = undefined;
    },
  };
}
