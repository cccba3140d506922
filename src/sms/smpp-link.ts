// The connection lifecycle of the SMPP client: connect, bind_transceiver,
// enquire_link to keep it alive, and after any loss a new connection with
// back-off. One link at a time; everything waiting on a lost link is settled.
import type { ConnectionOptions } from 'node:tls';
import smpp, { type PDU, type PduCallback, type Session } from 'smpp';
import type { Logger } from '../log.ts';
import type { SmppSettings } from './gateway.ts';
import { describeStatus } from './smpp-status.ts';

/** What became of a request: its response, or why there is none. */
export type Outcome = { kind: 'response'; pdu: PDU } | { kind: 'lost' } | { kind: 'timeout' } | { kind: 'unsent' };

export type Link = {
  session: Session;
  bound: boolean;
  boundAt: number;
  dropped: boolean;
  /** Settles every request awaiting a response when the link goes. */
  inflight: Set<(outcome: Outcome) => void>;
  timers: Array<ReturnType<typeof setTimeout>>;
};

export type LinkTimings = {
  enquireLinkIntervalMs: number;
  responseTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  random: () => number;
  tls?: ConnectionOptions;
};

export type LinkEvents = {
  /** The link is bound (again): submits may go. */
  bound(): void;
  deliverSm(link: Link, pdu: PDU): void;
};

const INTERFACE_VERSION_3_4 = 0x34; // the package defaults to 0x50 (SMPP 5.0)
/** A rejected bind retries no sooner than 2^4 × the minimum back-off: wrong credentials do not fix themselves. */
const BIND_REJECTED_MIN_STEPS = 4;

/** Sends a request on a link; resolves with its response, or why there is none. Never rejects. */
export function request(
  current: Link,
  send: (onResponse: PduCallback) => boolean,
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: Outcome) => {
      clearTimeout(timer);
      current.inflight.delete(settle);
      resolve(outcome);
    };
    if (current.dropped || !send((pdu) => settle({ kind: 'response', pdu }))) return resolve({ kind: 'unsent' });
    current.inflight.add(settle);
    timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
  });
}

export class SmppConnection {
  /** The current link, bound or still binding; undefined between a loss and the next connection. */
  link: Link | undefined;
  /** Set by close(): no reconnecting from then on. */
  closing = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private failedAttempts = 0;
  /** Where to, for logs. */
  readonly where: { host: string; port: number; systemId: string; tls: boolean };

  constructor(
    private readonly settings: SmppSettings,
    private readonly log: Logger,
    private readonly timings: LinkTimings,
    private readonly events: LinkEvents,
  ) {
    this.where = { host: settings.host, port: settings.port, systemId: settings.systemId, tls: settings.tls };
  }

  get bound(): boolean {
    return !!this.link?.bound;
  }

  connect(): void {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    const { settings, timings } = this;
    const session = smpp.connect({
      host: settings.host,
      port: settings.port,
      ...(settings.tls ? { tls: true, ...timings.tls } : {}),
    });
    const current: Link = { session, bound: false, boundAt: 0, dropped: false, inflight: new Set(), timers: [] };
    this.link = current;
    current.timers.push(
      setTimeout(
        () => this.drop(current, `not bound within ${timings.responseTimeoutMs} ms`),
        timings.responseTimeoutMs,
      ),
    );
    session.on('error', (error) => this.drop(current, error.message));
    session.on('close', () => this.drop(current, 'connection closed'));
    // For smpps:// the plain 'connect' comes before the TLS handshake; bind only once it is secure.
    session.on(settings.tls ? 'secureConnect' : 'connect', () => void this.bind(current));
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu) => this.events.deliverSm(current, pdu));
    session.on('unbind', (pdu) => {
      current.bound = false;
      session.send(pdu.response(), () => this.drop(current, 'SMSC unbound'));
    });
    session.on('unknown', (pdu) => session.send(pdu.response())); // generic_nack
  }

  /** Ends a link for good (idempotent) and, unless closing, schedules the next connection. */
  drop(current: Link, reason: string): void {
    if (current.dropped) return;
    current.dropped = true;
    for (const timer of current.timers) clearTimeout(timer);
    const wasBound = current.bound;
    current.bound = false;
    for (const settle of [...current.inflight]) settle({ kind: 'lost' });
    current.session.destroy();
    if (this.link === current) this.link = undefined;
    if (this.closing) return;
    const { reconnectMinMs, reconnectMaxMs, random } = this.timings;
    // A link that stayed up longer than the longest back-off was healthy: start over from the minimum.
    if (wasBound && Date.now() - current.boundAt >= reconnectMaxMs) this.failedAttempts = 0;
    const delay = Math.round(
      Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.failedAttempts) * (0.75 + random() * 0.5),
    );
    this.failedAttempts++;
    if (wasBound) this.log.warn('SMPP link lost; reconnecting', { ...this.where, reason, retryInMs: delay });
    else this.log.info('SMPP connection failed; retrying', { ...this.where, reason, retryInMs: delay });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** From now on a lost link is not replaced. */
  stopReconnecting(): void {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
  }

  /** Unbinds a bound link (bounded waits) and ends whatever link there is. Call after stopReconnecting(). */
  async unbind(): Promise<void> {
    const current = this.link;
    if (current?.bound) {
      for (const timer of current.timers.splice(0)) clearTimeout(timer);
      current.bound = false;
      await request(
        current,
        (onResponse) => current.session.unbind({}, onResponse),
        Math.min(this.timings.responseTimeoutMs, 2_000),
      );
      // Many SMSCs close on unbind themselves; otherwise let our FIN go out before destroying.
      if (!current.dropped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1_000);
          current.session.close(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
    if (current) this.drop(current, 'closed');
  }

  private async bind(current: Link): Promise<void> {
    const { settings, timings } = this;
    const outcome = await request(
      current,
      (onResponse) =>
        current.session.bind_transceiver(
          { system_id: settings.systemId, password: settings.password, interface_version: INTERFACE_VERSION_3_4 },
          onResponse,
        ),
      timings.responseTimeoutMs,
    );
    if (current.dropped) return;
    if (outcome.kind !== 'response') return this.drop(current, `no bind_transceiver_resp (${outcome.kind})`);
    const status = outcome.pdu.command_status;
    if (status !== 0) {
      this.log.error('SMSC rejected the SMPP bind: check the system id and password in SMPP_URL', {
        ...this.where,
        status: describeStatus(status),
      });
      this.failedAttempts = Math.max(this.failedAttempts, BIND_REJECTED_MIN_STEPS);
      return this.drop(current, `bind rejected: ${describeStatus(status)}`);
    }
    for (const timer of current.timers.splice(0)) clearTimeout(timer);
    current.bound = true;
    current.boundAt = Date.now();
    current.timers.push(setInterval(() => void this.enquireLink(current), timings.enquireLinkIntervalMs));
    this.log.info('SMPP bound', this.where);
    this.events.bound();
  }

  private async enquireLink(current: Link): Promise<void> {
    const outcome = await request(
      current,
      (onResponse) => current.session.enquire_link({}, onResponse),
      this.timings.responseTimeoutMs,
    );
    if (outcome.kind === 'timeout' || outcome.kind === 'unsent') {
      this.log.warn('SMSC did not answer enquire_link; reconnecting', this.where);
      this.drop(current, 'enquire_link unanswered');
    }
  }
}
