// What console and Lens sockets share: the base class of one open socket, the
// index of open sockets by key, and the batches their objects are made in.
import type { Deps } from '../deps.ts';
import type { Peer } from '../media/service.ts';
import type { RawSocket, SocketEvents } from './bun-socket.ts';

export const sendTo = (ws: RawSocket, message: unknown) => {
  if (ws.readyState === 1) ws.send(JSON.stringify(message));
};

/**
 * Open sockets by key (the uuidKey of their technician or session, see
 * socket-ids.ts): usually one per key, so one is stored as itself and only a
 * second makes a Set. Every object an idle socket keeps costs more than its
 * size (see bench/sockets.ts), so it keeps as few as it can.
 */
export class SocketIndex<T extends object> {
  private readonly byKey = new Map<number, T | Set<T>>();

  add(key: number, item: T): void {
    const there = this.byKey.get(key);
    if (there === undefined) this.byKey.set(key, item);
    else if (there instanceof Set) there.add(item);
    else this.byKey.set(key, new Set([there, item]));
  }

  delete(key: number, item: T): void {
    const there = this.byKey.get(key);
    if (there === item) this.byKey.delete(key);
    else if (there instanceof Set && there.delete(item) && there.size === 0) this.byKey.delete(key);
  }

  /** Every item, under every key. */
  all(each: (item: T) => void): void {
    for (const there of this.byKey.values()) {
      if (there instanceof Set) there.forEach(each);
      else each(there);
    }
  }

  forEach(key: number, each: (item: T) => void): void {
    const there = this.byKey.get(key);
    if (there instanceof Set) there.forEach(each);
    else if (there !== undefined) each(there);
  }
}

/**
 * Objects made `size` at a time and handed out one by one, never reused. JSC
 * does not move objects, so a socket object made amid an upgrade's garbage
 * (request, cookie lookup, query rows) later pins a mostly empty heap block of
 * its own, ~16 KiB per idle socket; made together, they share blocks
 * (bench/sockets.ts: an idle Lens socket 21 → 13.5 KiB). The spares cost a few KiB.
 */
export class Batch<T> {
  private readonly spare: T[] = [];

  constructor(
    private readonly make: () => T,
    private readonly size = 64,
  ) {}

  take(): T {
    if (this.spare.length === 0) for (let i = 0; i < this.size; i++) this.spare.push(this.make());
    return this.spare.pop()!;
  }
}

/** What every socket of one kind shares, held by each socket as one field. */
export interface SocketKind {
  readonly deps: Deps;
  readonly what: 'console' | 'lens';
}

const IDLE = Promise.resolve();

/**
 * One open socket: its events (Bun hands them to this object, the upgrade's data:
 * bun-socket.ts), the peer the media service knows it by (one object for the
 * socket's whole life), and a queue that runs its work in order (so a client
 * never sees an older state after a newer one) and never lets a failure escape:
 * a database hiccup must not take the process down with every other socket.
 * A class rather than closures: an idle socket holds this one object, not a
 * dozen functions and their scopes (see bench/sockets.ts).
 */
export abstract class Socket<K extends SocketKind> implements Peer, SocketEvents {
  /** Bun's socket, while open. (Every field starts in the constructor: the object's shape is fixed when its Batch makes it.) */
  ws?: RawSocket = undefined;
  private chain = IDLE;

  constructor(protected readonly kind: K) {}

  /** Peer: media signals for this socket's page. */
  send(message: unknown): void {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(message));
  }

  /** An event already serialised: a tool event goes to every socket of its session as the same text. */
  sendText(text: string): void {
    if (this.ws?.readyState === 1) this.ws.send(text);
  }

  abstract opened(ws: RawSocket): void;
  abstract received(ws: RawSocket, message: string | Buffer): void;
  abstract closed(ws: RawSocket, code: number, reason: string): void;

  failed(error: unknown): void {
    this.kind.deps.log.warn(`${this.kind.what} socket error`, { err: error });
  }

  queue(work: () => Promise<void>): void {
    const next = this.chain
      .then(work)
      .catch((err) => this.kind.deps.log.error(`${this.kind.what} socket update failed`, { err }));
    this.chain = next;
    // An idle socket goes back to the shared settled promise instead of keeping its last one.
    void next.then(() => {
      if (this.chain === next) this.chain = IDLE;
    });
  }
}
