// For the live tools' tests: the real app on FakeJanus (the authorization
// world, src/testing/world.ts) served by a real Bun server, its sockets, and
// sessions of the owner taken to any stage.
import { websocket } from '../realtime/bun-socket.ts';
import { SocketRegistry } from '../realtime/registry.ts';
import { openTestSocket, type TestMessage, type TestSocket } from '../realtime/test-socket.ts';
import { buildWorld, type Stage, type World } from '../testing/world.ts';

/** Events every socket gets on its own (the session list, the page's state, the media peers), skipped by `tool()`. */
const BACKGROUND = new Set(['snapshot', 'session', 'state', 'media.peer']);

export type ToolSocket = TestSocket & {
  /** The next event that is not background (a tool event, an error, a pong). */
  tool(ms?: number): Promise<TestMessage>;
  /** Every non-background event until the next pong: what the socket heard, in order, up to now. */
  heard(): Promise<TestMessage[]>;
};

export type ToolServer = {
  w: World;
  console(cookie: string): Promise<ToolSocket>;
  lens(customer: string): Promise<ToolSocket>;
  /** A console of `cookie`'s technician that joined the session's media (so the session's tool events reach it). */
  joined(cookie: string, sessionId: string): Promise<ToolSocket>;
  /** A new session of the owner (or of `cookie`'s technician), at `stage`, with its customer's cookie. */
  session(stage: Stage | 'closed', cookie?: string): Promise<{ id: string; customer: string }>;
  closeSockets(): void;
  stop(): Promise<void>;
};

export async function toolServer(): Promise<ToolServer> {
  // Room for every session a test file makes: the live-session limit is not what these tests test.
  const w = await buildWorld({ maxLive: 200, sockets: new SocketRegistry() });
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req, srv) => w.app.fetch(req, srv), websocket });
  const opened: TestSocket[] = [];

  async function connect(path: string, cookie: string): Promise<ToolSocket> {
    const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
      origin: `http://127.0.0.1:${server.port}`,
      cookie,
    });
    opened.push(sock);
    if (!(await sock.opened)) throw new Error(`${path} did not open`);
    const tool = async (ms?: number) => {
      for (;;) {
        const m = await sock.next(ms);
        if (!BACKGROUND.has(m.type)) return m;
      }
    };
    const heard = async () => {
      sock.send({ type: 'ping' });
      const got: TestMessage[] = [];
      for (let m = await tool(); m.type !== 'pong'; m = await tool()) got.push(m);
      return got;
    };
    return Object.assign(sock, { tool, heard });
  }

  async function session(stage: Stage | 'closed', cookie = w.people.owner.cookie) {
    const target = await w.session(cookie, stage === 'closed' ? 'active' : stage);
    if (stage === 'closed') {
      const res = await w.call('POST', `/api/sessions/${target.view.id}/end`, { cookie });
      if (res.status !== 200) throw new Error(`end answered ${res.status}`);
    }
    return { id: target.view.id, customer: target.customer! };
  }

  return {
    w,
    console: (cookie) => connect('/ws/console', cookie),
    lens: (customer) => connect('/ws/lens', customer),
    async joined(cookie, sessionId) {
      const sock = await connect('/ws/console', cookie);
      sock.send({ type: 'media.join', sessionId });
      // FakeJanus answers with the customer's media state: the join is done.
      for (let m = await sock.next(); m.type !== 'media.peer'; m = await sock.next())
        if (m.type === 'error' || m.type === 'media.error') throw new Error(`media.join: ${JSON.stringify(m)}`);
      return sock;
    },
    session,
    closeSockets() {
      for (const s of opened.splice(0)) s.ws.close();
    },
    async stop() {
      for (const s of opened.splice(0)) s.ws.close();
      await server.stop(true);
      await w.stop();
    },
  };
}
