// A real OpenID Provider for tests: the `oidc-provider` package (a certified
// implementation) on 127.0.0.1, in the test process. Its accounts are a Map
// the test changes between sign-ins (another group, another name); its one
// client is the Loupe under test. devInteractions serves the provider's own
// login form, which a test POSTs (signInAtProvider) or Chromium fills in.
// Test code only: nothing outside tests imports this file.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type TestAccount = { sub: string; email: string; name: string; groups: string[] };

export type TestProvider = {
  /** `http://127.0.0.1:<port>`: the issuer and its discovery's base. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** By login name (what the provider's form takes); change an entry to change the next sign-in's claims. */
  accounts: Map<string, TestAccount>;
  stop(): Promise<void>;
};

export type TestProviderOptions = {
  /** Loupe's callback(s), e.g. `http://localhost:8080/auth/oidc/callback`. */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  accounts?: TestAccount[];
  clientId?: string;
  clientSecret?: string;
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Where the groups (and e-mail, name) go: the ID token (the default), or only the userinfo answer. */
  claimsIn?: 'id_token' | 'userinfo';
  /** The claim that carries the groups (its scope has the same name). */
  groupClaim?: string;
  /** false: no RP-initiated logout (no end_session_endpoint in discovery), as some providers. */
  rpInitiatedLogout?: boolean;
  /** A port of its own choosing (a test that starts Loupe before its provider); else any free one. */
  port?: number;
};

export async function startTestProvider(opts: TestProviderOptions): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = opts.clientId ?? 'loupe';
  const clientSecret = opts.clientSecret ?? randomBytes(24).toString('base64url');
  const groupClaim = opts.groupClaim ?? 'groups';
  const accounts = new Map((opts.accounts ?? []).map((a) => [a.sub, a]));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
        token_endpoint_auth_method: opts.authMethod ?? 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    // Only the client's method is offered: Loupe must pick it from the metadata.
    clientAuthMethods: [opts.authMethod ?? 'client_secret_basic'],
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], [groupClaim]: [groupClaim] },
    scopes: ['openid', groupClaim],
    // false: the scopes' claims go into the ID token as well as userinfo.
    conformIdTokenClaims: opts.claimsIn === 'userinfo',
    // Loupe must send PKCE even as a confidential client.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: opts.rpInitiatedLogout ?? true, logoutSource },
    },
    // A first-party client: no consent screen, every requested scope granted.
    async loadExistingGrant(ctx: ProviderContext) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(['openid', 'email', 'profile', groupClaim].join(' '));
      await grant.save();
      return grant;
    },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        // Read at each token: a group changed between sign-ins shows at the next one.
        claims: async () => {
          const now = accounts.get(sub) ?? account;
          return { sub, email: now.email, email_verified: true, name: now.name, [groupClaim]: now.groups };
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type ProviderContext = {
  oidc: {
    provider: { Grant: new (init: { clientId: string; accountId?: string }) => Grant };
    client: { clientId: string };
    session: { accountId?: string };
  };
};
type Grant = { addOIDCScope(scope: string): void; save(): Promise<string> };

// The provider's own sign-out question, without its page's web font (a test
// browser reaches nothing but loopback).
async function logoutSource(ctx: { body: string }, form: string) {
  ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body>
<h1>Sign out of the test provider?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
}

/**
 * What a browser does between Loupe's redirect to the provider and the
 * provider's redirect back: follows the provider's redirects with its cookies,
 * POSTs the login form as `login`, and returns the URL the provider sends the
 * browser to (Loupe's callback, with code, state and iss). Bounded: at most
 * 10 redirects.
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  let url = new URL(authorizationUrl);
  const origin = url.origin;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookie(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form,
    });
    form = undefined;
    keep(res);
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin !== origin) return url; // back to the relying party
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !html.includes('name="login"'))
      throw new Error(`the provider answered ${res.status} without its login form: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url);
    form = new URLSearchParams({ prompt: 'login', login, password: 'any password' });
  }
  throw new Error('the provider sent the browser round more than 10 times');
}
