// transcript.txt of an evidence bundle: the chat, one line per message, UTC
// times. A message's own line breaks continue indented under it, so every
// line that starts with a time is a message and no text can forge one.
import type { Report } from '../contract/records.ts';

/** `2026-11-25 09:01:02 UTC`: the bundle's one way of writing a time. */
export const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

const WHO = { technician: 'Technician', customer: 'Customer' } as const;

export function transcriptText(report: Pick<Report, 'messages' | 'session'>): string {
  const head = [
    `Chat transcript of session ${report.session.id} (${report.session.name})`,
    `Technician: ${report.session.technician.name}`,
    '',
  ];
  const lines = report.messages.map((m) => {
    const [first, ...rest] = m.text.split(/\r\n|\r|\n/);
    const who = m.from === 'technician' ? `${WHO.technician} (${report.session.technician.name})` : WHO.customer;
    return [`${utc(m.sentAt)}  ${who}: ${first}`, ...rest.map((line) => `    ${line}`)].join('\n');
  });
  if (!lines.length) lines.push('(no messages)');
  return `${[...head, ...lines].join('\n')}\n`;
}
