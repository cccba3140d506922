// The Janus servers MediaService uses: the bundled (or one external) Janus as
// a pool of one, or JANUS_URLS's. One API connection per server
// (JanusConnection), a health check beside it, and the placement rule for new
// rooms. A server that is lost and not back within GRACE_MS is dead: the
// caller moves its sessions elsewhere (MediaService, `dead`). With one server
// there is nowhere to move to: its return (`back`) restarts the pages, as it
// always did.
import type { Logger } from '../log.ts';
import type { ConnectGateway, VideoRoomGateway } from './gateway.ts';
import { JanusConnection } from './janus-connection.ts';
import type { JanusServer } from './janus-servers.ts';
import type { JanusSource } from './signals.ts';

/** A blip (a restart by its supervisor, a network hiccup) is waited out; longer and the sessions move. */
export const GRACE_MS = 2_000;
/**
 * How often each server is asked `info` beside the keep-alives: a hung Janus
 * keeps its socket open. A healthy one answers in milliseconds, so two checks
 * unanswered for PROBE_TIMEOUT_MS each are a loss, found about as soon as a
 * closed socket's grace is over.
 */
export const HEALTH_MS = 1_000;
/** Missed health checks in a row that count as a loss. */
export const HEALTH_MISSES = 2;
/** How long one health check waits for Janus's answer. */
export const PROBE_TIMEOUT_MS = 1_000;

export type PoolMember = { id: string; source: JanusSource };

/** JANUS_URLS's servers as pool members: external, so nothing says when one is back but the retries. */
export function janusPool(servers: JanusServer[]): PoolMember[] {
  return servers.map((s) => ({
    id: s.id,
    source: { url: s.url, apiSecret: s.apiSecret, roomAdminKey: undefined, onReady: () => () => {} },
  }));
}

/** A server as the placement rule sees it: whether it answers, and its live sessions across the cluster. */
export type Placement = { id: string; healthy: boolean; live: number };

/**
 * A new room goes to the healthy server with the fewest live sessions (ties:
 * the first listed). Every session costs a server about the same (one camera
 * and microphone publisher, one microphone publisher, two subscribers), so the
 * count is the load; a weight per server would only matter for servers of
 * different sizes, which an operator can list as more servers instead.
 */
export function placeRoom(servers: Placement[], exclude?: string): string | undefined {
  let best: Placement | undefined;
  for (const s of servers) {
    if (!s.healthy || s.id === exclude) continue;
    if (!best || s.live < best.live) best = s;
  }
  return best?.id;
}

export type JanusPoolDeps = {
  members: PoolMember[];
  log: Logger;
  connect: ConnectGateway;
  /** The server's connection is lost: its sessions' handles died with it. */
  lost(id: string): void;
  /** The server answers again after a loss. */
  back(id: string): void;
  /** Lost for GRACE_MS (pools of more than one only): its sessions go elsewhere. */
  dead(id: string): void;
  /** Asks the server whether it answers (Janus `info`); absent: the connection's state alone. */
  probe?: (source: JanusSource) => Promise<unknown>;
  graceMs?: number;
  /** HEALTH_MS unless a test says otherwise. */
  healthMs?: number;
};

export class JanusPool {
  private readonly conns = new Map<string, JanusConnection>();
  private readonly downSince = new Map<string, number>();
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly misses = new Map<string, number>();
  /** Servers dropped by the health check: they have not answered for longer than the grace already. */
  private readonly unanswered = new Set<string>();
  private stopped = false;
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private readonly graceMs: number;

  constructor(private readonly deps: JanusPoolDeps) {
    if (deps.members.length === 0) throw new Error('a Janus pool needs at least one server');
    this.graceMs = deps.graceMs ?? GRACE_MS;
    for (const m of deps.members) {
      this.conns.set(
        m.id,
        new JanusConnection({
          janus: m.source,
          log: deps.log,
          connect: deps.connect,
          lost: () => this.lost(m.id),
          back: () => this.back(m.id),
        }),
      );
    }
  }

  get ids(): string[] {
    return [...this.conns.keys()];
  }

  /** The server of sessions that name none (rows from before the pool, a pool of one). */
  get first(): string {
    return this.ids[0]!;
  }

  has(id: string | null | undefined): id is string {
    return !!id && this.conns.has(id);
  }

  healthy(id: string): boolean {
    return !!this.conns.get(id)?.connected;
  }

  /** Not answering for longer than the grace (or never since start): its sessions belong elsewhere. */
  isDead(id: string): boolean {
    if (this.conns.size < 2 || this.healthy(id)) return false;
    return Date.now() - (this.downSince.get(id) ?? 0) >= this.graceMs;
  }

  /** Any server connected. */
  get connected(): boolean {
    return this.ids.some((id) => this.healthy(id));
  }

  current(id: string): VideoRoomGateway | undefined {
    return this.conns.get(id)?.current;
  }

  ready(id: string): Promise<VideoRoomGateway> {
    const conn = this.conns.get(id) ?? this.conns.get(this.first)!;
    return conn.ready();
  }

  /** Each time the connection to any server is (re)established. */
  onConnected(listener: () => void): () => void {
    const offs = [...this.conns.values()].map((c) => c.onConnected(listener));
    return () => {
      for (const off of offs) off();
    };
  }

  start(): void {
    const now = Date.now();
    for (const [id, conn] of this.conns) {
      this.downSince.set(id, now);
      conn.onConnected(() => {
        this.downSince.delete(id);
        this.misses.delete(id);
      });
      conn.start();
    }
    if (this.deps.probe && this.conns.size > 1)
      this.healthTimer = setInterval(() => this.checkHealth(), this.deps.healthMs ?? HEALTH_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.healthTimer);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    await Promise.all([...this.conns.values()].map((c) => c.stop()));
  }

  private lost(id: string): void {
    if (this.stopped) return;
    // A hang has been waited out by the health check already: dead now, not after another grace.
    const hung = this.unanswered.delete(id);
    const grace = hung ? 0 : this.graceMs;
    this.downSince.set(id, hung ? Date.now() - this.graceMs : Date.now());
    this.deps.log.warn('Janus lost', { janus: id });
    this.deps.lost(id);
    if (this.conns.size < 2) return;
    clearTimeout(this.graceTimers.get(id));
    this.graceTimers.set(
      id,
      setTimeout(() => {
        this.graceTimers.delete(id);
        if (!this.healthy(id)) this.deps.dead(id);
      }, grace),
    );
  }

  private back(id: string): void {
    clearTimeout(this.graceTimers.get(id));
    this.graceTimers.delete(id);
    this.deps.back(id);
  }

  /** A server whose socket is open but that stopped answering is dropped: its loss then runs as above. */
  private checkHealth(): void {
    for (const [id, conn] of this.conns) {
      const gateway = conn.current;
      const member = this.deps.members.find((m) => m.id === id)!;
      if (!gateway || !this.deps.probe) continue;
      this.deps.probe(member.source).then(
        () => this.misses.delete(id),
        () => {
          const misses = (this.misses.get(id) ?? 0) + 1;
          this.misses.set(id, misses);
          if (misses < HEALTH_MISSES) return;
          if (conn.current !== gateway) return;
          this.deps.log.warn('Janus does not answer its health check', { janus: id, misses });
          this.unanswered.add(id);
          void gateway.close();
        },
      );
    }
  }
}
