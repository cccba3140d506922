// MediaService's one API connection to Janus: made on first need, lost when
// Janus dies (seen at once on the WebSocket), made again when Janus is back
// (its supervisor's onReady, or a retry every RECONNECT_MS). The sessions'
// part of a loss and a return (pages told, rooms replaced) is the caller's:
// `lost` and `back` below.
import type { Logger } from '../log.ts';
import type { ConnectGateway, VideoRoomGateway } from './gateway.ts';
import { type JanusSource, MediaUnavailable } from './signals.ts';

const RECONNECT_MS = 2_000;

export type JanusConnectionDeps = {
  janus: JanusSource;
  log: Logger;
  connect: ConnectGateway;
  /** Janus went away: every handle died with it. */
  lost(): void;
  /** Janus answers again after a loss: pages publish and join anew (once per loss). */
  back(): void;
};

export class JanusConnection {
  private gateway: VideoRoomGateway | undefined;
  private connecting: Promise<VideoRoomGateway> | undefined;
  private readonly connectedListeners = new Set<() => void>();
  private readonly offs: (() => void)[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Janus went away since pages were last told to publish again. */
  private restartPending = false;

  constructor(private readonly deps: JanusConnectionDeps) {}

  /** Connects to Janus now (if it answers) and again whenever it comes back. */
  start(): void {
    // Janus's death is seen at once on the API connection (lost()); its return here.
    this.offs.push(this.deps.janus.onReady(() => this.reconnect()));
    void this.reconnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const off of this.offs) off();
    const gateway = this.gateway;
    this.gateway = undefined;
    await gateway?.close();
  }

  get connected(): boolean {
    return !!this.gateway && !this.gateway.isClosed;
  }

  /** The connection if it is up now (no waiting). */
  get current(): VideoRoomGateway | undefined {
    return this.connected ? this.gateway : undefined;
  }

  /** Each time the API connection to Janus is (re)established. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** The connection, made if needed. */
  async ready(): Promise<VideoRoomGateway> {
    if (this.connected) return this.gateway!;
    try {
      return await this.connect();
    } catch {
      throw new MediaUnavailable(
        'The media server is not running. Loupe is trying to restart it; try again in a moment.',
      );
    }
  }

  private connect(): Promise<VideoRoomGateway> {
    this.connecting ??= (async () => {
      const { url, apiSecret, roomAdminKey } = this.deps.janus;
      const gateway = await this.deps.connect({ url, apiSecret, roomAdminKey });
      if (this.stopped) {
        await gateway.close();
        throw new MediaUnavailable('Loupe is stopping.');
      }
      gateway.onClose(() => this.lost());
      this.gateway = gateway;
      this.deps.log.info('connected to Janus', { url });
      for (const listener of this.connectedListeners) listener();
      return gateway;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(): void {
    if (this.gateway && !this.gateway.isClosed) void this.gateway.close();
    this.gateway = undefined;
    this.restartPending = true;
    this.deps.lost();
    if (!this.stopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.reconnect(), RECONNECT_MS);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.ready();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.restartPending) return;
    this.restartPending = false;
    this.deps.back();
  }
}
