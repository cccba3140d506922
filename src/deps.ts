// What verbs need, built once in main.ts and by tests with the same real parts.
// Only the clock may be fake in tests.
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './log.ts';
import type { Events } from './sessions/events.ts';

export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

export type Deps = {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
  events: Events;
  /** This process in the cluster (src/cluster/nodes.ts): marks the rows and sockets it holds. */
  nodeId: string;
};
