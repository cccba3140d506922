// The `smpp` package (0.5.1) ships no types. These cover only what Loupe uses:
// a client session, the package's server (the test SMSC) and the PDU fields we read or set.
declare module 'smpp' {
  import type { Server as NetServer, Socket } from 'node:net';
  import type { ConnectionOptions } from 'node:tls';

  /**
   * What the package decodes `short_message` / `message_payload` into: `udh` is the list of
   * information elements (each `[iei, length, ...data]`), `message` the text decoded per data_coding.
   */
  export type DecodedMessage = { udh?: Buffer[]; message: string | Buffer };

  /**
   * On encode a Buffer is sent as is; `{ udh, message }` with a Buffer message is sent as
   * udh + message, and the package sets the UDHI bit in esm_class itself.
   */
  export type ShortMessage = Buffer | string | { udh?: Buffer; message: Buffer | string };

  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    system_id?: string;
    password?: string;
    system_type?: string;
    interface_version?: number;
    service_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    protocol_id?: number;
    registered_delivery?: number;
    data_coding?: number | null;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
  }

  /** Outgoing fields: short_message and message_payload are encoded by the package. */
  export interface PduOptions extends PduFields {
    short_message?: ShortMessage;
    message_payload?: ShortMessage;
  }

  // The class carries every PduFields field (merged from the interface below);
  // here only what a received PDU always has, or has in another type.
  export class PDU {
    constructor(command: string, options?: PduOptions);
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    /** Decoded on receipt; a string or Buffer only for PDUs built locally. */
    short_message?: DecodedMessage | ShortMessage;
    message_payload?: DecodedMessage | ShortMessage;
    isResponse(): boolean;
    response(options?: PduOptions): PDU;
  }
  export interface PDU extends PduFields {}

  export type PduCallback = (pdu: PDU) => void;
  type Request = (options: PduOptions, onResponse?: PduCallback) => boolean;

  export interface Session {
    readonly socket: Socket;
    /**
     * False when the socket is not writable (nothing was sent). The callback gets the response
     * for a request, or is called once written for a response PDU.
     */
    send(pdu: PDU, callback?: PduCallback): boolean;
    bind_transceiver: Request;
    submit_sm: Request;
    deliver_sm: Request;
    enquire_link: Request;
    unbind: Request;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    on(event: 'connect' | 'secureConnect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: string, listener: PduCallback): this;
    once(event: 'close', listener: () => void): this;
  }

  export type ConnectOptions = { host: string; port: number; tls?: boolean } & Omit<ConnectionOptions, 'host' | 'port'>;
  export function connect(options: ConnectOptions, listener?: () => void): Session;

  export interface Server extends NetServer {
    /** Open sessions; the package removes a session when its socket closes. */
    sessions: Session[];
  }
  export function createServer(
    options: { key?: Buffer | string; cert?: Buffer | string },
    listener?: (session: Session) => void,
  ): Server;

  type KnownStatus =
    | 'ESME_ROK'
    | 'ESME_RINVBNDSTS'
    | 'ESME_RALYBND'
    | 'ESME_RSYSERR'
    | 'ESME_RINVSRCADR'
    | 'ESME_RINVDSTADR'
    | 'ESME_RBINDFAIL'
    | 'ESME_RINVPASWD'
    | 'ESME_RINVSYSID'
    | 'ESME_RMSGQFUL'
    | 'ESME_RTHROTTLED'
    | 'ESME_RX_T_APPN';
  /** ESME_R* name → command_status. */
  export const errors: Readonly<Record<string, number> & Record<KnownStatus, number>>;

  type Coder = { match(text: string): boolean; encode(text: string): Buffer; decode(octets: Buffer): string };
  /** The package's text coders; ASCII is in fact GSM 03.38 (unpacked septets). */
  export const encodings: { ASCII: Coder; LATIN1: Coder; UCS2: Coder };

  const smpp: {
    connect: typeof connect;
    createServer: typeof createServer;
    errors: typeof errors;
    encodings: typeof encodings;
    PDU: typeof PDU;
  };
  export default smpp;
}
