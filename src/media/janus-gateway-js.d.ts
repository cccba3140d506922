// The few parts of janus-gateway-js (no types ship) that Loupe's server uses.
declare module 'janus-gateway-js' {
  type Plain = Record<string, unknown>;
  class JanusMessage {
    getPlainMessage(): Plain;
  }
  class JanusPluginMessage extends JanusMessage {
    getPluginData(name?: string): Plain | undefined;
  }
  class Plugin {
    getId(): number;
    sendSync(message: Plain): Promise<unknown>;
    on(event: 'error' | 'message', listener: (...args: unknown[]) => void): this;
    sendWithTransaction(message: Plain): Promise<JanusPluginMessage>;
    detach(): Promise<unknown>;
  }
  class Session {
    attachPlugin(name: string): Promise<Plugin>;
    destroy(): Promise<unknown>;
  }
  class Connection {
    createSession(): Promise<Session>;
    close(): Promise<unknown>;
    on(event: 'close' | 'error' | 'message', listener: (...args: unknown[]) => void): this;
  }
  class Client {
    constructor(address: string, options?: { apisecret?: string; keepalive?: boolean | number; token?: string });
    createConnection(id?: string): Promise<Connection>;
  }
  const Janus: { Client: typeof Client };
  export default Janus;
}
