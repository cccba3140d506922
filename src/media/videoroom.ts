// Loupe's side of the VideoRoom plugin: one private room per Lens session,
// created and destroyed by the server, which alone knows its id and secret.
import { randomBytes, randomInt } from 'node:crypto';
import type { JanusApiLink, VideoRoomGateway, VideoRoomHandle } from './gateway.ts';
import { JanusLink, JanusRequestError } from './janus-link.ts';

/** A room; `server` is the pool member holding it (JanusPool), set by MediaService. */
export type Room = { id: number; secret: string; server?: string };

/** A refused room request; `code` is Janus's (e.g. 426 no such room, 427 room exists, 433 unauthorized). */
export class VideoRoomError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** The real VideoRoomGateway: janus-gateway-js's connection, with one handle kept for room administration. */
export class VideoRoomAdmin implements VideoRoomGateway {
  private constructor(
    readonly link: JanusApiLink,
    private readonly handle: VideoRoomHandle,
    private readonly adminKey: string | undefined,
  ) {}

  /** Room administration on a link already made (FakeJanus's, in tests). */
  static async on(link: JanusApiLink, adminKey: string | undefined): Promise<VideoRoomAdmin> {
    try {
      return new VideoRoomAdmin(link, await link.attach(), adminKey);
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  static async connect(
    url: string,
    apiSecret: string | undefined,
    adminKey: string | undefined,
  ): Promise<VideoRoomAdmin> {
    return VideoRoomAdmin.on(await JanusLink.connect(url, apiSecret), adminKey);
  }

  get isClosed(): boolean {
    return this.link.isClosed;
  }

  onClose(listener: () => void): () => void {
    return this.link.onClose(listener);
  }

  /** A VideoRoom handle for a publisher or a subscriber. */
  attach(): Promise<VideoRoomHandle> {
    return this.link.attach();
  }

  private async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return (await this.handle.request(body)).data;
    } catch (err) {
      if (err instanceof JanusRequestError) throw new VideoRoomError(err.message, err.code);
      throw new VideoRoomError(`VideoRoom ${String(body.request)}: ${String(err)}`);
    }
  }

  /** A private room for one customer and one technician. */
  async createRoom(description: string): Promise<Room> {
    const room = { id: randomInt(1, 2 ** 48), secret: randomBytes(24).toString('base64url') };
    await this.request({
      request: 'create',
      ...(this.adminKey && { admin_key: this.adminKey }),
      room: room.id,
      secret: room.secret,
      is_private: true,
      permanent: false,
      description: description.slice(0, 64),
      publishers: 2,
      videocodec: 'vp8,h264',
      audiocodec: 'opus',
      // Frequent keyframes: a technician joining late should not wait for the picture.
      fir_freq: 2,
      // Phones send their rotation in this RTP extension rather than re-encoding:
      // kept on both legs, the technician's browser shows the picture upright.
      videoorient_ext: true,
      // Only a request with the room's secret (Loupe's) may start or stop a
      // recording: no publisher's configure can switch it on or off.
      lock_record: true,
    });
    return room;
  }

  /**
   * Recording from now (Start, or a room remade after a Janus restart): the
   * folder first (`edit`), then every publisher, present and to come
   * (`enable_recording`). Janus writes one .mjr per publisher and medium there.
   */
  async record(room: Room, recDir: string): Promise<void> {
    await this.request({ request: 'edit', room: room.id, secret: room.secret, new_rec_dir: recDir, permanent: false });
    await this.request({ request: 'enable_recording', room: room.id, secret: room.secret, record: true });
  }

  async exists(id: number): Promise<boolean> {
    return (await this.request({ request: 'exists', room: id })).exists === true;
  }

  /** The room's participants as Janus sees them (tests ask Janus directly). */
  async participants(room: Room): Promise<{ id: number; display?: string; publisher: boolean }[]> {
    const data = await this.request({ request: 'listparticipants', room: room.id, secret: room.secret });
    return (data.participants as { id: number; display?: string; publisher: boolean }[] | undefined) ?? [];
  }

  async destroyRoom(room: Room): Promise<void> {
    await this.request({ request: 'destroy', room: room.id, secret: room.secret, permanent: false });
  }

  /** Destroying the Janus session detaches its handles, this one included: no detach of its own to wait for. */
  async close(): Promise<void> {
    await this.link.close();
  }
}
