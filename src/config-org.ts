// The configuration of issue 21 (single sign-on, e-mail, webhooks, metrics),
// read by loadConfig (config.ts) with the same rules: fail fast, naming the
// variable. The reference is docs/configuration.md.
import { z } from 'zod';

export type OidcSettings = {
  issuerUrl: URL;
  clientId: string;
  clientSecret: string;
  /** "Sign in with <displayName>" on the login page. */
  displayName: string;
  /** The ID token / userinfo claim that lists the user's groups at the provider. */
  groupClaim: string;
  /** Provider group → Loupe group name, in the order given: the first of the user's groups that maps wins. */
  groupMap: ReadonlyArray<{ idpGroup: string; loupeGroup: string }>;
};

export type SmtpSettings = {
  /** The SMTP_URL as given (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start); it may carry user:password. */
  url: string;
  from: string;
};

export type OrgConfig = {
  oidc: OidcSettings | undefined;
  /** false: only LOUPE_BREAK_GLASS_EMAIL may sign in with a password. */
  passwordLogin: boolean;
  breakGlassEmail: string | undefined;
  smtp: SmtpSettings | undefined;
  /** Hosts (host or host:port) a webhook may reach over plain http, or at a loopback/private address. */
  webhookAllowHttp: ReadonlySet<string>;
  /** The Prometheus listener; undefined when off (the default). */
  metrics: { port: number; host: string } | undefined;
};

const orgVariables = {
  OIDC_ISSUER_URL: z.url({ protocol: /^https?$/, error: 'must be an https:// URL of the OpenID Provider' }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  OIDC_DISPLAY_NAME: z.string().min(1).max(40).default('single sign-on'),
  OIDC_GROUP_CLAIM: z
    .string()
    .regex(/^[\w.:/-]{1,100}$/, 'must be a claim name such as groups')
    .default('groups'),
  OIDC_GROUP_MAP: z
    .string()
    .regex(/^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$/, 'must look like idp-group=Loupe group,other=Other group')
    .optional(),
  LOUPE_PASSWORD_LOGIN: z.enum(['true', 'false']).default('true'),
  LOUPE_BREAK_GLASS_EMAIL: z.email('must be an email address').optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/([^@/]+@)?[^:/@]+(:\d{1,5})?\/?(\?.*)?$/, 'must look like smtp://user:password@host:587')
    .optional(),
  SMTP_FROM: z.string().min(3).max(320).optional(),
  LOUPE_WEBHOOK_ALLOW_HTTP: z
    .string()
    .regex(/^[\w.:[\]-]+(,[\w.:[\]-]+)*$/, 'must be a comma-separated list of host or host:port')
    .optional(),
  LOUPE_METRICS_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, 'must be between 1 and 65535')
    .optional(),
  LOUPE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
} as const;

type Env = Record<string, string | undefined>;

export class OrgConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

function read<K extends keyof typeof orgVariables>(env: Env, name: K): z.output<(typeof orgVariables)[K]> {
  const raw = env[name] === '' ? undefined : env[name];
  const parsed = orgVariables[name].safeParse(raw);
  if (!parsed.success) throw new OrgConfigError(name, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data as z.output<(typeof orgVariables)[K]>;
}

export function loadOrgConfig(env: Env): OrgConfig {
  const passwordLogin = read(env, 'LOUPE_PASSWORD_LOGIN') === 'true';
  const breakGlassEmail = read(env, 'LOUPE_BREAK_GLASS_EMAIL')?.toLowerCase();
  const oidc = readOidc(env);
  if (!passwordLogin && !oidc)
    throw new OrgConfigError(
      'LOUPE_PASSWORD_LOGIN',
      'can be false only when OIDC_ISSUER_URL is set: nobody could sign in',
    );
  const port = read(env, 'LOUPE_METRICS_PORT');
  return {
    oidc,
    passwordLogin,
    breakGlassEmail,
    smtp: readSmtp(env),
    webhookAllowHttp: new Set(
      (read(env, 'LOUPE_WEBHOOK_ALLOW_HTTP') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
    metrics: port === undefined ? undefined : { port, host: read(env, 'LOUPE_METRICS_HOST') },
  };
}

function readOidc(env: Env): OidcSettings | undefined {
  const issuer = read(env, 'OIDC_ISSUER_URL');
  const clientId = read(env, 'OIDC_CLIENT_ID');
  const clientSecret = read(env, 'OIDC_CLIENT_SECRET');
  const groupMap = read(env, 'OIDC_GROUP_MAP');
  const displayName = read(env, 'OIDC_DISPLAY_NAME');
  const groupClaim = read(env, 'OIDC_GROUP_CLAIM');
  if (!issuer) {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_GROUP_MAP'] as const)
      if (env[name]) throw new OrgConfigError(name, 'is set, but OIDC_ISSUER_URL is not');
    return undefined;
  }
  if (!clientId) throw new OrgConfigError('OIDC_CLIENT_ID', 'must be set together with OIDC_ISSUER_URL');
  if (!clientSecret) throw new OrgConfigError('OIDC_CLIENT_SECRET', 'must be set together with OIDC_ISSUER_URL');
  if (!groupMap)
    throw new OrgConfigError(
      'OIDC_GROUP_MAP',
      'must map at least one provider group to a Loupe group (idp-group=Loupe group)',
    );
  return {
    issuerUrl: new URL(issuer),
    clientId,
    clientSecret,
    displayName,
    groupClaim,
    groupMap: groupMap.split(',').map((pair) => {
      const [idpGroup, loupeGroup] = pair.split('=').map((s) => s.trim()) as [string, string];
      if (!idpGroup || !loupeGroup) throw new OrgConfigError('OIDC_GROUP_MAP', `"${pair}" has an empty side`);
      return { idpGroup, loupeGroup };
    }),
  };
}

function readSmtp(env: Env): SmtpSettings | undefined {
  const url = read(env, 'SMTP_URL');
  const from = read(env, 'SMTP_FROM');
  if (!url) {
    if (from) throw new OrgConfigError('SMTP_FROM', 'is set, but SMTP_URL is not');
    return undefined;
  }
  if (!from)
    throw new OrgConfigError(
      'SMTP_FROM',
      'must be set together with SMTP_URL (the sender, e.g. Loupe <loupe@example.org>)',
    );
  return { url, from };
}
