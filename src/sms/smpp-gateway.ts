// SMPP 3.4 client: one bind_transceiver session, kept alive with enquire_link and
// re-established with back-off, so the outbox only ever asks "ready?" and "submit".
// Failures are sorted into permanent, transient and outcome-unknown, because the
// outbox must never resend a text the SMSC may already have taken.
import type { ConnectionOptions } from 'node:tls';
import smpp, { type PDU, type PduCallback, type PduOptions, type Session } from 'smpp';
import type { Logger } from '../log.ts';
import { ESM_CLASS_UDHI, parseReceipt, splitSms, type EncodedSms } from './encoding.ts';
import type { DeliveryReport, OutgoingSms, SmppSettings, SmsGateway, SubmitResult } from './gateway.ts';

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
type Outcome = { kind: 'response'; pdu: PDU } | { kind: 'lost' } | { kind: 'timeout' } | { kind: 'unsent' };

type Link = {
  session: Session;
  bound: boolean;
  boundAt: number;
  dropped: boolean;
  /** Settles every request awaiting a response when the link goes. */
  inflight: Set<(outcome: Outcome) => void>;
  timers: Array<ReturnType<typeof setTimeout>>;
};

const INTERFACE_VERSION_3_4 = 0x34; // the package defaults to 0x50 (SMPP 5.0)
const ESM_CLASS_RECEIPT = 0x04;
const REGISTERED_DELIVERY_FINAL = 0x01;
/** A rejected bind retries no sooner than 2^4 × the minimum back-off: wrong credentials do not fix themselves. */
const BIND_REJECTED_MIN_STEPS = 4;
/** Later parts of a long text are retried inside the gateway, so the handset still gets every part. */
const CONTINUATION_ATTEMPTS = 3;

const { ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR, ESME_RX_T_APPN, ESME_RINVBNDSTS } = smpp.errors;
const TRANSIENT_STATUSES = new Set([ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR, ESME_RX_T_APPN, ESME_RINVBNDSTS]);
const statusNames = new Map(Object.entries(smpp.errors).map(([name, status]) => [status, name]));
/** message_state TLV values, for receipts that carry no readable text. */
const MESSAGE_STATES = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

/** "ESME_RINVDSTADR (0x0000000B)" */
export function describeStatus(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
  const name = statusNames.get(status);
  return name ? `${name} (${hex})` : hex;
}

export type SmppAddress = { ton: number; npi: number; addr: string };

/**
 * SMPP 3.4 conventions for the sender: "+31…"/"0031…"/long digit strings are international
 * (TON 1, NPI 1 E.164), up to 8 digits a short code (TON 3 network specific), anything else
 * alphanumeric (TON 5; handsets show at most 11 characters).
 */
export function sourceAddress(sender: string): SmppAddress {
  const value = sender.trim();
  if (/^\+\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(1) };
  if (/^00\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(2) };
  if (/^\d{1,8}$/.test(value)) return { ton: 3, npi: 0, addr: value };
  if (/^\d+$/.test(value)) return { ton: 1, npi: 1, addr: value };
  return { ton: 5, npi: 0, addr: value };
}

/** E.164 "+31612345678" → TON 1, NPI 1, "31612345678"; undefined for anything else. */
export function destinationAddress(e164: string): SmppAddress | undefined {
  return /^\+[1-9]\d{1,14}$/.test(e164) ? { ton: 1, npi: 1, addr: e164.slice(1) } : undefined;
}

export function createSmppGateway(settings: SmppSettings, log: Logger, options: SmppGatewayOptions = {}): SmsGateway {
  const enquireLinkIntervalMs = options.enquireLinkIntervalMs ?? 30_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
  const submitTimeoutMs = options.submitTimeoutMs ?? 30_000;
  const reconnectMinMs = options.reconnectMinMs ?? 1_000;
  const reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
  const slotWaitMs = options.slotWaitMs ?? 30_000;
  const throttleMinMs = options.throttleMinMs ?? 1_000;
  const throttleMaxMs = options.throttleMaxMs ?? 60_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  const random = options.random ?? Math.random;
  const window = Math.max(1, settings.window);
  const source = sourceAddress(settings.sourceAddr);
  const where = { host: settings.host, port: settings.port, systemId: settings.systemId, tls: settings.tls };
  if (source.ton === 5 && source.addr.length > 11) {
    log.warn('SMPP source address is longer than the 11 characters handsets show', { sourceAddr: source.addr });
  }

  const readyHandlers: Array<() => void> = [];
  const reportHandlers: Array<(report: DeliveryReport) => void> = [];
  let link: Link | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let failedAttempts = 0;

  // The window: at most `window` submit_sm awaiting a response, granted first come first served.
  let inUse = 0;
  const slotWaiters: Array<(granted: boolean) => void> = [];
  let whenIdle: (() => void) | undefined;
  let pausedUntil = 0;
  let throttleMs = 0;
  let pauseTimer: ReturnType<typeof setTimeout> | undefined;

  function connect(): void {
    reconnectTimer = undefined;
    if (closing) return;
    const session = smpp.connect({
      host: settings.host,
      port: settings.port,
      ...(settings.tls ? { tls: true, ...options.tls } : {}),
    });
    const current: Link = { session, bound: false, boundAt: 0, dropped: false, inflight: new Set(), timers: [] };
    link = current;
    current.timers.push(setTimeout(() => drop(current, `not bound within ${responseTimeoutMs} ms`), responseTimeoutMs));
    session.on('error', (error) => drop(current, error.message));
    session.on('close', () => drop(current, 'connection closed'));
    // For smpps:// the plain 'connect' comes before the TLS handshake; bind only once it is secure.
    session.on(settings.tls ? 'secureConnect' : 'connect', () => void bind(current));
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu) => onDeliverSm(current, pdu));
    session.on('unbind', (pdu) => {
      current.bound = false;
      session.send(pdu.response(), () => drop(current, 'SMSC unbound'));
    });
    session.on('unknown', (pdu) => session.send(pdu.response())); // generic_nack
  }

  async function bind(current: Link): Promise<void> {
    const outcome = await request(
      current,
      (onResponse) =>
        current.session.bind_transceiver(
          { system_id: settings.systemId, password: settings.password, interface_version: INTERFACE_VERSION_3_4 },
          onResponse,
        ),
      responseTimeoutMs,
    );
    if (current.dropped) return;
    if (outcome.kind !== 'response') return drop(current, `no bind_transceiver_resp (${outcome.kind})`);
    const status = outcome.pdu.command_status;
    if (status !== 0) {
      log.error('SMSC rejected the SMPP bind: check the system id and password in SMPP_URL', {
        ...where,
        status: describeStatus(status),
      });
      failedAttempts = Math.max(failedAttempts, BIND_REJECTED_MIN_STEPS);
      return drop(current, `bind rejected: ${describeStatus(status)}`);
    }
    for (const timer of current.timers.splice(0)) clearTimeout(timer);
    current.bound = true;
    current.boundAt = Date.now();
    current.timers.push(setInterval(() => void enquireLink(current), enquireLinkIntervalMs));
    log.info('SMPP bound', where);
    pump();
    for (const handler of readyHandlers) guard('onReady handler', () => handler());
  }

  async function enquireLink(current: Link): Promise<void> {
    const outcome = await request(
      current,
      (onResponse) => current.session.enquire_link({}, onResponse),
      responseTimeoutMs,
    );
    if (outcome.kind === 'timeout' || outcome.kind === 'unsent') {
      log.warn('SMSC did not answer enquire_link; reconnecting', where);
      drop(current, 'enquire_link unanswered');
    }
  }

  /** Ends a link for good (idempotent) and, unless closing, schedules the next connection. */
  function drop(current: Link, reason: string): void {
    if (current.dropped) return;
    current.dropped = true;
    for (const timer of current.timers) clearTimeout(timer);
    const wasBound = current.bound;
    current.bound = false;
    for (const settle of [...current.inflight]) settle({ kind: 'lost' });
    current.session.destroy();
    if (link === current) link = undefined;
    if (closing) return;
    // A link that stayed up longer than the longest back-off was healthy: start over from the minimum.
    if (wasBound && Date.now() - current.boundAt >= reconnectMaxMs) failedAttempts = 0;
    const delay = Math.round(Math.min(reconnectMaxMs, reconnectMinMs * 2 ** failedAttempts) * (0.75 + random() * 0.5));
    failedAttempts++;
    if (wasBound) log.warn('SMPP link lost; reconnecting', { ...where, reason, retryInMs: delay });
    else log.info('SMPP connection failed; retrying', { ...where, reason, retryInMs: delay });
    reconnectTimer = setTimeout(connect, delay);
  }

  /** Sends a request on a link; resolves with its response, or why there is none. Never rejects. */
  function request(current: Link, send: (onResponse: PduCallback) => boolean, timeoutMs: number): Promise<Outcome> {
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

  function onDeliverSm(current: Link, pdu: PDU): void {
    current.session.send(pdu.response()); // answered first and always, or the SMSC redelivers
    guard('deliver_sm', () => {
      if (!((pdu.esm_class ?? 0) & ESM_CLASS_RECEIPT)) {
        log.info('ignoring mobile-originated SMS', { from: pdu.source_addr });
        return;
      }
      const receipt = parseReceipt(bodyText(pdu.short_message) || bodyText(pdu.message_payload));
      // receipted_message_id has the submit_sm_resp format; the text id is sometimes in decimal.
      const messageId = pdu.receipted_message_id || receipt?.messageId;
      const stat = receipt?.stat ?? (pdu.message_state === undefined ? undefined : MESSAGE_STATES[pdu.message_state]);
      if (!messageId || !stat) {
        log.warn('unreadable delivery receipt ignored', { from: pdu.source_addr });
        return;
      }
      const report: DeliveryReport = {
        messageId,
        delivered: stat === 'DELIVRD',
        stat,
        ...(receipt?.err ? { err: receipt.err } : {}),
      };
      for (const handler of reportHandlers) guard('onReport handler', () => handler(report));
    });
  }

  function guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      log.error(`${what} failed`, { error });
    }
  }

  function canSend(): boolean {
    return !!link?.bound && inUse < window && Date.now() >= pausedUntil;
  }

  function pump(): void {
    while (slotWaiters.length > 0 && canSend()) {
      inUse++;
      slotWaiters.shift()!(true);
    }
  }

  function waitForSlot(timeoutMs: number): Promise<boolean> {
    if (slotWaiters.length === 0 && canSend()) {
      inUse++;
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0 || closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (granted: boolean) => {
        clearTimeout(timer);
        resolve(granted);
      };
      const timer = setTimeout(() => {
        const index = slotWaiters.indexOf(waiter);
        if (index >= 0) slotWaiters.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      slotWaiters.push(waiter);
    });
  }

  function releaseSlot(): void {
    inUse--;
    if (inUse === 0) whenIdle?.();
    pump();
  }

  /** A bound link with a slot taken on it, or undefined when none came by the deadline. */
  async function acquire(deadline: number): Promise<Link | undefined> {
    for (;;) {
      if (!(await waitForSlot(deadline - Date.now()))) return undefined;
      if (link?.bound) return link;
      releaseSlot(); // the link went between the grant and now
    }
  }

  function pause(ms: number): void {
    pausedUntil = Date.now() + ms;
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(pump, ms);
  }

  function failureFor(status: number): Failure {
    const name = describeStatus(status);
    if (status === ESME_RTHROTTLED) {
      // Responses to a full window arrive together: grow the pause only when throttling outlasts it.
      if (Date.now() >= pausedUntil) {
        throttleMs = throttleMs ? Math.min(throttleMaxMs, throttleMs * 2) : throttleMinMs;
        pause(throttleMs);
      }
      return {
        ok: false,
        permanent: false,
        commandStatus: status,
        retryAfterMs: pausedUntil - Date.now(),
        reason: `SMSC throttled: ${name}`,
      };
    }
    if (TRANSIENT_STATUSES.has(status)) {
      if (status === ESME_RINVBNDSTS && link) drop(link, 'SMSC says the session is not bound');
      return {
        ok: false,
        permanent: false,
        commandStatus: status,
        reason: `SMSC temporarily refused the message: ${name}`,
      };
    }
    return { ok: false, permanent: true, commandStatus: status, reason: `SMSC rejected the message: ${name}` };
  }

  async function submitPart(
    fields: PduOptions,
    continuation: boolean,
  ): Promise<{ ok: true; messageId: string } | Failure> {
    const deadline = Date.now() + slotWaitMs;
    for (let attempt = 1; ; attempt++) {
      const current = await acquire(deadline);
      if (!current) {
        const reason = closing
          ? 'SMPP gateway closing'
          : link?.bound
            ? 'no free SMPP window slot in time'
            : 'not bound to the SMSC';
        return { ok: false, permanent: false, reason };
      }
      let outcome: Outcome;
      try {
        outcome = await request(
          current,
          (onResponse) => current.session.submit_sm(fields, onResponse),
          submitTimeoutMs,
        );
      } finally {
        releaseSlot();
      }
      if (outcome.kind === 'unsent') {
        // Never left this process, so it is safe to try again, on a new link: this socket is done.
        drop(current, 'socket not writable');
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
          reason: `no submit_sm_resp within ${submitTimeoutMs} ms`,
        };
      const status = outcome.pdu.command_status;
      if (status === 0) {
        if (Date.now() >= pausedUntil) throttleMs = 0;
        return { ok: true, messageId: outcome.pdu.message_id ?? '' };
      }
      const failure = failureFor(status);
      if (!continuation || failure.permanent || attempt >= CONTINUATION_ATTEMPTS) return failure;
      await new Promise((resolve) => setTimeout(resolve, failure.retryAfterMs ?? throttleMinMs));
    }
  }

  async function submit(sms: OutgoingSms): Promise<SubmitResult> {
    if (closing) return { ok: false, permanent: false, reason: 'SMPP gateway closing' };
    const destination = destinationAddress(sms.to);
    if (!destination) return { ok: false, permanent: true, reason: 'destination is not an E.164 number' };
    let encoded: EncodedSms;
    try {
      encoded = splitSms(sms.text);
    } catch (error) {
      return { ok: false, permanent: true, reason: error instanceof Error ? error.message : String(error) };
    }
    const pausedFor = pausedUntil - Date.now();
    if (pausedFor > 0)
      return { ok: false, permanent: false, retryAfterMs: pausedFor, reason: 'SMSC throttling: submits paused' };

    const messageIds: string[] = [];
    for (const [index, part] of encoded.parts.entries()) {
      const result = await submitPart(
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
        log.warn('SMS not accepted by the SMSC', { reference: sms.reference, reason, permanent: result.permanent });
        return { ...result, reason };
      }
      messageIds.push(result.messageId);
    }
    log.info('SMS accepted by the SMSC', { reference: sms.reference, messageIds });
    return { ok: true, messageIds };
  }

  async function shutDown(): Promise<void> {
    closing = true;
    clearTimeout(reconnectTimer);
    clearTimeout(pauseTimer);
    for (const waiter of slotWaiters.splice(0)) waiter(false);
    if (inUse > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeTimeoutMs);
        whenIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const current = link;
    if (current?.bound) {
      for (const timer of current.timers.splice(0)) clearTimeout(timer);
      current.bound = false;
      await request(
        current,
        (onResponse) => current.session.unbind({}, onResponse),
        Math.min(responseTimeoutMs, 2_000),
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
    if (current) drop(current, 'closed');
    log.info('SMPP gateway closed', where);
  }

  connect();
  return {
    kind: 'smpp',
    ready: () => !closing && !!link?.bound,
    submit,
    onReport: (handler) => void reportHandlers.push(handler),
    onReady: (handler) => void readyHandlers.push(handler),
    close: () => (closed ??= shutDown()),
  };
}

function bodyText(field: PDU['short_message']): string {
  if (!field) return '';
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  return typeof field.message === 'string' ? field.message : field.message.toString('latin1');
}
