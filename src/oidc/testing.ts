// What the single sign-on tests share: a Loupe (the real app on PGlite) whose
// OIDC_* point at a real OpenID Provider (test-provider.ts) on 127.0.0.1,
// with the groups the map names, and the browser's part of a sign-in done
// with fetch: Loupe's redirect, the provider's login form, the callback.
import { expect } from 'bun:test';
import { eq } from 'drizzle-orm';
import { ensureFirstAdministrator } from '../auth/setup.ts';
import { groups } from '../db/schema.ts';
import { createGroup } from '../technicians/groups.ts';
import { ADMIN, harness, type Harness, ORIGIN } from '../testing/harness.ts';
import {
  signInAtProvider,
  startTestProvider,
  type TestAccount,
  type TestProvider,
  type TestProviderOptions,
} from './test-provider.ts';

export const CALLBACK = `${ORIGIN}/auth/oidc/callback`;
export const PROVIDER_NAME = 'Example ID';
/** Provider group → Loupe group; "idp-ghost" names a Loupe group nobody made. */
export const GROUP_MAP = 'idp-admins=Administrators,idp-support=Support,idp-ghost=Ghost';
export const SUPPORT_RIGHTS = ['start_lens_sessions', 'start_private_sessions', 'use_link_method'] as const;

export type OidcWorld = {
  h: Harness;
  provider: TestProvider;
  groups: { support: string; administrators: string };
  stop(): Promise<void>;
};

export const account = (sub: string, groups: string[], extra: Partial<TestAccount> = {}): TestAccount => ({
  sub,
  email: `${sub}@example.test`,
  name: `${sub[0]!.toUpperCase()}${sub.slice(1)} Example`,
  groups,
  ...extra,
});

export function oidcEnv(provider: Pick<TestProvider, 'issuer' | 'clientId' | 'clientSecret'>): Record<string, string> {
  return {
    OIDC_ISSUER_URL: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_GROUP_MAP: GROUP_MAP,
    OIDC_DISPLAY_NAME: PROVIDER_NAME,
  };
}

export async function oidcWorld(
  opts: { env?: Record<string, string>; provider?: Partial<TestProviderOptions> } = {},
): Promise<OidcWorld> {
  const provider = await startTestProvider({
    redirectUris: [CALLBACK],
    postLogoutRedirectUris: [`${ORIGIN}/login`],
    ...opts.provider,
  });
  const h = await harness({ ...oidcEnv(provider), ...opts.env });
  // The password administrator start-up makes (LOUPE_ADMIN_*), in the Administrators group the map names too.
  await ensureFirstAdministrator({ ...h, config: { ...h.config, admin: ADMIN } });
  const [administrators] = await h.db.select().from(groups).where(eq(groups.name, 'Administrators'));
  const support = await createGroup(h, { type: 'system' }, { name: 'Support', rights: [...SUPPORT_RIGHTS] });
  return {
    h,
    provider,
    groups: { support: support.id, administrators: administrators!.id },
    // The database is the test process's one (src/db/testing.ts): the next harness empties it.
    stop: () => provider.stop(),
  };
}

/** The `name=value` of cookie `name` that a response set. */
export function cookieFrom(res: Response, name: string): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!set) throw new Error(`no ${name} cookie in the ${res.status} answer`);
  return set.split(';')[0]!;
}

/** Loupe's start of a sign-in: the provider's authorization URL and the browser's state cookie. */
export async function startSignIn(h: Harness): Promise<{ authorizationUrl: URL; stateCookie: string }> {
  const res = await h.call('GET', '/auth/oidc/login');
  expect(res.status).toBe(302);
  return { authorizationUrl: new URL(res.headers.get('location')!), stateCookie: cookieFrom(res, 'loupe_oidc') };
}

/** Opens Loupe's callback as the browser would, with `cookie` (the state cookie, or none: another browser). */
export function openCallback(h: Harness, callback: URL, cookie?: string, headers: Record<string, string> = {}) {
  return h.call('GET', `${callback.pathname}${callback.search}`, { cookie, headers });
}

/**
 * A whole sign-in as `login` at the provider; the callback's answer.
 * `tamper` changes the authorization URL before the browser goes there.
 */
export async function signInWithProvider(
  w: OidcWorld,
  login: string,
  opts: { tamper?: (url: URL) => URL; headers?: Record<string, string> } = {},
): Promise<{ res: Response; callback: URL; stateCookie: string }> {
  const { authorizationUrl, stateCookie } = await startSignIn(w.h);
  const callback = await signInAtProvider((opts.tamper?.(authorizationUrl) ?? authorizationUrl).href, login);
  const res = await openCallback(w.h, callback, stateCookie, opts.headers);
  return { res, callback, stateCookie };
}

/** What a refusal page says: its status, type and the reason it names. */
export async function refusalOf(
  res: Response,
): Promise<{ status: number; type: string | null; reason: string; html: string }> {
  const html = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    reason: /data-reason="([a-z_]+)"/.exec(html)?.[1] ?? '(none)',
    html,
  };
}
