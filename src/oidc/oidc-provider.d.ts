// The little of `oidc-provider` (tests' OpenID Provider, src/oidc/test-provider.ts)
// that Loupe's tests use: the package ships no types, and @types/oidc-provider
// is not installed for this (its version trails the package's).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    /** The provider as a node:http request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
