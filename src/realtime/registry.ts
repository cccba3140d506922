// Open sockets, so shutdown can tell every browser "going away" (1001) and
// they reconnect to the restarted server, instead of holding shutdown open.
// Kept by kind, for the open-sockets gauge (src/metrics).
import type { RawSocket } from './bun-socket.ts';

export type SocketKindName = 'console' | 'lens';
export const SOCKET_KINDS: readonly SocketKindName[] = ['console', 'lens'];

export class SocketRegistry {
  private readonly open: Record<SocketKindName, Set<RawSocket>> = { console: new Set(), lens: new Set() };

  add(ws: RawSocket, kind: SocketKindName): void {
    this.open[kind].add(ws);
  }

  delete(ws: RawSocket, kind: SocketKindName): void {
    this.open[kind].delete(ws);
  }

  get size(): number {
    return this.open.console.size + this.open.lens.size;
  }

  /** Open sockets of one kind. */
  count(kind: SocketKindName): number {
    return this.open[kind].size;
  }

  closeAll(code = 1001, reason = 'server restarting'): void {
    for (const kind of SOCKET_KINDS) {
      for (const ws of this.open[kind]) ws.close(code, reason);
      this.open[kind].clear();
    }
  }
}
