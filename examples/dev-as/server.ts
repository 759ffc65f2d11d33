// A development authorization server for trying Tollgate's token exchange without PingAM: it
// answers on AM's URL layout and is built on oidc-provider. Not part of the gateway.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { Configuration, Middleware, Provider as OidcProvider } from 'oidc-provider';
import { createMemoryAdapterFactory } from './adapter.js';
import {
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  extraTokenClaims,
  registerGrants,
} from './grants.js';
import type { GrantSettings, MayAct, SigningKey } from './grants.js';

export { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT };
export type { ActClaim, MayAct } from './grants.js';

export type TokenEndpointAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';

export interface DevClient {
  clientId: string;
  /** Needed by the client_secret_* methods. */
  clientSecret?: string;
  /** 'password', 'client_credentials', TOKEN_EXCHANGE_GRANT; none for an introspection-only agent. */
  grantTypes: string[];
  /** Space-delimited scopes the client may obtain. */
  scope: string;
  /**
   * Default client_secret_basic. A client registered with client_secret_basic or
   * client_secret_post may authenticate either way (oidc-provider treats them as one method).
   */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** Public keys for private_key_jwt. */
  jwks?: { keys: JWK[] };
  /** may_act put into the tokens this client obtains with the password or client_credentials grant. */
  mayAct?: MayAct;
}

export interface DevAsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Path of the issuer; default '/openam/oauth2'. */
  issuerPath?: string;
  /** Lifetime of tokens from every grant, a positive integer; default 3600. */
  accessTokenTtlSeconds?: number;
  /** Merged into defaultClients() by clientId: an entry replaces the default with its id. */
  clients?: DevClient[];
  /** Resource owners for the password grant; default { demo: 'Ch4ng31t' }. */
  users?: Record<string, string>;
  /**
   * The resource whose access tokens are signed JWTs (RFC 9068): a password grant with
   * `resource` set to it gets one. Default DEFAULT_JWT_RESOURCE.
   */
  jwtResource?: string;
  /** Audience and resource values token exchange accepts; unset accepts any. */
  allowedAudiences?: string[];
  /**
   * What a client is answered for a grant type it is not registered for: RFC 6749's
   * `unauthorized_client` (the default, as AM answers), or oidc-provider's own `invalid_request`
   * "requested grant type is not allowed for this client".
   */
  grantTypeRefusal?: 'unauthorized_client' | 'invalid_request';
  /** Receives one line per request and oidc-provider's notices; unset discards them. */
  log?: (line: string) => void;
}

export type DevAsMode = 'normal' | 'html' | 'malformed-json' | 'omit-issued-token-type' | 'server-error';

export interface DevAs {
  /** AM base URL with a trailing slash, as PingGateway's AmService.url, e.g. http://127.0.0.1:PORT/openam/. */
  url: string;
  issuer: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  jwksUri: string;
  /** The resource whose access tokens are JWTs. */
  jwtResource: string;
  close(): Promise<void>;
  /** Delays every token-endpoint answer, to exercise the gateway's time-outs. */
  setDelayMs(ms: number): void;
  /** Makes the token endpoint misbehave; 'normal' restores it. */
  setMode(mode: DevAsMode): void;
  /** POSTs received by the token endpoint (either path), for single-flight tests. */
  tokenRequests(): number;
  /** The `client_assertion` of each token request that had one, oldest first. */
  clientAssertions(): readonly string[];
}

const CLIENT_SECRET = 'password';

/** The resource the password grant issues JWT access tokens for when no other is configured. */
export const DEFAULT_JWT_RESOURCE = 'https://jwt-api.example.com';

/** The clients registered when DevAsOptions.clients does not replace them. */
export function defaultClients(): DevClient[] {
  return [
    {
      clientId: 'client-application',
      clientSecret: CLIENT_SECRET,
      grantTypes: ['password', 'client_credentials'],
      scope: 'mail employeenumber openid profile',
      tokenEndpointAuthMethod: 'client_secret_basic',
      mayAct: { client_id: 'serviceConfidentialClient' },
    },
    {
      clientId: 'serviceConfidentialClient',
      clientSecret: CLIENT_SECRET,
      grantTypes: [TOKEN_EXCHANGE_GRANT],
      scope: 'mail employeenumber',
      tokenEndpointAuthMethod: 'client_secret_post',
    },
    {
      clientId: 'actorClient',
      clientSecret: CLIENT_SECRET,
      grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
      scope: 'mail employeenumber',
      tokenEndpointAuthMethod: 'client_secret_basic',
    },
    {
      // Has no keys until a caller registers its public key by replacing this entry.
      clientId: 'jwtClient',
      grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
      scope: 'mail employeenumber',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [] },
    },
    {
      // The seed's PingGateway agent; it only introspects.
      clientId: 'ig_agent',
      clientSecret: CLIENT_SECRET,
      grantTypes: [],
      scope: '',
      tokenEndpointAuthMethod: 'client_secret_basic',
    },
  ];
}

// AM's realm-qualified routes are canonical; the short forms the seed's curl also uses are aliases.
const TOKEN_ROUTE = '/realms/root/access_token';
const INTROSPECTION_ROUTE = '/realms/root/introspect';
const JWKS_ROUTE = '/connect/jwk_uri';
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['/access_token', TOKEN_ROUTE],
  ['/introspect', INTROSPECTION_ROUTE],
]);
const SIGNING_ALG = 'RS256';
const CLIENT_AUTH_ALGS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'Ed25519',
  'EdDSA',
];

// oidc-provider colours its notices on a TTY.
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

// oidc-provider prints its notices (e.g. "Unsupported runtime" on Node 20, which it still runs on)
// straight to the console. They are diverted so tests stay quiet and replayed to a `log` if given.
// Importing happens once per process, so this is the only place the console is touched
// asynchronously; other output passes through untouched meanwhile.
const OIDC_PROVIDER = await (async () => {
  const notices: string[] = [];
  const restore = divertNotices((line) => notices.push(line));
  try {
    const imported = await import('oidc-provider');
    return {
      Provider: imported.Provider,
      errors: imported.errors,
      importNotices: notices as readonly string[],
    };
  } finally {
    restore();
  }
})();

export async function startDevAs(options: DevAsOptions = {}): Promise<DevAs> {
  const host = options.host ?? '127.0.0.1';
  const mount = (options.issuerPath ?? '/openam/oauth2').replace(/\/+$/, '');
  if (mount !== '' && !mount.startsWith('/')) throw new TypeError('issuerPath must start with /');
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new TypeError('accessTokenTtlSeconds must be a positive integer');
  }
  const log = options.log ?? ((): void => {});
  const clients = mergeClients(defaultClients(), options.clients ?? []);
  const jwtResource = options.jwtResource ?? DEFAULT_JWT_RESOURCE;
  if (!URL.canParse(jwtResource)) throw new TypeError('jwtResource must be an absolute URI');
  const hooks: Hooks = { delayMs: 0, mode: 'normal', tokenRequests: 0, clientAssertions: [] };

  // Key generation is the one slow step, so it runs before the socket is bound: once listening,
  // the request handler is attached in the same tick and no request can find the server bare.
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const issuer = `${origin}${mount}`;

  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  try {
    handle = createProvider({
      issuer,
      clients,
      users: options.users ?? { demo: 'Ch4ng31t' },
      ttl,
      allowedAudiences: options.allowedAudiences,
      jwtResource,
      signingKey: { privateKey, publicKey, kid, alg: SIGNING_ALG },
      privateJwk,
      hooks,
      grantTypeRefusal: options.grantTypeRefusal ?? 'unauthorized_client',
      log,
    });
  } catch (error) {
    server.close();
    throw error;
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const { pathname: path, search } = new URL(req.url ?? '/', origin);
    res.on('finish', () => log(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`));
    const route = providerRoute(mount, path);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found', error_description: `no endpoint at ${path}` }));
      return;
    }
    // The provider routes on req.url below its mount point and, like under Express, derives the
    // mount point (for the URLs it prints) from originalUrl.
    Object.assign(req, { originalUrl: `${mount}${route}${search}`, url: `${route}${search}` });
    handle(req, res);
  });

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${mount.slice(0, Math.max(mount.lastIndexOf('/'), 0))}/`,
    issuer,
    tokenEndpoint: `${issuer}${TOKEN_ROUTE}`,
    introspectionEndpoint: `${issuer}${INTROSPECTION_ROUTE}`,
    jwksUri: `${issuer}${JWKS_ROUTE}`,
    jwtResource,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from HTTP clients would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
    setDelayMs(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('delay must be a non-negative number');
      hooks.delayMs = ms;
    },
    setMode(mode) {
      hooks.mode = mode;
    },
    tokenRequests: () => hooks.tokenRequests,
    clientAssertions: () => [...hooks.clientAssertions],
  };
}

interface ProviderSetup {
  issuer: string;
  clients: DevClient[];
  users: Record<string, string>;
  ttl: number;
  allowedAudiences: string[] | undefined;
  jwtResource: string;
  signingKey: SigningKey;
  privateJwk: JWK;
  hooks: Hooks;
  grantTypeRefusal: NonNullable<DevAsOptions['grantTypeRefusal']>;
  log: (line: string) => void;
}

/** Configures oidc-provider for the dev AS; synchronous, so the caller can attach it in one tick. */
function createProvider(setup: ProviderSetup): (req: IncomingMessage, res: ServerResponse) => void {
  const { issuer, clients, users, ttl, allowedAudiences, jwtResource, signingKey, privateJwk, hooks, log } =
    setup;
  const mayActByClient: ReadonlyMap<string, MayAct> = new Map(
    clients.flatMap((client) => (client.mayAct ? [[client.clientId, client.mayAct] as const] : [])),
  );
  const configuration: Configuration = {
    adapter: createMemoryAdapterFactory(),
    clients: clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret !== undefined ? { client_secret: client.clientSecret } : {}),
      grant_types: client.grantTypes,
      response_types: [],
      redirect_uris: [],
      ...(client.scope !== '' ? { scope: client.scope } : {}),
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
      ...(client.jwks !== undefined ? { jwks: client.jwks } : {}),
    })),
    jwks: { keys: [privateJwk] },
    scopes: [...new Set(['openid', ...clients.flatMap((client) => scopeNames(client.scope))])],
    routes: { token: TOKEN_ROUTE, introspection: INTROSPECTION_ROUTE, jwks: JWKS_ROUTE },
    ttl: { AccessToken: ttl, ClientCredentials: ttl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Like an AM agent with realm-wide introspection: any authenticated client may introspect.
      introspection: { enabled: true, allowedPolicy: async () => true },
      // Resources are handled by the token-exchange grant itself, not by oidc-provider's
      // resource-server model.
      resourceIndicators: { enabled: false },
    },
    enabledJWA: { clientAuthSigningAlgValues: CLIENT_AUTH_ALGS },
    clientBasedCORS: () => true,
    findAccount: async (_ctx, sub) =>
      Object.hasOwn(users, sub) ? { accountId: sub, claims: async () => ({ sub }) } : undefined,
    extraTokenClaims: async (_ctx, token) => extraTokenClaims(mayActByClient, token),
  };

  for (const notice of OIDC_PROVIDER.importNotices) log(notice);
  const restore = divertNotices(log);
  let provider: OidcProvider;
  try {
    provider = new OIDC_PROVIDER.Provider(issuer, configuration);
  } finally {
    restore();
  }

  const grantSettings: GrantSettings = {
    provider,
    users,
    scopesByClient: new Map(clients.map((client) => [client.clientId, scopeNames(client.scope)])),
    mayActByClient,
    allowedAudiences: allowedAudiences ? new Set(allowedAudiences) : undefined,
    accessTokenTtlSeconds: ttl,
    jwtResource,
    signingKey,
    oauthError: (code, description) => new OIDC_PROVIDER.errors.CustomOIDCProviderError(code, description),
  };
  registerGrants(grantSettings);
  acceptAliasAudiences(
    provider,
    [...ALIASES.keys()].map((alias) => `${issuer}${alias}`),
  );
  provider.use(tokenEndpointHooks(hooks, setup.grantTypeRefusal));
  provider.on('server_error', (_ctx, error) => log(`server_error: ${error.stack ?? error.message}`));

  return provider.callback();
}

function scopeNames(scope: string): string[] {
  return scope.split(' ').filter((name) => name !== '');
}

function mergeClients(defaults: DevClient[], overrides: DevClient[]): DevClient[] {
  const byId = new Map(defaults.map((client) => [client.clientId, client]));
  for (const client of overrides) byId.set(client.clientId, client);
  return [...byId.values()];
}

/** The provider-relative route for a request path, or undefined when it is not under the issuer. */
function providerRoute(mount: string, path: string): string | undefined {
  if (mount !== '' && path !== mount && !path.startsWith(`${mount}/`)) return undefined;
  const route = path.slice(mount.length) || '/';
  return ALIASES.get(route) ?? route;
}

/**
 * oidc-provider accepts a private_key_jwt / client_secret_jwt assertion whose aud is the issuer or
 * the canonical token endpoint; AM also takes its short /access_token form, which a gateway posting
 * there will naturally use as aud. OIDCContext is a class oidc-provider creates per Provider, so
 * this touches only this server.
 */
function acceptAliasAudiences(provider: OidcProvider, aliasUrls: string[]): void {
  const prototype = provider.OIDCContext.prototype;
  const canonical = prototype.clientJwtAuthExpectedAudience;
  prototype.clientJwtAuthExpectedAudience = function expectedAudience() {
    const accepted = canonical.call(this);
    for (const url of aliasUrls) accepted.add(url);
    return accepted;
  };
}

/** The test hooks' state, one per server. */
interface Hooks {
  delayMs: number;
  mode: DevAsMode;
  tokenRequests: number;
  clientAssertions: string[];
}

function tokenEndpointHooks(hooks: Hooks, grantTypeRefusal: ProviderSetup['grantTypeRefusal']): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_ROUTE) return next();
    hooks.tokenRequests += 1;
    if (hooks.delayMs > 0) {
      await sleep(hooks.delayMs);
      // The caller gave up while it waited (a gateway time-out): there is nobody to answer, and
      // oidc-provider would only warn that the aborted body cannot be read.
      if (ctx.req.destroyed) return;
    }

    switch (hooks.mode) {
      case 'html':
        ctx.status = 200;
        ctx.body = '<!doctype html><html><body><h1>Sign in</h1></body></html>';
        ctx.type = 'text/html';
        return;
      case 'malformed-json':
        ctx.status = 200;
        ctx.body = '{"access_token": "truncated';
        ctx.type = 'application/json';
        return;
      case 'server-error':
        // A JSON error body on purpose: a 5xx is a transport failure whatever it carries.
        ctx.status = 503;
        ctx.body = JSON.stringify({ error: 'temporarily_unavailable' });
        ctx.type = 'application/json';
        return;
      case 'normal':
      case 'omit-issued-token-type':
        break;
    }

    await next();

    const assertion = ctx.oidc?.params?.client_assertion;
    if (typeof assertion === 'string') hooks.clientAssertions.push(assertion);
    const body = ctx.body;
    if (typeof body !== 'object' || body === null) return;
    const answer = body as Record<string, unknown>;
    // oidc-provider says invalid_request when a client uses a grant type it is not registered for;
    // RFC 6749 §5.2 calls that unauthorized_client, which is what a gateway should get to see.
    if (
      grantTypeRefusal === 'unauthorized_client' &&
      answer.error === 'invalid_request' &&
      answer.error_description === 'requested grant type is not allowed for this client'
    ) {
      answer.error = 'unauthorized_client';
    }
    if (hooks.mode === 'omit-issued-token-type') delete answer.issued_token_type;
  };
}

/** Sends console lines that oidc-provider prints to `sink`; returns the function that undoes it. */
function divertNotices(sink: (line: string) => void): () => void {
  const { warn, info } = console;
  const divert =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      const [first] = args;
      const plain = typeof first === 'string' ? first.replace(ANSI_SGR, '') : undefined;
      if (plain?.startsWith('oidc-provider ')) sink(plain);
      else original.apply(console, args);
    };
  console.warn = divert(warn);
  console.info = divert(info);
  return () => {
    console.warn = warn;
    console.info = info;
  };
}
