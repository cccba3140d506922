// Rooms on a real Janus (API on loopback; no media here, that needs a network namespace).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { JanusSupervisor } from './supervisor.ts';
import { hasJanus } from './testing.ts';
import { VideoRoomAdmin } from './videoroom.ts';

if (!hasJanus) console.warn('videoroom.test: /usr/bin/janus is missing (apt-get install janus): skipping');
const dataDir = mkdtempSync(join(tmpdir(), 'loupe-videoroom-'));
let janus: JanusSupervisor;
let admin: VideoRoomAdmin;

beforeAll(async () => {
  if (!hasJanus) return;
  janus = new JanusSupervisor({ media: loadConfig({}).media, dataDir, log: silentLogger });
  await janus.start();
  admin = await VideoRoomAdmin.connect(janus.url, janus.apiSecret, janus.roomAdminKey);
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await janus?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test.skipIf(!hasJanus)(
  'creates a private room only Loupe knows, and destroys it',
  async () => {
    const room = await admin.createRoom('Router at Jansen');
    expect(await admin.exists(room.id)).toBe(true);
    // Private: not in Janus's room list, even for an API client.
    const other = await VideoRoomAdmin.connect(janus.url, janus.apiSecret, undefined);
    try {
      // Without Loupe's admin key nobody can create rooms; without the room secret nobody can destroy it.
      await expect(other.createRoom('intruder')).rejects.toThrow(/VideoRoom create/);
      await expect(other.destroyRoom({ id: room.id, secret: 'wrong' })).rejects.toThrow(/VideoRoom destroy/);
    } finally {
      await other.close();
    }
    await admin.destroyRoom(room);
    expect(await admin.exists(room.id)).toBe(false);
  },
  30_000,
);

test.skipIf(!hasJanus)(
  'a wrong API secret cannot even connect',
  async () => {
    await expect(VideoRoomAdmin.connect(janus.url, 'not the secret', janus.roomAdminKey)).rejects.toBeDefined();
  },
  30_000,
);
