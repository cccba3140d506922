// One long-lived connection to Janus's API (a Janus session dies with its
// WebSocket), and plugin handles on it. janus-gateway-js does the connection,
// session, keep-alives and attach; but it settles a request on Janus's "ack",
// before the plugin's real answer, so requests and events are matched here by
// transaction id from the connection's raw message stream.
import { randomBytes } from 'node:crypto';
import Janus from 'janus-gateway-js';
import { within } from './janus-process.ts';

export type Jsep = { type: 'offer' | 'answer'; sdp: string };
export type IceCandidate =
  | { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }
  | { completed: true };

/** A message from Janus as it arrives (the fields Loupe reads). */
export type JanusEvent = {
  janus: string;
  transaction?: string;
  sender?: number;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  candidate?: IceCandidate;
  error?: { code: number; reason: string };
  type?: string;
  receiving?: boolean;
  uplink?: boolean;
  reason?: string;
};

export type PluginAnswer = { data: Record<string, unknown>; jsep?: Jsep };

export class JanusRequestError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Janus did not answer a request within its deadline (it may be stuck, or the request is one it never answers). */
export class JanusTimeout extends JanusRequestError {}

type Pending = {
  resolve: (answer: PluginAnswer) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};
type Lib = {
  connection: Awaited<ReturnType<InstanceType<typeof Janus.Client>['createConnection']>>;
  session: Awaited<ReturnType<Lib['connection']['createSession']>>;
};
type LibPlugin = Awaited<ReturnType<Lib['session']['attachPlugin']>>;

/** How long a request waits for its answer; FakeJanus times its never-answered requests out the same way. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** How long close() waits for Janus to destroy the session before it drops the socket anyway. */
const DESTROY_WAIT_MS = 1_000;

export class JanusLink {
  private readonly pending = new Map<string, Pending>();
  private readonly handles = new Map<number, PluginHandle>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  private constructor(private readonly lib: Lib) {
    lib.connection.on('message', (message: unknown) => {
      const plain = (message as { getPlainMessage(): JanusEvent }).getPlainMessage();
      this.dispatch(plain);
    });
    lib.connection.on('close', () => this.lost('the connection to Janus closed'));
    lib.connection.on('error', () => {});
  }

  static async connect(url: string, apiSecret: string | undefined): Promise<JanusLink> {
    // Keep-alives every 25 s keep the Janus session within its 60 s timeout.
    const client = new Janus.Client(url, { apisecret: apiSecret, keepalive: 25_000 });
    const connection = await client.createConnection('loupe');
    try {
      const session = await connection.createSession();
      return new JanusLink({ connection, session });
    } catch (err) {
      await connection.close().catch(() => {});
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async attach(plugin = 'janus.plugin.videoroom'): Promise<PluginHandle> {
    if (this.closed) throw new JanusRequestError('Janus is not connected.');
    const lib = await this.lib.session.attachPlugin(plugin);
    lib.on('error', () => {});
    const handle = new PluginHandle(this, lib, Number(lib.getId()));
    this.handles.set(handle.id, handle);
    return handle;
  }

  /** Called once when the connection is lost (Janus died or closed it). */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Ends the Janus session and the socket. The loss is reported first, and the
   * destroy waited for DESTROY_WAIT_MS at most: a hung Janus never answers it,
   * and its sessions must not wait for it to move elsewhere.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.lost('closed by Loupe');
    await within(
      this.lib.session.destroy().catch(() => {}),
      DESTROY_WAIT_MS,
    );
    await this.lib.connection.close().catch(() => {});
  }

  /** @internal */
  expect(transaction: string, what: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<PluginAnswer> {
    if (this.closed) return Promise.reject(new JanusRequestError(`${what}: Janus is not connected.`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new JanusTimeout(`${what}: Janus did not answer within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(transaction, {
        resolve,
        timer,
        reject: (err) => reject(new JanusRequestError(`${what}: ${err.message}`, (err as JanusRequestError).code)),
      });
    });
  }

  /** @internal */
  forget(handle: PluginHandle): void {
    this.handles.delete(handle.id);
  }

  private dispatch(message: JanusEvent): void {
    const pending = message.transaction ? this.pending.get(message.transaction) : undefined;
    if (pending && message.janus !== 'ack') {
      this.pending.delete(message.transaction!);
      clearTimeout(pending.timer);
      const data = message.plugindata?.data ?? {};
      if (message.janus === 'error')
        pending.reject(new JanusRequestError(message.error?.reason ?? 'error', message.error?.code));
      else if (typeof data.error_code === 'number')
        pending.reject(new JanusRequestError(String(data.error ?? data.error_code), data.error_code));
      else pending.resolve({ data, jsep: message.jsep });
      return;
    }
    if (pending) return;
    if (message.sender !== undefined) this.handles.get(Number(message.sender))?.deliver(message);
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new JanusRequestError(reason));
      this.pending.delete(id);
    }
    for (const handle of this.handles.values()) handle.deliver({ janus: 'detached' });
    this.handles.clear();
    for (const listener of this.closeListeners) listener();
  }
}

/** One plugin handle: requests with their answers, and the events Janus sends on its own. */
export class PluginHandle {
  private listener: ((event: JanusEvent) => void) | undefined;
  private detached = false;

  constructor(
    private readonly link: JanusLink,
    private readonly lib: LibPlugin,
    readonly id: number,
  ) {}

  /** Sends a plugin request and waits for its answer (synchronous or the asynchronous event). */
  async request(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer> {
    const transaction = randomBytes(9).toString('base64url');
    const answer = this.link.expect(transaction, `VideoRoom ${String(body.request)}`);
    answer.catch(() => {});
    await this.send({ janus: 'message', body, ...(jsep && { jsep }), transaction });
    return answer;
  }

  /** A browser's ICE candidate for this handle's PeerConnection; `{ completed: true }` when it has no more. */
  async trickle(candidate: IceCandidate): Promise<void> {
    await this.send({ janus: 'trickle', candidate, transaction: randomBytes(9).toString('base64url') });
  }

  /** Events Janus sends unasked: trickle, webrtcup, media, hangup, plugin events; `detached` when it is gone. */
  onEvent(listener: (event: JanusEvent) => void): void {
    this.listener = listener;
  }

  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.link.forget(this);
    this.listener = undefined;
    if (this.link.isClosed) return;
    const transaction = randomBytes(9).toString('base64url');
    const answer = this.link.expect(transaction, 'detach', 5_000);
    answer.catch(() => {});
    await this.send({ janus: 'detach', transaction }).catch(() => {});
    await answer.catch(() => {});
  }

  /** @internal */
  deliver(event: JanusEvent): void {
    this.listener?.(event);
  }

  private async send(message: Record<string, unknown>): Promise<void> {
    if (this.link.isClosed) throw new JanusRequestError('Janus is not connected.');
    // sendSync runs the library's outgoing chain (session id, handle id, API secret).
    await this.lib.sendSync(message);
  }
}
