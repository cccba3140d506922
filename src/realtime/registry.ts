// Open sockets, so shutdown can tell every browser "going away" (1001) and
// they reconnect to the restarted server, instead of holding shutdown open.
import type { RawSocket } from './bun-socket.ts';

export class SocketRegistry {
  private readonly open = new Set<RawSocket>();

  add(ws: RawSocket): void {
    this.open.add(ws);
  }

  delete(ws: RawSocket): void {
    this.open.delete(ws);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(code = 1001, reason = 'server restarting'): void {
    for (const ws of this.open) ws.close(code, reason);
    this.open.clear();
  }
}
