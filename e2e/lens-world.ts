// What the Lens e2e tests share: a Loupe with an administrator, a group that
// may invite by link/PIN, one signed-in technician, and a Chromium with a fake
// camera and microphone that never asks for permission.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM, startLoupe, type LoupeProcess } from './loupe-process.ts';

const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };

export type Technician = { email: string; password: string; name: string };
export type LensWorld = { loupe: LoupeProcess; browser: Browser; techCookie: string };

/** POSTs JSON to Loupe; a non-2xx answer throws with its body. */
export async function postJson(base: string, path: string, body: unknown, cookie?: string): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

const cookieOf = (res: Response) => res.headers.getSetCookie()[0]!.split(';')[0]!;

export async function startLensWorld(tech: Technician, env: Record<string, string> = {}): Promise<LensWorld> {
  const loupe = await startLoupe({ LOUPE_ADMIN_EMAIL: ADMIN.email, LOUPE_ADMIN_PASSWORD: ADMIN.password, ...env });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  const post = (path: string, body: unknown, cookie?: string) => postJson(loupe.url, path, body, cookie);
  const admin = cookieOf(await post('/api/auth/login', ADMIN));
  const group = (await (
    await post(
      '/api/groups',
      {
        name: 'Field',
        rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
        settings: { maxLiveLensSessions: 20, pinLifetimeMinutes: 20 },
      },
      admin,
    )
  ).json()) as { id: string };
  await post('/api/technicians', { ...tech, groupId: group.id }, admin);
  const techCookie = cookieOf(await post('/api/auth/login', { email: tech.email, password: tech.password }));
  const browser = await chromium.launch({
    ...CHROMIUM,
    args: [...CHROMIUM.args, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  return { loupe, browser, techCookie };
}

export async function stopLensWorld(world: Partial<LensWorld>, contexts: BrowserContext[]): Promise<void> {
  for (const c of contexts) await c.close().catch(() => {});
  await world.browser?.close();
  await world.loupe?.stop();
}
