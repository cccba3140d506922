// Loupe's side of the VideoRoom plugin: one private room per Lens session,
// created and destroyed by the server, which alone knows its id and secret.
// The API connection is long-lived: a Janus session dies with its WebSocket.
import { randomBytes, randomInt } from 'node:crypto';
import Janus from 'janus-gateway-js';

export type Room = { id: number; secret: string };

export class VideoRoomError extends Error {}

type PluginData = { videoroom?: string; error_code?: number; error?: string; exists?: boolean; room?: number };

export class VideoRoomAdmin {
  private constructor(
    private readonly connection: Awaited<ReturnType<InstanceType<typeof Janus.Client>['createConnection']>>,
    private readonly session: Awaited<ReturnType<VideoRoomAdmin['connection']['createSession']>>,
    private readonly plugin: Awaited<ReturnType<VideoRoomAdmin['session']['attachPlugin']>>,
    private readonly adminKey: string | undefined,
  ) {}

  static async connect(url: string, apiSecret: string | undefined, adminKey: string | undefined): Promise<VideoRoomAdmin> {
    // Keep-alives every 25 s keep the Janus session within its 60 s timeout.
    const client = new Janus.Client(url, { apisecret: apiSecret, keepalive: 25_000 });
    const connection = await client.createConnection('loupe');
    const session = await connection.createSession();
    const plugin = await session.attachPlugin('janus.plugin.videoroom');
    return new VideoRoomAdmin(connection, session, plugin, adminKey);
  }

  private async request(body: Record<string, unknown>): Promise<PluginData> {
    const answer = await this.plugin.sendWithTransaction({ body }).catch((err: unknown) => {
      throw new VideoRoomError(`VideoRoom ${String(body.request)}: ${err instanceof Error ? err.message : String(err)}`);
    });
    const data = (answer.getPluginData() ?? {}) as PluginData;
    if (data.error_code) throw new VideoRoomError(`VideoRoom ${String(body.request)}: ${data.error ?? data.error_code}`);
    return data;
  }

  /** A private room for one customer and one technician. */
  async createRoom(description: string): Promise<Room> {
    const room = { id: randomInt(1, 2 ** 48), secret: randomBytes(24).toString('base64url') };
    await this.request({
      request: 'create', ...(this.adminKey && { admin_key: this.adminKey }), room: room.id, secret: room.secret, is_private: true, permanent: false,
      description: description.slice(0, 64), publishers: 2, videocodec: 'vp8,h264', audiocodec: 'opus',
      // Frequent keyframes: a technician joining late should not wait for the picture.
      fir_freq: 2,
    });
    return room;
  }

  async exists(id: number): Promise<boolean> {
    return (await this.request({ request: 'exists', room: id })).exists === true;
  }

  async destroyRoom(room: Room): Promise<void> {
    await this.request({ request: 'destroy', room: room.id, secret: room.secret, permanent: false });
  }

  async close(): Promise<void> {
    await this.plugin.detach().catch(() => {});
    await this.session.destroy().catch(() => {});
    await this.connection.close().catch(() => {});
  }
}
