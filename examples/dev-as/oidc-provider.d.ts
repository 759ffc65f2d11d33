// oidc-provider 9 ships no type declarations and @types/oidc-provider lags behind it, so this
// declares only the slice the dev authorization server uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** Request parameters after oidc-provider's allow-listing; repeated ones arrive as arrays. */
  export type Params = Record<string, string | string[] | undefined>;

  export interface Client {
    readonly clientId: string;
  }

  export interface OIDCContext {
    readonly params: Params;
    readonly client: Client;
    clientJwtAuthExpectedAudience(): Set<string>;
  }

  /** The Koa context as oidc-provider hands it to middleware and grant handlers. */
  export interface KoaContextWithOIDC {
    readonly req: IncomingMessage;
    readonly method: string;
    readonly path: string;
    status: number;
    type: string;
    body: unknown;
    readonly oidc: OIDCContext;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface TokenInit {
    client: Client;
    accountId?: string;
    scope?: string;
    expiresIn?: number;
    gty?: string;
  }

  export interface Token {
    readonly kind: string;
    readonly clientId: string;
    readonly accountId?: string;
    readonly exp?: number;
    readonly isValid: boolean;
    readonly expiration: number;
    scope?: string;
    aud?: string | string[];
    /** Extra claims; persisted only as returned by the extraTokenClaims configuration hook. */
    extra?: Record<string, unknown>;
    save(): Promise<string>;
  }

  export interface TokenModel {
    new (init: TokenInit): Token;
    find(value: string): Promise<Token | undefined>;
  }

  export interface AdapterPayload {
    grantId?: string;
    consumed?: number;
    [claim: string]: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Account {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types: string[];
    response_types: string[];
    redirect_uris: string[];
    /** Space-delimited; oidc-provider rejects an empty one, and without it allows every scope. */
    scope?: string;
    token_endpoint_auth_method: string;
    jwks?: { keys: object[] };
  }

  export interface Configuration {
    adapter: (model: string) => Adapter;
    clients: ClientMetadata[];
    jwks: { keys: object[] };
    scopes: string[];
    routes: Record<string, string>;
    ttl: Record<string, number>;
    features: Record<string, Record<string, unknown>>;
    enabledJWA: Record<string, string[]>;
    clientBasedCORS: () => boolean;
    findAccount: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
    extraTokenClaims: (ctx: KoaContextWithOIDC, token: Token) => Promise<Record<string, unknown> | undefined>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly AccessToken: TokenModel;
    readonly ClientCredentials: TokenModel;
    readonly OIDCContext: { readonly prototype: OIDCContext };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): this;
    registerGrantType(
      name: string,
      handler: (ctx: KoaContextWithOIDC) => Promise<void>,
      params?: string[],
      dupes?: string[],
    ): void;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
  }

  export namespace errors {
    /** Any OAuth error code with a description; answered as 400 `{error, error_description}`. */
    class CustomOIDCProviderError extends Error {
      constructor(error: string, description: string);
    }
  }

  export default Provider;
}
