// Retention (docs/records.md, "Retention and erasure"): what a session leaves
// behind is kept for its group's number of days after the session ended, then
// removed by a daily job. Each kind has its own days; the group is the one the
// owner is in now (as for who sees the record). Removal runs in batches of
// sessions, one transaction each, so a first purge of years of sessions never
// holds one giant transaction; files go after each commit.
import { and, eq, exists, isNotNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { DEFAULT_GROUP_SETTINGS, type GroupSettings } from '../contract/rights.ts';
import {
  chatMessages,
  emailMessages,
  groups,
  lensSessions,
  recordings,
  settings as settingsRows,
  smsMessages,
  snapshots,
  technicians,
} from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import {
  addCounts,
  noLeftovers,
  noneRemoved,
  REMOVED,
  removeChat,
  removeFiles,
  removePhone,
  removeRecordings,
  removeSnapshots,
  type Leftovers,
  type RemovedCounts,
} from './removal.ts';

const DAY_MS = 86_400_000;
/** Sessions per transaction. */
export const RETENTION_BATCH = 200;

type Kind = {
  days: keyof Pick<
    GroupSettings,
    'snapshotRetentionDays' | 'recordingRetentionDays' | 'chatRetentionDays' | 'phoneRetentionDays'
  >;
  /** The sessions that still hold something of this kind. */
  holds: SQL;
  remove(tx: Tx, ids: string[], now: Date, left: Leftovers): Promise<Partial<RemovedCounts>>;
};

const KINDS: Kind[] = [
  {
    days: 'snapshotRetentionDays',
    holds: exists(sql`(select 1 from ${snapshots} where ${snapshots.sessionId} = ${lensSessions.id})`),
    remove: async (tx, ids, _now, left) => ({ snapshots: await removeSnapshots(tx, ids, left) }),
  },
  {
    days: 'recordingRetentionDays',
    holds: exists(sql`(select 1 from ${recordings} where ${recordings.sessionId} = ${lensSessions.id})`),
    remove: async (tx, ids, _now, left) => ({ recordings: await removeRecordings(tx, ids, left) }),
  },
  {
    days: 'chatRetentionDays',
    holds: exists(sql`(select 1 from ${chatMessages} where ${chatMessages.sessionId} = ${lensSessions.id})`),
    remove: async (tx, ids) => ({ chatMessages: await removeChat(tx, ids) }),
  },
  {
    days: 'phoneRetentionDays',
    // The e-mail address is contact data like the phone number: the same days (docs/records.md).
    holds: or(
      isNotNull(lensSessions.phone),
      exists(
        sql`(select 1 from ${smsMessages} where ${smsMessages.sessionId} = ${lensSessions.id} and ${ne(smsMessages.text, REMOVED)})`,
      ),
      isNotNull(lensSessions.email),
      exists(
        sql`(select 1 from ${emailMessages} where ${emailMessages.sessionId} = ${lensSessions.id} and ${ne(emailMessages.text, REMOVED)})`,
      ),
    )!,
    remove: (tx, ids, now) => removePhone(tx, ids, now),
  },
];

/**
 * Removes everything whose retention ran out by `now`, and writes one audit
 * row `retention.purged` with the counts (also when nothing expired, so the
 * audit shows the job ran). Answers the counts.
 */
export async function purgeExpired(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  now: Date,
  batch = RETENTION_BATCH,
): Promise<RemovedCounts> {
  const total = noneRemoved();
  const all = await deps.db.select({ id: groups.id, settings: groups.settings }).from(groups);
  for (const group of all) {
    const settings = { ...DEFAULT_GROUP_SETTINGS, ...group.settings };
    for (const kind of KINDS) {
      const cutoff = new Date(now.getTime() - settings[kind.days] * DAY_MS);
      addCounts(total, await purgeKind(deps, { groupId: group.id, kind, cutoff, now, batch }));
    }
  }
  await transaction(deps.db, (tx) => audit(tx, { type: 'system' }, 'retention.purged', undefined, { ...total }));
  deps.log.info('retention purged', { ...total });
  return total;
}

/** One kind for one group's sessions that ended before `cutoff`, a batch per transaction. */
async function purgeKind(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  { groupId, kind, cutoff, now, batch }: { groupId: string; kind: Kind; cutoff: Date; now: Date; batch: number },
): Promise<RemovedCounts> {
  const counts = noneRemoved();
  for (;;) {
    const left = noLeftovers();
    const done = await transaction(deps.db, async (tx) => {
      const expired = await tx
        .select({ id: lensSessions.id })
        .from(lensSessions)
        .innerJoin(technicians, eq(technicians.id, lensSessions.technicianId))
        .where(and(eq(technicians.groupId, groupId), lt(lensSessions.endedAt, cutoff), kind.holds))
        .orderBy(lensSessions.endedAt, lensSessions.id)
        .limit(batch);
      const ids = expired.map((r) => r.id);
      addCounts(counts, { ...noneRemoved(), ...(await kind.remove(tx, ids, now, left)) });
      return ids.length;
    });
    await removeFiles(deps, left);
    if (done < batch) return counts;
  }
}

/** The settings row whose `updated_at` says when the cluster last ran the job. */
export const RETENTION_RUN_KEY = 'retention.lastRun';

/**
 * True for one caller per period across every node: moves the last run to
 * `now` only if it is older than `everyMs` (one conditional upsert, so two
 * nodes asking at once cannot both win).
 */
export async function claimRetentionRun(deps: Pick<Deps, 'db'>, now: Date, everyMs: number): Promise<boolean> {
  const cutoff = new Date(now.getTime() - everyMs + 60_000); // a minute's slack: a check a little early still counts
  const claimed = await deps.db
    .insert(settingsRows)
    .values({ key: RETENTION_RUN_KEY, value: now.toISOString(), updatedAt: now })
    .onConflictDoUpdate({
      target: settingsRows.key,
      set: { value: now.toISOString(), updatedAt: now },
      setWhere: lt(settingsRows.updatedAt, cutoff),
    })
    .returning({ key: settingsRows.key });
  return claimed.length > 0;
}

/**
 * The daily job, once per day per cluster: checked now and then hourly, run
 * by the node for which `when()` holds (the leader) when the last run is a
 * day old. The timer does not keep the process alive. The answer stops it,
 * waiting for a purge in progress (before the database closes).
 */
export function startRetention(
  deps: Pick<Deps, 'db' | 'config' | 'log' | 'clock'>,
  opts: { when?: () => boolean; everyMs?: number; checkMs?: number } = {},
): () => Promise<void> {
  const everyMs = opts.everyMs ?? DAY_MS;
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (running || (opts.when && !opts.when())) return; // a purge still going (a big first one): the next check starts after it
    const now = deps.clock.now();
    running = claimRetentionRun(deps, now, everyMs)
      .then(async (due) => {
        if (due) await purgeExpired(deps, now);
      })
      .catch((err) => deps.log.error('retention failed', { err }))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, opts.checkMs ?? Math.min(everyMs, 3_600_000));
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
