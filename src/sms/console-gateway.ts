// The gateway when no SMSC is configured: texts go to the log, so an operator
// can read a PIN out over the phone. Nothing leaves the server, so no receipts.
import type { Logger } from '../log.ts';
import type { SmsGateway } from './gateway.ts';

export function createConsoleGateway(log: Logger): SmsGateway {
  let sent = 0;
  return {
    kind: 'console',
    ready: () => true,
    async submit(sms) {
      const messageId = `console-${++sent}`;
      log.info('SMS (console gateway, not sent)', { reference: sms.reference, to: sms.to, text: sms.text, messageId });
      return { ok: true, messageIds: [messageId] };
    },
    onReport() {},
    // Always ready, so there is no later moment to announce.
    onReady() {},
    async close() {},
  };
}
