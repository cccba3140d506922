// Sending one e-mail through SMTP_URL with nodemailer, and telling the outbox
// what the answer means: accepted, refused for now (4xx, a dropped or refused
// connection: retry), refused for good (5xx: the server's reason), or
// unknown (the whole message went out and the connection dropped before the
// server's answer: it may have been accepted, so it is not sent again).
// smtp:// upgrades with STARTTLS when the server offers it, smtps:// is TLS
// from the first byte; user:password in the URL authenticate.
import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../config.ts';

export type OutgoingEmail = { reference: string; to: string; subject: string; text: string; html: string };

export type SendResult =
  | { ok: true; messageId: string | null }
  | { ok: false; permanent: boolean; reason: string; outcomeUnknown?: boolean };

export interface EmailSender {
  /** Resolves with the outcome; never rejects. */
  send(email: OutgoingEmail): Promise<SendResult>;
}

export type SmtpOptions = {
  /** PEM certificates to trust besides the system's: only tests pass their self-signed one. */
  ca?: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
};

type SmtpError = Error & { code?: string; responseCode?: number; response?: string; command?: string };

/** The server's reply on one line, without anything the client sent (the reply never echoes a password). */
function reply(err: SmtpError): string {
  const text = (err.response ?? err.message).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function createSmtpSender(settings: SmtpSettings, opts: SmtpOptions = {}): EmailSender {
  return {
    async send(email) {
      // Set once nodemailer has written the message's last byte (its "encoded mime
      // message" log entry): from then on a lost connection may still have delivered it.
      let messageWritten = false;
      const logger = {
        info(entry: Record<string, unknown>) {
          if (entry?.tnx === 'message' && typeof entry.outByteCount === 'number') messageWritten = true;
        },
        // Everything else nodemailer logs is dropped: its debug lines would carry the AUTH exchange.
        trace() {},
        debug() {},
        warn() {},
        error() {},
        fatal() {},
      };
      // One connection per message: invitations are few, and nothing is left open between them.
      const transport = nodemailer.createTransport({
        url: settings.url,
        logger,
        debug: false,
        connectionTimeout: opts.connectionTimeoutMs ?? 30_000,
        greetingTimeout: opts.connectionTimeoutMs ?? 30_000,
        socketTimeout: opts.socketTimeoutMs ?? 60_000,
        tls: opts.ca ? { ca: opts.ca } : undefined,
      } as Parameters<typeof nodemailer.createTransport>[0]);
      try {
        const info = await transport.sendMail({
          from: settings.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
        });
        if (info.rejected?.length) return { ok: false, permanent: true, reason: `The server refused ${email.to}.` };
        return { ok: true, messageId: info.messageId ?? null };
      } catch (e) {
        const err = e as SmtpError;
        const code = err.responseCode;
        if (code && code >= 500) return { ok: false, permanent: true, reason: reply(err) };
        if (code && code >= 400) return { ok: false, permanent: false, reason: reply(err) };
        if (messageWritten)
          return { ok: false, permanent: true, outcomeUnknown: true, reason: `${err.code ?? 'error'}: ${reply(err)}` };
        return { ok: false, permanent: false, reason: `${err.code ?? 'error'}: ${reply(err)}` };
      } finally {
        transport.close();
      }
    },
  };
}
