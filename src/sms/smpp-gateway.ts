// SMPP 3.4 client: one bind_transceiver session, kept alive with enquire_link and
// re-established with back-off (smpp-link.ts), so the outbox only ever asks
// "ready?" and "submit". Failures are sorted into permanent, transient and
// outcome-unknown, because the outbox must never resend a text the SMSC may
// already have taken. The send window and throttling are in smpp-window.ts,
// receipts in smpp-receipts.ts.
import type { ConnectionOptions } from 'node:tls';
import type { PDU, PduOptions } from 'smpp';
import type { Logger } from '../log.ts';
import { ESM_CLASS_UDHI, splitSms, type EncodedSms } from './encoding.ts';
import type { DeliveryReport, OutgoingSms, SmppSettings, SmsGateway, SubmitResult } from './gateway.ts';
import { destinationAddress, sourceAddress, type SmppAddress } from './smpp-address.ts';
import { request, SmppConnection, type Link, type Outcome } from './smpp-link.ts';
import { deliveryReport } from './smpp-receipts.ts';
import { describeStatus, ESME_RINVBNDSTS, ESME_RTHROTTLED, TRANSIENT_STATUSES } from './smpp-status.ts';
import { SendWindow } from './smpp-window.ts';

export { destinationAddress, describeStatus, sourceAddress, type SmppAddress };

export type SmppGatewayOptions = {
  /** Default 30 s. */
  enquireLinkIntervalMs?: number;
  /** How long to wait for bind, enquire_link and unbind responses (and the connection itself). Default 10 s. */
  responseTimeoutMs?: number;
  /** After this long without submit_sm_resp the outcome is unknown. Default 30 s. */
  submitTimeoutMs?: number;
  /** Reconnect back-off: doubles from min to max, with ±25 % jitter. Default 1 s to 60 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long a submit waits for a bound link and a free window slot. Default 30 s. */
  slotWaitMs?: number;
  /** Pause after ESME_RTHROTTLED: doubles from min to max while throttling continues. Default 1 s to 60 s. */
  throttleMinMs?: number;
  throttleMaxMs?: number;
  /** close() waits this long for outstanding responses. Default 5 s. */
  closeTimeoutMs?: number;
  /** Extra TLS options for smpps:// (e.g. `ca` for an SMSC with a private CA). */
  tls?: ConnectionOptions;
  /** For the jitter; tests may pin it. */
  random?: () => number;
};

type Failure = Extract<SubmitResult, { ok: false }>;

const REGISTERED_DELIVERY_FINAL = 0x01;
/** Later parts of a long text are retried inside the gateway, so the handset still gets every part. */
const CONTINUATION_ATTEMPTS = 3;

export function createSmppGateway(settings: SmppSettings, log: Logger, options: SmppGatewayOptions = {}): SmsGateway {
  const gateway = new SmppGateway(settings, log, options);
  return {
    kind: 'smpp',
    ready: () => gateway.ready(),
    submit: (sms) => gateway.submit(sms),
    onReport: (handler) => void gateway.reportHandlers.push(handler),
    onReady: (handler) => void gateway.readyHandlers.push(handler),
    close: () => gateway.close(),
  };
}

class SmppGateway {
  readonly readyHandlers: Array<() => void> = [];
  readonly reportHandlers: Array<(report: DeliveryReport) => void> = [];
  private readonly connection: SmppConnection;
  private readonly window: SendWindow;
  private readonly source: SmppAddress;
  private readonly submitTimeoutMs: number;
  private readonly slotWaitMs: number;
  private readonly throttleMinMs: number;
  private readonly closeTimeoutMs: number;
  private closed: Promise<void> | undefined;
  /** The concatenation reference of the last long text (random start: references do not repeat right after a restart). */
  private reference = Math.floor(Math.random() * 256);

  constructor(
    settings: SmppSettings,
    private readonly log: Logger,
    options: SmppGatewayOptions,
  ) {
    this.submitTimeoutMs = options.submitTimeoutMs ?? 30_000;
    this.slotWaitMs = options.slotWaitMs ?? 30_000;
    this.throttleMinMs = options.throttleMinMs ?? 1_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.source = sourceAddress(settings.sourceAddr);
    if (this.source.ton === 5 && this.source.addr.length > 11) {
      log.warn('SMPP source address is longer than the 11 characters handsets show', { sourceAddr: this.source.addr });
    }
    this.connection = new SmppConnection(
      settings,
      log,
      {
        enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? 30_000,
        responseTimeoutMs: options.responseTimeoutMs ?? 10_000,
        reconnectMinMs: options.reconnectMinMs ?? 1_000,
        reconnectMaxMs: options.reconnectMaxMs ?? 60_000,
        random: options.random ?? Math.random,
        ...(options.tls ? { tls: options.tls } : {}),
      },
      { bound: () => this.bound(), deliverSm: (link, pdu) => this.deliverSm(link, pdu) },
    );
    this.window = new SendWindow(Math.max(1, settings.window), () => this.connection.bound, {
      minMs: this.throttleMinMs,
      maxMs: options.throttleMaxMs ?? 60_000,
    });
    this.connection.connect();
  }

  ready(): boolean {
    return !this.connection.closing && this.connection.bound;
  }

  async submit(sms: OutgoingSms): Promise<SubmitResult> {
    if (this.connection.closing) return { ok: false, permanent: false, reason: 'SMPP gateway closing' };
    const destination = destinationAddress(sms.to);
    if (!destination) return { ok: false, permanent: true, reason: 'destination is not an E.164 number' };
    let encoded: EncodedSms;
    try {
      encoded = splitSms(sms.text, this.nextReference());
    } catch (error) {
      return { ok: false, permanent: true, reason: error instanceof Error ? error.message : String(error) };
    }
    const pausedFor = this.window.pausedFor();
    if (pausedFor > 0)
      return { ok: false, permanent: false, retryAfterMs: pausedFor, reason: 'SMSC throttling: submits paused' };

    const { source } = this;
    const messageIds: string[] = [];
    for (const [index, part] of encoded.parts.entries()) {
      const result = await this.submitPart(
        {
          source_addr_ton: source.ton,
          source_addr_npi: source.npi,
          source_addr: source.addr,
          dest_addr_ton: destination.ton,
          dest_addr_npi: destination.npi,
          destination_addr: destination.addr,
          esm_class: part.udh ? ESM_CLASS_UDHI : 0,
          registered_delivery: REGISTERED_DELIVERY_FINAL,
          data_coding: encoded.dataCoding,
          short_message: part.udh ? { udh: part.udh, message: part.message } : part.message,
        },
        index > 0,
      );
      if (!result.ok) {
        const reason =
          encoded.parts.length > 1 ? `part ${index + 1} of ${encoded.parts.length}: ${result.reason}` : result.reason;
        this.log.warn('SMS not accepted by the SMSC', {
          reference: sms.reference,
          reason,
          permanent: result.permanent,
        });
        return { ...result, reason };
      }
      messageIds.push(result.messageId);
    }
    this.log.info('SMS accepted by the SMSC', { reference: sms.reference, messageIds });
    return { ok: true, messageIds };
  }

  /** Stops reconnecting, waits (bounded) for outstanding responses, unbinds and closes; once. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.connection.stopReconnecting();
    await this.window.close(this.closeTimeoutMs);
    await this.connection.unbind();
    this.log.info('SMPP gateway closed', this.connection.where);
  }

  /** Bound (again): waiting submits go, and the outbox hears it may send. */
  private bound(): void {
    this.window.pump();
    for (const handler of this.readyHandlers) this.guard('onReady handler', () => handler());
  }

  private deliverSm(link: Link, pdu: PDU): void {
    link.session.send(pdu.response()); // answered first and always, or the SMSC redelivers
    this.guard('deliver_sm', () => {
      const report = deliveryReport(pdu);
      if (report === 'mobile-originated') {
        this.log.info('ignoring mobile-originated SMS', { from: pdu.source_addr });
        return;
      }
      if (!report) {
        this.log.warn('unreadable delivery receipt ignored', { from: pdu.source_addr });
        return;
      }
      for (const handler of this.reportHandlers) this.guard('onReport handler', () => handler(report));
    });
  }

  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.log.error(`${what} failed`, { error });
    }
  }

  private nextReference(): number {
    this.reference = (this.reference + 1) & 0xff;
    return this.reference;
  }

  /** A bound link with a window slot taken on it, or undefined when none came by the deadline. */
  private async acquire(deadline: number): Promise<Link | undefined> {
    for (;;) {
      if (!(await this.window.take(deadline - Date.now(), this.connection.closing))) return undefined;
      const { link } = this.connection;
      if (link?.bound) return link;
      this.window.release(); // the link went between the grant and now
    }
  }

  // One loop with its retries of a continuation part in place: split up, the
  // order of slot, request, release and retry would be harder to follow.
  private async submitPart(
    fields: PduOptions,
    continuation: boolean,
  ): Promise<{ ok: true; messageId: string } | Failure> {
    const deadline = Date.now() + this.slotWaitMs;
    for (let attempt = 1; ; attempt++) {
      const current = await this.acquire(deadline);
      if (!current) {
        const reason = this.connection.closing
          ? 'SMPP gateway closing'
          : this.connection.bound
            ? 'no free SMPP window slot in time'
            : 'not bound to the SMSC';
        return { ok: false, permanent: false, reason };
      }
      let outcome: Outcome;
      try {
        outcome = await request(
          current,
          (onResponse) => current.session.submit_sm(fields, onResponse),
          this.submitTimeoutMs,
        );
      } finally {
        this.window.release();
      }
      if (outcome.kind === 'unsent') {
        // Never left this process, so it is safe to try again, on a new link: this socket is done.
        this.connection.drop(current, 'socket not writable');
        continue;
      }
      if (outcome.kind === 'lost')
        return {
          ok: false,
          permanent: false,
          outcomeUnknown: true,
          reason: 'connection to the SMSC lost before submit_sm_resp',
        };
      if (outcome.kind === 'timeout')
        return {
          ok: false,
          permanent: false,
          outcomeUnknown: true,
          reason: `no submit_sm_resp within ${this.submitTimeoutMs} ms`,
        };
      const status = outcome.pdu.command_status;
      if (status === 0) {
        this.window.accepted();
        return { ok: true, messageId: outcome.pdu.message_id ?? '' };
      }
      const failure = this.failureFor(status);
      if (!continuation || failure.permanent || attempt >= CONTINUATION_ATTEMPTS) return failure;
      await new Promise((resolve) => setTimeout(resolve, failure.retryAfterMs ?? this.throttleMinMs));
    }
  }

  private failureFor(status: number): Failure {
    const name = describeStatus(status);
    if (status === ESME_RTHROTTLED) {
      return {
        ok: false,
        permanent: false,
        commandStatus: status,
        retryAfterMs: this.window.throttled(),
        reason: `SMSC throttled: ${name}`,
      };
    }
    if (TRANSIENT_STATUSES.has(status)) {
      const { link } = this.connection;
      if (status === ESME_RINVBNDSTS && link) this.connection.drop(link, 'SMSC says the session is not bound');
      return {
        ok: false,
        permanent: false,
        commandStatus: status,
        reason: `SMSC temporarily refused the message: ${name}`,
      };
    }
    return { ok: false, permanent: true, commandStatus: status, reason: `SMSC rejected the message: ${name}` };
  }
}
