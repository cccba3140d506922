// Asks the bundled Janus directly what it holds (sessions, handles, media
// statistics) through its admin API on loopback, with the admin secret from
// Loupe's data folder: the tests check Janus itself, not Loupe's word for it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Answer = Record<string, unknown> & { janus: string };

export type HandleInfo = {
  session: number;
  handle: number;
  plugin?: string;
  room?: number;
  /** Bytes Janus received on this handle's PeerConnection (all streams). */
  bytesIn: number;
  /** VideoRoom's own description of the handle (plugin_specific): its type, room and streams. */
  specific: Record<string, unknown>;
};

export class JanusAdmin {
  private constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  /** From the configuration Loupe rendered into its data folder. */
  static of(dataDir: string): JanusAdmin {
    const config = readFileSync(join(dataDir, 'janus', 'config', 'janus.transport.websockets.jcfg'), 'utf8');
    const port = config.match(/admin_ws_port = (\d+)/)![1];
    const { adminSecret } = JSON.parse(readFileSync(join(dataDir, 'janus', 'secrets.json'), 'utf8')) as {
      adminSecret: string;
    };
    return new JanusAdmin(`ws://127.0.0.1:${port}`, adminSecret);
  }

  request(body: Record<string, unknown>, timeoutMs = 5_000): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, 'janus-admin-protocol');
      const transaction = crypto.randomUUID();
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`Janus admin ${String(body.janus)}: no answer`));
      }, timeoutMs);
      ws.onopen = () => ws.send(JSON.stringify({ ...body, transaction, admin_secret: this.secret }));
      ws.onmessage = (e) => {
        const answer = JSON.parse(String(e.data)) as Answer;
        if (answer.transaction !== transaction) return;
        clearTimeout(timer);
        ws.close();
        if (answer.janus === 'error')
          reject(new Error(`Janus admin ${String(body.janus)}: ${JSON.stringify(answer.error)}`));
        else resolve(answer);
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`Janus admin at ${this.url} cannot be reached`));
      };
    });
  }

  /** VideoRoom's own answer, through the admin API's message_plugin. */
  async roomExists(room: number): Promise<boolean> {
    const answer = await this.request({
      janus: 'message_plugin',
      plugin: 'janus.plugin.videoroom',
      request: { request: 'exists', room },
    });
    return (answer.response as { exists?: boolean }).exists === true;
  }

  /** Every plugin handle Janus has, with the room it is in and the media bytes it received. */
  async handles(): Promise<HandleInfo[]> {
    const { sessions } = (await this.request({ janus: 'list_sessions' })) as unknown as { sessions: number[] };
    const out: HandleInfo[] = [];
    for (const session of sessions) {
      const { handles } = (await this.request({ janus: 'list_handles', session_id: session })) as unknown as {
        handles: number[];
      };
      for (const handle of handles) {
        const { info } = (await this.request({
          janus: 'handle_info',
          session_id: session,
          handle_id: handle,
        })) as unknown as { info: Record<string, unknown> };
        out.push({
          session,
          handle,
          plugin: info.plugin as string | undefined,
          room: roomOf(info),
          bytesIn: bytesIn(info),
          specific: (info.plugin_specific as Record<string, unknown> | undefined) ?? {},
        });
      }
    }
    return out;
  }
}

function roomOf(info: Record<string, unknown>): number | undefined {
  const specific = info.plugin_specific as { room?: number } | undefined;
  return specific?.room;
}

/** RTP bytes Janus received on the handle's PeerConnection: webrtc.media[mid].stats.in.bytes (DTLS handshakes not counted). */
function bytesIn(info: Record<string, unknown>): number {
  const media =
    (info.webrtc as { media?: Record<string, { stats?: { in?: { bytes?: number } } }> } | undefined)?.media ?? {};
  return Object.values(media).reduce((n, m) => n + (m.stats?.in?.bytes ?? 0), 0);
}
