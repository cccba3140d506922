// A small SMSC for tests and e2e, built on the `smpp` package's own server so
// Loupe's client is checked against an independent SMPP implementation. It
// listens on 127.0.0.1 (or the test process's address on e2e's own test
// network), decodes what it receives (GSM-7, UCS-2, concatenated parts) and
// can misbehave on demand: throttle, fail, delay, go silent, stop.
import smpp, { type PDU, type PduOptions, type Server, type Session } from 'smpp';
import type { SmppSettings } from './gateway.ts';
import { joinParts, type ReceivedMessage, type ReceivedPart, receivedPart } from './test-smsc-received.ts';

export type { ReceivedMessage, ReceivedPart } from './test-smsc-received.ts';

export type ReceiptStat = 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD' | 'DELETED' | 'UNKNOWN' | 'ACCEPTD';

export type TestSmscOptions = {
  systemId: string;
  password: string;
  /** Default 0: any free port, kept for restarts. */
  port?: number;
  /** PEM key and certificate: serve smpps:// instead. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Default 127.0.0.1; e2e's hosts on a test network reach it at the test process's address there. */
  hostname?: string;
};

const MESSAGE_STATE: Record<ReceiptStat, number> = {
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};
const { ESME_RTHROTTLED, ESME_RINVBNDSTS, ESME_RINVPASWD, ESME_RINVSYSID, ESME_RALYBND } = smpp.errors;

export async function startTestSmsc(options: TestSmscOptions): Promise<TestSmsc> {
  const smsc = new TestSmsc(options);
  await smsc.start();
  return smsc;
}

export class TestSmsc {
  /** Every accepted submit_sm, in arrival order (kept across restarts). */
  readonly received: ReceivedPart[] = [];
  /** Send a receipt for each accepted part, a few ms after its submit_sm_resp. */
  autoReceipt: false | 'DELIVRD' | 'UNDELIV' = false;
  /** How long to hold each submit_sm_resp, to keep submits outstanding. */
  responseDelayMs = 0;
  /** When false, enquire_link goes unanswered, as on a dead link. */
  answerEnquireLink = true;
  /** Every bind attempt, with whether it was accepted. */
  readonly binds: Array<{ systemId: string; accepted: boolean }> = [];
  unbinds = 0;
  enquireLinks = 0;
  /** Highest number of submit_sm awaiting a response at once, on any one session. */
  maxOutstanding = 0;

  #options: TestSmscOptions;
  #port: number;
  #hostname: string;
  #server?: Server;
  #sessions = new Set<Session>();
  #bound = new Set<Session>();
  #injected: number[] = []; // command_status for the next submit_sm, in order
  #nextId = 0;
  #waiters = new Set<() => void>();
  #queuedReceipts: Array<{ options: PduOptions; acked: () => void }> = [];

  constructor(options: TestSmscOptions) {
    this.#options = options;
    this.#port = options.port ?? 0;
    this.#hostname = options.hostname ?? '127.0.0.1';
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const { systemId, password, tls } = this.#options;
    return `${tls ? 'smpps' : 'smpp'}://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@${this.#hostname}:${this.#port}`;
  }

  /** Settings for createSmppGateway pointing at this SMSC. */
  settings(overrides: Partial<SmppSettings> = {}): SmppSettings {
    const { systemId, password, tls } = this.#options;
    return {
      host: this.#hostname,
      port: this.#port,
      systemId,
      password,
      tls: !!tls,
      sourceAddr: 'Loupe',
      window: 10,
      ...overrides,
    };
  }

  /** Bound sessions right now. */
  get boundSessions(): number {
    return this.#bound.size;
  }

  throttleNext(n: number): void {
    for (let i = 0; i < n; i++) this.#injected.push(ESME_RTHROTTLED);
  }

  failNext(n: number, commandStatus: number): void {
    for (let i = 0; i < n; i++) this.#injected.push(commandStatus);
  }

  /** Complete texts received so far, concatenated parts joined; incomplete ones are left out. */
  messages(): ReceivedMessage[] {
    const complete: ReceivedMessage[] = [];
    const open = new Map<string, ReceivedPart[]>();
    for (const part of this.received) {
      if (!part.concat) {
        complete.push(joinParts([part]));
        continue;
      }
      const key = `${part.from}|${part.to}|${part.concat.reference}|${part.concat.total}`;
      const parts = [...(open.get(key) ?? []), part];
      if (new Set(parts.map((p) => p.concat!.seq)).size < part.concat.total) {
        open.set(key, parts);
        continue;
      }
      open.delete(key); // the reference may be reused by a later text
      complete.push(joinParts(parts.sort((a, b) => a.concat!.seq - b.concat!.seq)));
    }
    return complete;
  }

  /** The first complete text matching `predicate`, including ones that arrived before the call. */
  waitForMessage(
    predicate: (message: ReceivedMessage) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ReceivedMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages().find(predicate);
        if (!found) return false;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(`test SMSC: no matching message within ${timeoutMs} ms (${this.received.length} parts received)`),
        );
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  /**
   * Sends a delivery receipt for a message id through the session that submitted it, or any
   * bound session; queued until the next bind when none is bound. Resolves on deliver_sm_resp.
   */
  sendReceipt(
    messageId: string,
    stat: ReceiptStat = 'DELIVRD',
    extra: { err?: string; tlvs?: boolean } = {},
  ): Promise<void> {
    const part = this.received.find((p) => p.messageId === messageId);
    const now = receiptDate(new Date());
    const excerpt = (part?.text ?? '').slice(0, 20);
    const text = `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:${now} done date:${now} stat:${stat} err:${extra.err ?? '000'} text:${excerpt}`;
    const options: PduOptions = {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: part?.to ?? '',
      destination_addr: part?.from ?? '',
      esm_class: 0x04, // MC delivery receipt
      data_coding: 0,
      short_message: text,
      ...(extra.tlvs ? { receipted_message_id: messageId, message_state: MESSAGE_STATE[stat] } : {}),
    };
    return new Promise((acked) => {
      const via = part && this.#bound.has(sessionOf(part)) ? sessionOf(part) : [...this.#bound][0];
      if (via) via.deliver_sm(options, () => acked());
      else this.#queuedReceipts.push({ options, acked });
    });
  }

  /** Sends a mobile-originated text (not a receipt) to every bound session. */
  sendMobileOriginated(from: string, to: string, text: string): void {
    for (const session of this.#bound) {
      session.deliver_sm({
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from,
        destination_addr: to,
        data_coding: 8,
        short_message: text,
      });
    }
  }

  /** Sends enquire_link to every bound session; resolves when all have answered. */
  enquireLinkClients(): Promise<void> {
    return Promise.all(
      [...this.#bound].map((session) => new Promise<void>((answered) => session.enquire_link({}, () => answered()))),
    ).then(() => {});
  }

  /** Listens (again) on its address, on the same port after the first start. */
  async start(): Promise<void> {
    if (this.#server) return;
    const { tls } = this.#options;
    const server = smpp.createServer(tls ? { key: tls.key, cert: tls.cert } : {}, (session) => this.#accept(session));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#hostname, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    this.#server = server;
  }

  /** Closes the listener and every session, as if the SMSC went down. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(
      [...this.#sessions].map((session) => new Promise<void>((resolve) => session.destroy(() => resolve()))),
    );
    await closed;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  #accept(session: Session): void {
    this.#sessions.add(session);
    let outstanding = 0;
    session.on('error', () => {}); // resets from clients going away are expected
    session.on('close', () => {
      this.#sessions.delete(session);
      this.#bound.delete(session);
    });
    const bind = (pdu: PDU) => {
      const accepted = pdu.system_id === this.#options.systemId && pdu.password === this.#options.password;
      this.binds.push({ systemId: pdu.system_id ?? '', accepted });
      if (this.#bound.has(session)) return session.send(pdu.response({ command_status: ESME_RALYBND }));
      if (!accepted) {
        const status = pdu.system_id === this.#options.systemId ? ESME_RINVPASWD : ESME_RINVSYSID;
        return session.send(pdu.response({ command_status: status }));
      }
      session.send(pdu.response({ system_id: 'loupe-test-smsc' }));
      this.#bound.add(session);
      for (const queued of this.#queuedReceipts.splice(0)) session.deliver_sm(queued.options, () => queued.acked());
    };
    session.on('bind_transceiver', bind);
    session.on('bind_transmitter', bind);
    session.on('bind_receiver', bind);
    session.on('enquire_link', (pdu) => {
      this.enquireLinks++;
      if (this.answerEnquireLink) session.send(pdu.response());
    });
    session.on('unbind', (pdu) => {
      this.unbinds++;
      this.#bound.delete(session);
      session.send(pdu.response());
    });
    session.on('unknown', (pdu) => session.send(pdu.response())); // generic_nack
    session.on('submit_sm', (pdu) => {
      if (!this.#bound.has(session)) return session.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
      const status = this.#injected.shift() ?? 0;
      outstanding++;
      this.maxOutstanding = Math.max(this.maxOutstanding, outstanding);
      const respond = () => {
        outstanding--;
        if (status !== 0) return session.send(pdu.response({ command_status: status }));
        const messageId = (++this.#nextId).toString(16).padStart(8, '0');
        const part = receivedPart(pdu, messageId);
        partSessions.set(part, session);
        this.received.push(part);
        session.send(pdu.response({ message_id: messageId }));
        for (const check of [...this.#waiters]) check();
        const stat = this.autoReceipt;
        if (stat) setTimeout(() => void this.sendReceipt(messageId, stat), 5);
      };
      if (this.responseDelayMs > 0) setTimeout(respond, this.responseDelayMs);
      else respond();
    });
  }
}

// Kept outside ReceivedPart so tests can compare parts with toEqual without a socket in them.
const partSessions = new WeakMap<ReceivedPart, Session>();
function sessionOf(part: ReceivedPart): Session {
  return partSessions.get(part)!;
}

/** YYMMDDhhmm, the receipt's date format. */
function receiptDate(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(2, 12);
}
