// For the socket tests: a client WebSocket that queues what it receives, so a
// test can await the next message, and tells whether it opened and how it closed.
// Every message is checked against the contract's events for its socket
// (src/contract/socket.ts): one the contract rejects fails the `next()` that gets it.
import { consoleEvent, lensEvent } from '../contract/socket.ts';

export type TestMessage = { type: string; [k: string]: unknown };

export type TestSocket = {
  ws: WebSocket;
  /** True once open; false when the server refused it. */
  opened: Promise<boolean>;
  closed: Promise<{ code: number }>;
  /** The next message received, waiting up to ms for it. */
  next(ms?: number): Promise<TestMessage>;
  send(message: unknown): void;
  /** What arrived and no next() has taken yet (emptied). After `closed`, everything the server sent is in it. */
  drain(): TestMessage[];
};

export function openTestSocket(url: string, headers: { origin: string; cookie?: string }): TestSocket {
  const ws = new WebSocket(url, {
    headers: { origin: headers.origin, ...(headers.cookie ? { cookie: headers.cookie } : {}) },
  } as unknown as string[]);
  const events = new URL(url).pathname === '/ws/lens' ? lensEvent : consoleEvent;
  const inbox: (TestMessage | Error)[] = [];
  const waiters: ((m: TestMessage | Error) => void)[] = [];
  ws.onmessage = (e) => {
    const raw = JSON.parse(String(e.data)) as TestMessage;
    const checked = events.safeParse(raw);
    const m = checked.success
      ? raw
      : new Error(`Contract: ${raw.type} on ${url} breaks the contract: ${checked.error.issues[0]?.message}`);
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  };
  const closed = new Promise<{ code: number }>((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code });
  });
  const opened = new Promise<boolean>((resolve) => {
    ws.onopen = () => resolve(true);
    ws.onerror = () => resolve(false);
  });
  const next = (ms = 5_000) =>
    new Promise<TestMessage>((resolve, reject) => {
      const m = inbox.shift();
      if (m) return m instanceof Error ? reject(m) : resolve(m);
      const waiter = (msg: TestMessage | Error) => {
        clearTimeout(timer);
        if (msg instanceof Error) reject(msg);
        else resolve(msg);
      };
      // A waiter that timed out leaves the queue: the next message goes to the next caller, not to it.
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error('no message'));
      }, ms);
      waiters.push(waiter);
    });
  const send = (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  const drain = () =>
    inbox.splice(0).map((m) => {
      if (m instanceof Error) throw m;
      return m;
    });
  return { ws, opened, closed, next, send, drain };
}
