// The gateway when no SMSC is configured: nothing leaves the server, so no
// receipts. The console shows the technician the PIN and link to read out or
// paste. The text itself is not logged: it holds the PIN and the link, and no
// PIN or token reaches a log (docs/configuration.md, SMPP_URL); the line says a
// text was due, to whom (masked) and how long it was.
import type { Logger } from '../log.ts';
import type { SmsGateway } from './gateway.ts';

/** `+31611122233` → `+316•••••233`: enough to tell two customers apart, not to call one. */
export function maskedNumber(to: string): string {
  if (to.length < 8) return '•'.repeat(to.length);
  return `${to.slice(0, 4)}${'•'.repeat(to.length - 7)}${to.slice(-3)}`;
}

export function createConsoleGateway(log: Logger): SmsGateway {
  let sent = 0;
  return {
    kind: 'console',
    ready: () => true,
    async submit(sms) {
      const messageId = `console-${++sent}`;
      log.info('SMS (console gateway, not sent)', {
        reference: sms.reference,
        to: maskedNumber(sms.to),
        characters: sms.text.length,
        messageId,
      });
      return { ok: true, messageIds: [messageId] };
    },
    onReport() {},
    // Always ready, so there is no later moment to announce.
    onReady() {},
    async close() {},
  };
}
