// The seam between Loupe and whatever delivers text messages. The outbox
// (src/sms/outbox.ts) is the only caller: it decides what to send and when,
// a gateway only knows how.

/** An SMS the outbox hands to a gateway. `reference` is the outbox row id, for logs. */
export type OutgoingSms = { reference: string; to: string /* E.164, e.g. +31612345678 */; text: string };

export type SubmitResult =
  /** The SMSC accepted every part; one message id per part, in order. */
  | { ok: true; messageIds: string[] }
  /**
   * Not accepted. `permanent` failures are never retried (e.g. invalid destination);
   * transient ones are retried by the outbox after `retryAfterMs` (throttling, SMSC busy, not bound).
   * `outcomeUnknown` means the request may have reached the SMSC (connection lost before
   * the response): the outbox does not resend those, so a customer never gets two texts.
   */
  | {
      ok: false;
      permanent: boolean;
      reason: string;
      commandStatus?: number;
      retryAfterMs?: number;
      outcomeUnknown?: boolean;
    };

/** A delivery receipt for one part, parsed from deliver_sm. */
export type DeliveryReport = {
  messageId: string;
  delivered: boolean;
  stat: string /* DELIVRD, UNDELIV, EXPIRED, REJECTD, … */;
  err?: string;
};

export interface SmsGateway {
  readonly kind: 'smpp' | 'console';
  /** True when a submit can be attempted now (for SMPP: bound). */
  ready(): boolean;
  /** Resolves when the SMSC answered (or the attempt failed); never rejects. */
  submit(sms: OutgoingSms): Promise<SubmitResult>;
  /** Called for every delivery receipt. */
  onReport(handler: (report: DeliveryReport) => void): void;
  /** Called every time the gateway becomes ready (bound or re-bound), so the outbox can wake up. */
  onReady(handler: () => void): void;
  /** Stops reconnecting, waits (bounded) for outstanding responses, unbinds and closes. */
  close(): Promise<void>;
}

/** SMPP settings from config.ts (SMPP_URL, SMPP_SOURCE_ADDR, SMPP_WINDOW). */
export type SmppSettings = {
  host: string;
  port: number;
  systemId: string;
  password: string;
  tls: boolean; // smpps:// URLs
  sourceAddr: string;
  window: number; // outstanding submit_sm, default 10
};
