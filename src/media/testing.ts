// For tests that need the media layer: the bundled Janus (API on loopback
// only: rooms and handles work without a network namespace, ICE media does
// not), a MediaService on it following the sessions, and an admin connection
// to ask Janus what it holds; or the same MediaService on FakeJanus, in memory.
//
// LOUPE_TEST_NO_JANUS=1 hides an installed Janus (hasJanus is false): the
// real-Janus tests skip and only the fake runs, as on a machine without it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import { silentLogger } from '../log.ts';
import { followSessions, roomStore } from './lifecycle.ts';
import { mediaSignalSchema } from '../contract/socket.ts';
import { FakeJanus } from './fake-janus.ts';
import { type MediaSignal, MediaService, type Peer, type RoomStore } from './service.ts';
import { JanusSupervisor } from './supervisor.ts';
import { VideoRoomAdmin } from './videoroom.ts';

export const hasJanus = existsSync('/usr/bin/janus') && process.env.LOUPE_TEST_NO_JANUS !== '1';

export type TestMedia = { janus: JanusSupervisor; media: MediaService; ask: VideoRoomAdmin; stop(): Promise<void> };

export async function startTestMedia(deps: Deps): Promise<TestMedia> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-media-'));
  const janus = new JanusSupervisor({ media: loadConfig({}).media, dataDir, log: silentLogger });
  await janus.start();
  const media = new MediaService({ janus, log: silentLogger, rooms: roomStore(deps) });
  media.start();
  const unfollow = followSessions(deps, media);
  const ask = await VideoRoomAdmin.connect(janus.url, janus.apiSecret, undefined);
  return {
    janus,
    media,
    ask,
    async stop() {
      unfollow();
      await ask.close();
      await media.stop();
      await janus.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A MediaService on FakeJanus, connected; rooms are remembered in `saved`. */
export async function startFakeMedia(): Promise<{
  janus: FakeJanus;
  media: MediaService;
  saved: Map<string, unknown>;
  stop(): Promise<void>;
}> {
  const janus = new FakeJanus();
  const saved = new Map<string, unknown>();
  const rooms: RoomStore = {
    async save(sessionId, room) {
      saved.set(sessionId, room);
    },
  };
  const media = new MediaService({ janus, log: silentLogger, rooms, connect: janus.connect });
  media.start();
  await media.ready();
  return { janus, media, saved, stop: () => media.stop() };
}

/** Where a table of media scenarios runs: MediaService on FakeJanus, or on the bundled Janus. */
export type MediaBackend = {
  name: 'fake' | 'real';
  media: MediaService;
  /** Set on the fake only: scenarios that inject Janus's events or faults need it. */
  fake?: FakeJanus;
  /** Set on the real one only: room administration on the bundled Janus, for requests the service does not expose. */
  ask?: VideoRoomAdmin;
  saved: Map<string, unknown>;
  roomExists(id: number): Promise<boolean>;
  stop(): Promise<void>;
};

export async function fakeBackend(): Promise<MediaBackend> {
  const f = await startFakeMedia();
  return {
    name: 'fake',
    media: f.media,
    fake: f.janus,
    saved: f.saved,
    roomExists: async (id) => f.janus.rooms().includes(id),
    stop: f.stop,
  };
}

/** The bundled Janus, no database: rooms are remembered in memory. */
export async function realBackend(): Promise<MediaBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-media-'));
  const janus = new JanusSupervisor({ media: loadConfig({}).media, dataDir, log: silentLogger });
  await janus.start();
  const saved = new Map<string, unknown>();
  const media = new MediaService({
    janus,
    log: silentLogger,
    rooms: { save: async (id, room) => void saved.set(id, room) },
  });
  media.start();
  await media.ready();
  const ask = await VideoRoomAdmin.connect(janus.url, janus.apiSecret, undefined);
  return {
    name: 'real',
    media,
    ask,
    saved,
    roomExists: (id) => ask.exists(id),
    async stop() {
      await ask.close();
      await media.stop();
      await janus.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A page: what Loupe sent it, and a wait for the next signal of a type. */
export function page(): Peer & { inbox: MediaSignal[]; next(type: string, ms?: number): Promise<MediaSignal> } {
  const inbox: MediaSignal[] = [];
  return {
    inbox,
    // Every signal keeps the contract the pages read (src/contract/socket.ts).
    send: (signal) => inbox.push(mediaSignalSchema.parse(signal)),
    async next(type, ms = 2_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = inbox.findIndex((s) => s.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no ${type} within ${ms} ms; got ${JSON.stringify(inbox)}`);
        await Bun.sleep(2);
      }
    },
  };
}
