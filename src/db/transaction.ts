// Every state-changing verb runs in one transaction, together with its audit row.
import type { Db } from './client.ts';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(work);
}

/** The PostgreSQL error code of a failed query (drizzle wraps the driver's error). */
export function pgErrorCode(err: unknown): string | undefined {
  // drizzle wraps the driver's error in `cause`, once or more.
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const RESTRICT_VIOLATION = '23001';

/** The constraint or index a failed write violated: PGlite names it `constraint`, postgres-js `constraint_name`. */
export function violatedConstraint(err: unknown): string | undefined {
  for (
    let e = err as { cause?: unknown; constraint?: string; constraint_name?: string } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    const name = e.constraint ?? e.constraint_name;
    if (name) return name;
  }
  return undefined;
}
