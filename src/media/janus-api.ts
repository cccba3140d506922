// Janus's health, asked over its WebSocket API: one request on a fresh
// connection, and the \`info\` check that it is a Janus with the VideoRoom plugin.
import { Fault } from '../log.ts';

export type JanusMessage = Record<string, unknown>;

/** One request on a fresh connection, answered by the reply with its transaction. */
export function askJanus(url: string, request: JanusMessage, timeoutMs = 2_000): Promise<JanusMessage> {
  return new Promise((resolve, reject) => {
    const transaction = crypto.randomUUID();
    const ws = new WebSocket(url, 'janus-protocol');
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      ws.close();
      settle();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Fault(`no answer from ${url} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    ws.onopen = () => ws.send(JSON.stringify({ ...request, transaction }));
    ws.onmessage = (event) => {
      let message: JanusMessage;
      try {
        message = JSON.parse(String(event.data)) as JanusMessage;
      } catch {
        return;
      }
      if (message.transaction === transaction && message.janus !== 'ack') finish(() => resolve(message));
    };
    ws.onerror = () => finish(() => reject(new Fault(`cannot connect to ${url}`)));
    ws.onclose = (event) => finish(() => reject(new Fault(`${url} closed the connection (${event.code})`)));
  });
}

/** Janus's `info`, checked: it must be Janus and have the VideoRoom plugin. */
export async function checkJanus(
  url: string,
  apiSecret: string | undefined,
  timeoutMs?: number,
): Promise<JanusMessage> {
  const info = await askJanus(url, { janus: 'info', ...(apiSecret && { apisecret: apiSecret }) }, timeoutMs);
  if (info.janus !== 'server_info') throw new Fault(`${url} answered info with ${JSON.stringify(info).slice(0, 200)}`);
  const plugins = (info.plugins ?? {}) as Record<string, unknown>;
  if (!('janus.plugin.videoroom' in plugins)) throw new Fault(`the Janus at ${url} has no VideoRoom plugin`);
  return info;
}
