// The VideoRoom plugin as FakeJanus plays it: rooms, publishers and
// subscribers, and the answers Janus 1.1's janus_videoroom.c gives to the
// requests Loupe makes, with the same `data` fields and error codes. Checked
// against the real Janus by hand (and by the tests that run the same table on
// both), e.g.: create → { videoroom: 'created', room, permanent }; a second
// create → 427 "Room N already exists"; destroy of a missing room → 426 "No
// such room (N)"; a subscriber to a missing feed → 428 "No such feed (N)";
// start/pause before join → 424; an SDP with no m= line → 465 (Janus's core,
// before the plugin sees it). Only what Loupe reads is modelled: no media,
// no simulcast; recording is the room's settings (`edit`'s new_rec_dir,
// `enable_recording`), with no files written.
import type { Jsep } from './janus-link.ts';

export class VideoRoomRefusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export type FakeRoom = {
  id: number;
  secret?: string;
  description: string;
  maxPublishers: number;
  lockRecord: boolean;
  recDir?: string;
  record: boolean;
};

/** What the plugin knows of one handle. */
export type Participant = {
  id: number;
  room?: number;
  ptype?: 'publisher' | 'subscriber';
  display?: string;
  /** A publisher that has sent its offer (Janus answered it). */
  published?: boolean;
  /** A subscriber's feed and whether Janus relays to it ('start') or not (new, or 'pause'). */
  feed?: number;
  relaying?: boolean;
};

export type PluginReply = { data: Record<string, unknown>; jsep?: Jsep };

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export class FakeVideoRoom {
  readonly rooms = new Map<number, FakeRoom>();
  readonly participants = new Map<number, Participant>();
  private nextId = 1_000;

  constructor(private readonly adminKey: string | undefined) {}

  newId(): number {
    return this.nextId++;
  }

  /** Janus's core checks an SDP before the plugin sees the message. */
  checkJsep(jsep: Jsep | undefined): void {
    if (jsep && !['o=', 's=', 'm='].every((line) => new RegExp(`^${line}`, 'm').test(jsep.sdp)))
      throw new VideoRoomRefusal(465, 'Missing mandatory lines (o=, s= or m=)');
  }

  handle(who: Participant, body: Record<string, unknown>, jsep: Jsep | undefined): PluginReply {
    this.checkJsep(jsep);
    const request = String(body.request);
    switch (request) {
      case 'create':
        return this.create(body);
      case 'exists': {
        const room = num(body.room) ?? 0;
        return { data: { videoroom: 'success', room, exists: this.rooms.has(room) } };
      }
      case 'destroy':
        return this.destroy(body);
      case 'edit': {
        const room = this.withSecret(body);
        if (typeof body.new_rec_dir === 'string') room.recDir = body.new_rec_dir;
        if (typeof body.new_lock_record === 'boolean') room.lockRecord = body.new_lock_record;
        return { data: { videoroom: 'edited', room: room.id, permanent: false } };
      }
      case 'enable_recording': {
        if (typeof body.record !== 'boolean') throw new VideoRoomRefusal(429, 'Missing mandatory element (record)');
        const room = this.withSecret(body);
        room.record = body.record;
        return { data: { videoroom: 'success', record: room.record } };
      }
      case 'listparticipants': {
        const room = this.room(body);
        const participants = [...this.participants.values()]
          .filter((p) => p.room === room.id && p.ptype === 'publisher')
          .map((p) => ({ id: p.id, display: p.display, publisher: !!p.published }));
        return { data: { videoroom: 'participants', room: room.id, participants } };
      }
      case 'join':
      case 'joinandconfigure':
        return body.ptype === 'subscriber' ? this.subscribe(who, body) : this.publish(who, body, jsep);
      case 'start':
      case 'pause':
      case 'configure':
        return this.configure(who, request, jsep, body);
      default:
        throw new VideoRoomRefusal(423, `Unknown request '${request}'`);
    }
  }

  /** The handle went (detach, hangup, lost connection): it leaves its room. */
  leave(who: Participant): void {
    this.participants.delete(who.id);
  }

  private room(body: Record<string, unknown>): FakeRoom {
    const id = num(body.room);
    if (id === undefined) throw new VideoRoomRefusal(429, 'Missing mandatory element (room)');
    const room = this.rooms.get(id);
    if (!room) throw new VideoRoomRefusal(426, `No such room (${id})`);
    return room;
  }

  private create(body: Record<string, unknown>): PluginReply {
    if (this.adminKey !== undefined) {
      if (body.admin_key === undefined) throw new VideoRoomRefusal(429, 'Missing mandatory element (admin_key)');
      if (body.admin_key !== this.adminKey) throw new VideoRoomRefusal(433, 'Unauthorized (wrong admin_key)');
    }
    const id = num(body.room) ?? this.newId();
    if (this.rooms.has(id)) throw new VideoRoomRefusal(427, `Room ${id} already exists`);
    this.rooms.set(id, {
      id,
      secret: typeof body.secret === 'string' ? body.secret : undefined,
      description: typeof body.description === 'string' ? body.description : `Room ${id}`,
      maxPublishers: num(body.publishers) ?? 3,
      lockRecord: body.lock_record === true,
      recDir: typeof body.rec_dir === 'string' ? body.rec_dir : undefined,
      record: body.record === true,
    });
    return { data: { videoroom: 'created', room: id, permanent: false } };
  }

  /** The room, when the request carries its secret (Janus's janus_videoroom_access_room with check_modify). */
  private withSecret(body: Record<string, unknown>): FakeRoom {
    const room = this.room(body);
    if (room.secret !== undefined && body.secret !== room.secret)
      throw new VideoRoomRefusal(433, 'Unauthorized (wrong secret)');
    return room;
  }

  private destroy(body: Record<string, unknown>): PluginReply {
    const room = this.withSecret(body);
    this.rooms.delete(room.id);
    for (const p of this.participants.values()) if (p.room === room.id) p.room = undefined;
    return { data: { videoroom: 'destroyed', room: room.id, permanent: false } };
  }

  private publish(who: Participant, body: Record<string, unknown>, jsep: Jsep | undefined): PluginReply {
    const room = this.room(body);
    if (who.ptype) throw new VideoRoomRefusal(425, 'Already in as a publisher on this handle');
    const publishers = [...this.participants.values()].filter((p) => p.room === room.id && p.ptype === 'publisher');
    if (publishers.length >= room.maxPublishers)
      throw new VideoRoomRefusal(432, `Maximum number of publishers (${room.maxPublishers}) already reached`);
    Object.assign(who, { room: room.id, ptype: 'publisher', display: body.display, published: !!jsep });
    this.participants.set(who.id, who);
    const data = {
      videoroom: 'joined',
      room: room.id,
      description: room.description,
      id: who.id,
      private_id: who.id + 7,
      publishers: publishers.filter((p) => p.published).map((p) => ({ id: p.id, display: p.display })),
    };
    return { data, ...(jsep && { jsep: { type: 'answer' as const, sdp: answerTo(jsep.sdp) } }) };
  }

  private subscribe(who: Participant, body: Record<string, unknown>): PluginReply {
    const room = this.room(body);
    const streams = (body.streams as { feed?: number }[] | undefined) ?? [];
    const feed = num(streams[0]?.feed) ?? num(body.feed);
    const publisher = feed === undefined ? undefined : this.participants.get(feed);
    if (feed === undefined || !publisher?.published || publisher.room !== room.id)
      throw new VideoRoomRefusal(428, `No such feed (${feed})`);
    Object.assign(who, { room: room.id, ptype: 'subscriber', feed, relaying: false });
    this.participants.set(who.id, who);
    const data = {
      videoroom: 'attached',
      room: room.id,
      streams: [
        { type: 'audio', mindex: 0, mid: '0', feed_id: feed, feed_display: publisher.display },
        { type: 'video', mindex: 1, mid: '1', feed_id: feed, feed_display: publisher.display },
      ],
    };
    return { data, jsep: { type: 'offer', sdp: subscriberOffer(feed) } };
  }

  private configure(
    who: Participant,
    request: string,
    jsep: Jsep | undefined,
    body: Record<string, unknown>,
  ): PluginReply {
    if (!who.ptype || who.room === undefined)
      throw new VideoRoomRefusal(424, 'Invalid request on unconfigured participant');
    if (request !== 'configure' && who.ptype !== 'subscriber')
      throw new VideoRoomRefusal(423, `Unknown request '${request}'`);
    if (request === 'start') who.relaying = true;
    if (request === 'pause') who.relaying = false;
    if (who.ptype === 'publisher' && jsep) who.published = true;
    const done = request === 'start' ? 'started' : request === 'pause' ? 'paused' : 'configured';
    const data = { videoroom: 'event', room: who.room, [done]: 'ok' };
    // A publisher's new offer (a renegotiation or an ICE restart) is answered on the same handle;
    // a subscriber's `restart: true` gets a new offer (janus_videoroom.c's configure).
    if (request === 'configure' && who.ptype === 'publisher' && jsep?.type === 'offer')
      return { data, jsep: { type: 'answer', sdp: answerTo(jsep.sdp) } };
    if (request === 'configure' && who.ptype === 'subscriber' && body.restart === true)
      return { data, jsep: { type: 'offer', sdp: subscriberOffer(who.feed ?? 0) } };
    return { data };
  }
}

/** An answer with one m-line per offered one (the fake relays nothing, so nothing more is needed). */
function answerTo(offer: string): string {
  const media = offer.split(/\r?\n/).filter((l) => l.startsWith('m='));
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=Janus (fake)', 't=0 0', ...media, ''].join('\r\n');
}

function subscriberOffer(feed: number): string {
  return [
    'v=0',
    `o=- ${feed} 1 IN IP4 127.0.0.1`,
    's=VideoRoom (fake)',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    '',
  ].join('\r\n');
}
