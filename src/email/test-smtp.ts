// A real SMTP server for the tests (the smtp-server package) on 127.0.0.1:
// it keeps what it received, answers what a test tells it to, and can offer
// STARTTLS (or TLS from the start) with a self-signed certificate and demand
// AUTH. Plus a small MIME reader, enough to check both parts of a message.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { CertificateFiles } from '../testing/tls.ts';

export type ReceivedMail = { from: string; to: string[]; raw: string; secure: boolean; user: string | undefined };

/** What to answer a message: accept it, refuse with a code, or drop the connection after reading it. */
export type Answer = 'accept' | { code: number; message: string } | 'drop';

export type TestSmtp = {
  url(opts?: { user?: string; pass?: string }): string;
  received: ReceivedMail[];
  /** Answers for the next messages, in order; then 'accept'. */
  answers: Answer[];
  /** Messages that reached DATA (refused ones too). */
  attempts: number;
  waitForMail(count?: number, ms?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
};

export async function startTestSmtp(
  opts: { tls?: CertificateFiles; secure?: boolean; auth?: { user: string; pass: string } } = {},
): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const answers: Answer[] = [];
  const state = { attempts: 0 };
  const server = new SMTPServer({
    secure: !!opts.secure,
    key: opts.tls ? readFileSync(opts.tls.keyFile) : undefined,
    cert: opts.tls ? readFileSync(opts.tls.certFile) : undefined,
    // Without a certificate there is nothing to upgrade to.
    disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])],
    authOptional: !opts.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.auth?.user && auth.password === opts.auth?.pass)
        return callback(null, { user: auth.username });
      const err = new Error('Authentication failed') as Error & { responseCode: number };
      err.responseCode = 535;
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts++;
        const answer = answers.shift() ?? 'accept';
        if (answer === 'drop') {
          // The whole message arrived, and no answer ever comes.
          const connections = (
            server as unknown as { connections: Set<{ session: unknown; _socket: { destroy(): void } }> }
          ).connections;
          for (const c of connections) if (c.session === session) c._socket.destroy();
          return;
        }
        if (answer !== 'accept') {
          const err = new Error(answer.message) as Error & { responseCode: number };
          err.responseCode = answer.code;
          return callback(err);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        callback(null, 'Queued as test');
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {}); // a dropped client is not the test's failure
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: ({ user, pass } = {}) =>
      `${opts.secure ? 'smtps' : 'smtp'}://${user ? `${encodeURIComponent(user)}:${encodeURIComponent(pass ?? '')}@` : ''}127.0.0.1:${port}`,
    received,
    answers,
    get attempts() {
      return state.attempts;
    },
    async waitForMail(count = 1, ms = 10_000) {
      const end = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > end) throw new Error(`expected ${count} mail(s) in ${ms} ms, got ${received.length}`);
        await Bun.sleep(20);
      }
      return received;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type MimePart = { contentType: string; body: string };

function headersOf(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding?.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding?.toLowerCase() === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** The message's headers and its leaf parts (a multipart/alternative one level deep, or a single part), decoded. */
export function parseMime(raw: string): { headers: Record<string, string>; parts: MimePart[] } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = headersOf(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!boundary)
    return {
      headers,
      parts: [{ contentType: headers['content-type'] ?? '', body: decode(body, headers['content-transfer-encoding']) }],
    };
  const parts = body
    .split(`--${boundary}`)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .flatMap((p) => parseMime(p.replace(/^\r?\n/, '')).parts);
  return { headers, parts };
}

/** The decoded body of the first part of that content type. */
export function partOf(raw: string, type: 'text/plain' | 'text/html'): string {
  const part = parseMime(raw).parts.find((p) => p.contentType.toLowerCase().startsWith(type));
  if (!part) throw new Error(`no ${type} part`);
  return part.body;
}
