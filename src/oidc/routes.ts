// Single sign-on's browser routes, mounted at /auth/oidc (not /api: a person's
// browser is sent here, and refusals are pages, not JSON). Off (404, the API's
// error body) unless OIDC_ISSUER_URL and the rest are set.
import { eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { clearSessionCookie, setSessionCookie } from '../auth/cookie.ts';
import { logout } from '../auth/login.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { tokenHash } from '../auth/tokens.ts';
import { type OidcSettings, publicBase } from '../config.ts';
import { authSessions } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { clientAddress } from '../http/client-address.ts';
import { NotFound } from '../http/errors.ts';
import { spend, type Limit } from '../ratelimit/limiter.ts';
import { OidcClient, ProviderUnreachable } from './client.ts';
import { saveLogin, setStateCookie, stateOfThisBrowser, takeLogin } from './login-state.ts';
import { pageLanguage, REFUSAL_STATUS, type Refusal, refusalPage } from './page.ts';
import { SignInRefused, signInWithOidc } from './sign-in.ts';

/**
 * Sign-ins started per address. Each start writes a row (oidc_logins) before
 * anyone is known, so starts are limited; generously, as a whole office may
 * sit behind one address at nine in the morning.
 */
export const START_LIMIT: Limit = { max: 120, windowMs: 10 * 60_000 };

/** Where a signed-in technician lands, as after a password sign-in (the web app's safeNext default). */
const LANDING = '/console';

export function oidcRoutes(deps: Deps) {
  // The routes exist either way (the contract lists them); without OIDC_ISSUER_URL they are 404.
  const flow = deps.config.oidc ? oidcFlow(deps, deps.config.oidc) : undefined;
  const off = (): never => {
    throw new NotFound('Single sign-on is not configured (OIDC_ISSUER_URL).');
  };
  return new Hono()
    .get('/login', (c) => (flow ? flow.login(c) : off()))
    .get('/callback', (c) => (flow ? flow.callback(c) : off()))
    .get('/logout', (c) => (flow ? flow.logout(c) : off()));
}

// size: the three steps of one sign-in (login, callback, logout) share its client and refusal page; apart they would pass both around.
function oidcFlow(deps: Deps, settings: OidcSettings) {
  const base = publicBase(deps.config);
  const oidc = new OidcClient(settings, `${base}/auth/oidc/callback`);

  const refuse = (c: Context, reason: Refusal, retryAfterS?: number) => {
    if (retryAfterS) c.header('retry-after', String(Math.max(1, Math.ceil(retryAfterS))));
    const html = refusalPage(reason, pageLanguage(c.req.header('accept-language')), settings.displayName);
    c.header('content-type', 'text/html; charset=utf-8');
    return c.body(html, REFUSAL_STATUS[reason]);
  };

  /** A failure of the provider or of its answer: its class and code in the log (never a token), and the page. */
  const failed = (c: Context, err: unknown) => {
    if (err instanceof SignInRefused) return refuse(c, err.reason, err.retryAfterS);
    const reason: Refusal =
      err instanceof ProviderUnreachable
        ? 'unreachable'
        : err instanceof client.AuthorizationResponseError
          ? 'provider_error'
          : 'invalid_response';
    const e = err as { name?: unknown; code?: unknown; error?: unknown };
    deps.log.warn('single sign-on failed', {
      reason,
      error: typeof e.name === 'string' ? e.name : 'unknown',
      code: typeof e.code === 'string' ? e.code : undefined,
      // The provider's error code (access_denied, invalid_grant): a word from the OAuth registry, no secret.
      providerError: typeof e.error === 'string' ? e.error.slice(0, 64) : undefined,
    });
    return refuse(c, reason);
  };

  return {
    async login(c: Context) {
      try {
        const { url, pending } = await oidc.authorizationRequest();
        const now = deps.clock.now();
        const address = clientAddress(c, deps.config.trustProxy);
        await transaction(deps.db, async (tx) => {
          await spend(tx, [[`oidc:start:${address}`, START_LIMIT]], now, (over) => {
            return new SignInRefused('rate_limited', over.retryAfterS);
          });
          await saveLogin(tx, now, pending);
        });
        setStateCookie(c, deps.config, pending.state);
        return c.redirect(url.href, 302);
      } catch (err) {
        return failed(c, err);
      }
    },
    async callback(c: Context) {
      const state = stateOfThisBrowser(c, deps.config);
      if (!state) return refuse(c, 'state');
      const pending = await takeLogin(deps.db, deps.clock.now(), state);
      if (!pending) return refuse(c, 'state');
      try {
        // The callback as the provider called it: on the public URL, which the provider has registered.
        const callbackUrl = new URL(`${base}/auth/oidc/callback${new URL(c.req.url).search}`);
        const identity = await oidc.finish(callbackUrl, pending);
        const result = await signInWithOidc(deps, settings, identity, {
          address: clientAddress(c, deps.config.trustProxy),
          userAgent: c.req.header('user-agent') ?? '',
        });
        setSessionCookie(c, deps.config, result.token, result.expiresAt);
        return c.redirect(LANDING, 302);
      } catch (err) {
        return failed(c, err);
      }
    },
    async logout(c: Context) {
      // A GET that signs out: another site could send a browser here in a
      // top-level navigation (the Lax cookie goes along), so a cross-site
      // request signs nobody out. The console comes here same-origin.
      if (c.req.header('sec-fetch-site') === 'cross-site') return c.redirect(LANDING, 302);
      const token = getCookie(c, SESSION_COOKIE);
      const [row] = token
        ? await deps.db
            .select({ idToken: authSessions.oidcIdToken })
            .from(authSessions)
            .where(eq(authSessions.tokenHash, tokenHash(token)))
        : [];
      await logout(deps, token);
      clearSessionCookie(c, deps.config);
      const provider = row?.idToken ? await oidc.endSessionUrl(row.idToken, `${base}/login`) : undefined;
      return c.redirect(provider?.href ?? '/login', 302);
    },
  };
}
