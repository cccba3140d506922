// Drizzle builds a query's SQL text from its builder objects on every call:
// for the session list and the cookie lookup (every console request) that was
// about a quarter of Loupe's CPU time per request. A prepared query is built
// once, with placeholders, and each call only fills them in. One per database
// (tests open many), made on first use.
import type { Db } from './client.ts';

export function preparedPerDb<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const made = new WeakMap<Db, Q>();
  return (db) => {
    let query = made.get(db);
    if (!query) {
      query = build(db);
      made.set(db, query);
    }
    return query;
  };
}
