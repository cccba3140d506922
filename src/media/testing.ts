// For tests that need the real media layer: the bundled Janus (API on loopback
// only: rooms and handles work without a network namespace, ICE media does
// not), a MediaService on it following the sessions, and an admin connection
// to ask Janus what it holds.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import { silentLogger } from '../log.ts';
import { followSessions, roomStore } from './lifecycle.ts';
import { MediaService } from './service.ts';
import { JanusSupervisor } from './supervisor.ts';
import { VideoRoomAdmin } from './videoroom.ts';

export const hasJanus = existsSync('/usr/bin/janus');

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
