// The relying party's side of OpenID Connect, on `openid-client` (a certified
// implementation): the provider's metadata, the authorization request (code
// flow, PKCE S256, state, nonce) and the code's exchange with the checks of
// the answer and the ID token (issuer, audience, signature, nonce, PKCE).
import * as client from 'openid-client';
import type { OidcSettings } from '../config.ts';

/** The provider cannot be reached (discovery, or the token or userinfo request, failed on the network). */
export class ProviderUnreachable extends Error {}

/** What an authorization request leaves to check its answer against. */
export type PendingLogin = { state: string; codeVerifier: string; nonce: string };

/** What the provider says about the person, after every check passed. */
export type Identity = {
  issuer: string;
  subject: string;
  email: string | undefined;
  emailVerified: boolean | undefined;
  name: string | undefined;
  /** The group claim as given (undefined when absent: not the same as no groups). */
  groups: unknown;
  idToken: string;
};

/**
 * One per app. The provider's metadata is read at the first sign-in, not at
 * start-up: Loupe starts (and its password sign-in works) while the provider
 * is down. A failed discovery is not kept, so the next sign-in tries again.
 */
export class OidcClient {
  #configuration: Promise<client.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    /** `<LOUPE_PUBLIC_URL>/auth/oidc/callback`: what the provider has registered. */
    readonly redirectUri: string,
  ) {}

  configuration(): Promise<client.Configuration> {
    this.#configuration ??= this.#discover().catch((err: unknown) => {
      this.#configuration = undefined;
      throw err;
    });
    return this.#configuration;
  }

  async #discover(): Promise<client.Configuration> {
    const { issuerUrl, clientId, clientSecret } = this.settings;
    // openid-client refuses plain http. Only a provider on this machine may use
    // it: the tests' provider on 127.0.0.1; anywhere else http would carry the
    // client secret and the tokens in the clear.
    const insecure = issuerUrl.protocol === 'http:' && isLoopback(issuerUrl);
    let found: client.Configuration;
    try {
      found = await client.discovery(issuerUrl, clientId, clientSecret, client.ClientSecretBasic(clientSecret), {
        execute: insecure ? [client.allowInsecureRequests] : [],
      });
    } catch (err) {
      throw new ProviderUnreachable(`discovery at ${issuerUrl.origin} failed`, { cause: err });
    }
    // client_secret_basic is the specification's default; a provider that
    // offers only client_secret_post gets that instead.
    const methods = found.serverMetadata().token_endpoint_auth_methods_supported;
    if (!methods || methods.includes('client_secret_basic') || !methods.includes('client_secret_post')) return found;
    const post = new client.Configuration(
      found.serverMetadata(),
      clientId,
      clientSecret,
      client.ClientSecretPost(clientSecret),
    );
    if (insecure) client.allowInsecureRequests(post);
    return post;
  }

  /** The URL to send the browser to, and what its answer is checked against. */
  async authorizationRequest(): Promise<{ url: URL; pending: PendingLogin }> {
    const configuration = await this.configuration();
    const pending = {
      state: client.randomState(),
      codeVerifier: client.randomPKCECodeVerifier(),
      nonce: client.randomNonce(),
    };
    // The group claim is often a scope of its own (Okta, oidc-provider's `groups`): asked for when the provider offers it.
    const offered = configuration.serverMetadata().scopes_supported ?? [];
    const scope = [
      'openid',
      'email',
      'profile',
      ...(offered.includes(this.settings.groupClaim) ? [this.settings.groupClaim] : []),
    ];
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: scope.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /**
   * Checks the provider's answer (`callbackUrl`: the callback as the provider
   * called it, on the public URL) and exchanges its code; the person's claims,
   * from the ID token and, for what it lacks, userinfo.
   */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<Identity> {
    const configuration = await this.configuration();
    const tokens = await onNetwork(() =>
      client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      }),
    );
    const claims = tokens.claims()!;
    let found: Record<string, unknown> = claims;
    const { groupClaim } = this.settings;
    if (claims[groupClaim] === undefined || claims.email === undefined) {
      // Many providers put only `sub` in the ID token and the rest in userinfo (that answer's `sub` is checked to match).
      const info = await onNetwork(() => client.fetchUserInfo(configuration, tokens.access_token, claims.sub));
      found = { ...info, ...claims };
      for (const key of [groupClaim, 'email', 'email_verified', 'name'])
        if (claims[key] === undefined && info[key] !== undefined) found[key] = info[key];
    }
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof found.email === 'string' ? found.email : undefined,
      emailVerified: typeof found.email_verified === 'boolean' ? found.email_verified : undefined,
      name: personName(found),
      groups: found[groupClaim],
      idToken: tokens.id_token!,
    };
  }

  /** The provider's sign-out for this sign-in, or undefined when it has none (or cannot be reached now). */
  async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<URL | undefined> {
    const configuration = await this.configuration().catch(() => undefined);
    if (!configuration?.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(configuration, {
      id_token_hint: idToken,
      post_logout_redirect_uri: postLogoutRedirectUri,
    });
  }
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** A network failure (the provider is down) is not the provider's refusal: it is told apart. */
async function onNetwork<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TypeError || (err instanceof Error && err.name === 'AbortError'))
      throw new ProviderUnreachable('the provider cannot be reached', { cause: err });
    throw err;
  }
}

/** `name`, else given and family name, else the preferred user name. */
function personName(claims: Record<string, unknown>): string | undefined {
  const text = (k: string) => (typeof claims[k] === 'string' && (claims[k] as string).trim()) || undefined;
  const given = [text('given_name'), text('family_name')].filter(Boolean).join(' ');
  return text('name') ?? (given || undefined) ?? text('preferred_username');
}
