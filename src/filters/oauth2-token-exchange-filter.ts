import { performance } from 'node:perf_hooks';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import { elGet, type ElReadable } from '../el/host.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import type { Cancellation } from '../http/cancellation.js';
import { entityNeeds, loadEntities, type EntityNeeds } from '../http/entity-loading.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { FORM_MEDIA_TYPE } from '../http/form.js';
import { Headers } from '../http/headers.js';
import { Request, textResponse, type Response } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';
import { bearerChallenge } from '../oauth2/bearer-challenge.js';
import { FAILURE_MAPPING, failureFromError, OAuthErrorCode, TokenExchangeFailure } from '../oauth2/errors.js';
import {
  ExchangeCache,
  ExchangeKeyer,
  type ExchangeCacheConfig,
  type ExchangeStore,
} from '../oauth2/exchange-cache.js';
import {
  buildTokenExchangeRequest,
  normalizeScopes,
  TokenExchangeTemplate,
  type TokenExchangeParameters,
  type TokenExchangeRequest,
} from '../oauth2/token-exchange-request.js';
import {
  parseTokenExchangeResponse,
  type TokenEndpointAnswer,
  type TokenExchangeOutcome,
  type TokenExchangeSuccess,
} from '../oauth2/token-exchange-response.js';
import { resolveTokenType, TokenType } from '../oauth2/token-types.js';
import { routeLabel, type ExchangeSource, type GatewayMetrics } from '../observability/metrics.js';
import { amServiceOrEndpoint } from '../services/am-service.js';
import { RedisExchangeCache } from '../services/redis-exchange-cache.js';
import type { ResourceAccess } from '../services/scriptable-resource-access.js';

type StringOrList = string | string[];

interface CacheSettings {
  enabled?: boolean;
  maxEntries?: number;
  maxTtl?: string | number;
  margin?: string | number;
  negativeTtl?: string | number;
  store?: unknown;
}

interface OAuth2TokenExchangeFilterConfig {
  subjectToken: string;
  amService?: unknown;
  endpoint?: string;
  subjectTokenType?: string;
  requestedTokenType?: string | null;
  actorToken?: string;
  actorTokenType?: string;
  scopes?: string[] | string | Record<string, unknown>;
  resource?: StringOrList;
  audience?: StringOrList;
  endpointHandler?: unknown;
  failureHandler?: unknown;
  lenient?: boolean;
  timeout?: string | number;
  cache?: CacheSettings;
}

/** What a successful exchange leaves in `contexts.oauth2TokenExchange`. */
export interface OAuth2TokenExchangeContext {
  readonly issuedToken: string;
  /** null only when the answer had none (lenient) and no type was requested. */
  readonly issuedTokenType: string | null;
  readonly scopes: readonly string[];
  readonly tokenType: string;
  /** Seconds; null when the answer gave none. */
  readonly expiresIn: number | null;
  /** The authorization server's whole JSON answer. */
  readonly rawInfo: Readonly<Record<string, unknown>>;
}

/**
 * What a failed exchange leaves in `contexts.oauth2Failure`: PingGateway's `error`,
 * `description` and `exception`, and what Tollgate adds for failure handlers. The log-only
 * detail is not here; `exception` is an Error, which expressions cannot read or print.
 */
export interface OAuth2FailureContext {
  readonly error: string;
  readonly description: string;
  readonly exception: Error;
  readonly errorUri: string | null;
  /** What the default failure handler answers. */
  readonly status: number;
  /** The authorization server's HTTP status, when it answered. */
  readonly upstreamStatus: number | null;
  readonly situation: TokenExchangeFailure['situation'];
}

/** Longest authorization server answer read; a token response is a few kilobytes. */
const MAX_ANSWER_BYTES = 256 * 1024;
/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const tokenTypeSchema = { type: 'string', minLength: 1 };
const stringOrListSchema = {
  type: ['string', 'array'],
  items: { type: 'string', minLength: 1 },
  minLength: 1,
};

function configErrors(
  place: Place,
  detail: string,
  code: 'TG_CONFIG_BAD_VALUE' | 'TG_CONFIG_MISSING_PROPERTY' = 'TG_CONFIG_BAD_VALUE',
): ConfigErrors {
  return new ConfigErrors([configError(code, place, detail)]);
}

function configString(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '')
    throw configErrors(place, 'expected a non-empty string');
  return evaluated;
}

/** A configured token type: a PingGateway constant name (URN_ACCESS_TOKEN…) or a URI. */
function configTokenType(context: CreateContext, value: unknown, place: Place): string {
  return resolveTokenType(configString(context, value, place));
}

/**
 * Checks configured values with the same rules the protocol layer applies per request, so a
 * resource with a fragment or a token type that is not a URI fails the route at load, where the
 * pointer says which key, instead of failing every request.
 */
function checkParameters(place: Place, params: Partial<TokenExchangeParameters>): void {
  try {
    buildTokenExchangeRequest({ subjectToken: 'x', subjectTokenType: TokenType.accessToken, ...params });
  } catch (error) {
    if (error instanceof TollgateError) throw configErrors(place, error.detail ?? error.message);
    throw error;
  }
}

/** A single value or a list, each a configuration expression checked by `check` where it is written. */
function configList(
  context: CreateContext,
  value: StringOrList | undefined,
  place: Place,
  check: (item: string, place: Place) => void,
): readonly string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return Object.freeze(
    items.map((item, index) => {
      const where = Array.isArray(value) ? childPlace(place, index) : place;
      const text = configString(context, item, where);
      check(text, where);
      return text;
    }),
  );
}

/** The filter's `timeout` in ms; undefined for none ("unlimited", "disabled", "zero"). */
function timeoutMs(value: string | number | undefined, place: Place): number | undefined {
  const ms = parseDuration(value ?? '5 seconds', place);
  if (ms === 0 || ms === Number.POSITIVE_INFINITY) return undefined;
  if (ms > MAX_TIMEOUT_MS) throw configErrors(place, 'the time-out is longer than 24 days; use "unlimited"');
  return Math.max(1, Math.round(ms));
}

function cacheConfig(settings: CacheSettings | undefined, place: Place): ExchangeCacheConfig {
  const duration = (key: 'maxTtl' | 'margin' | 'negativeTtl'): number | undefined => {
    const value = settings?.[key];
    if (value === undefined) return undefined;
    const ms = parseDuration(value, childPlace(place, key));
    if (!Number.isSafeInteger(ms))
      throw configErrors(childPlace(place, key), 'expected a finite whole number of milliseconds');
    return ms;
  };
  return {
    maxEntries: settings?.maxEntries,
    maxTtlMs: duration('maxTtl'),
    marginMs: duration('margin'),
    negativeTtlMs: duration('negativeTtl'),
  };
}

/** The `cache.store` object, when there is one: a RedisExchangeCache, by name or inline. */
function sharedStore(
  settings: CacheSettings | undefined,
  context: CreateContext,
): RedisExchangeCache | undefined {
  if (settings?.store === undefined) return undefined;
  const place = childPlace(context.place, 'cache', 'store');
  const store = context.resolve<unknown>(settings.store, 'Service', place);
  if (!(store instanceof RedisExchangeCache)) {
    throw new ConfigErrors([
      configError('TG_CONFIG_WRONG_KIND', place, 'cache.store must be a RedisExchangeCache'),
    ]);
  }
  if (settings.enabled !== true) {
    context.logger.warn(
      { place: formatPlace(place) },
      'cache.store is set but cache.enabled is not true: the filter caches nothing',
    );
  }
  return store;
}

/** An exchange's outcome and where it came from: `none` when no call could be made. */
interface ExchangeResult {
  readonly outcome: TokenExchangeOutcome;
  readonly source: ExchangeSource;
}

/**
 * Scopes: fixed ones (normalised once, the same array for every request), a list of runtime
 * expressions, or a ResourceAccess (a heap name or an inline object).
 */
type ScopeSource =
  | { readonly kind: 'constant'; readonly scopes: readonly string[] }
  | { readonly kind: 'expressions'; readonly templates: readonly CompiledTemplate[] }
  | { readonly kind: 'resourceAccess'; readonly access: ResourceAccess };

/** What a constant template is evaluated against: it reads nothing. */
const NO_SCOPE: ElReadable = { [elGet]: () => undefined };

function scopeSource(config: OAuth2TokenExchangeFilterConfig, context: CreateContext): ScopeSource {
  const place = childPlace(context.place, 'scopes');
  if (config.scopes === undefined) return { kind: 'constant', scopes: Object.freeze([]) };
  if (Array.isArray(config.scopes)) {
    const templates = config.scopes.map((scope, index) => context.template(scope, childPlace(place, index)));
    if (!templates.every((template) => template.constant)) return { kind: 'expressions', templates };
    const scopes = templates.map((template, index) => {
      const value = template.evaluate(NO_SCOPE) as string;
      checkParameters(childPlace(place, index), { scopes: [value] });
      return value;
    });
    return { kind: 'constant', scopes: Object.freeze(normalizeScopes(scopes)) };
  }
  // A string is the name of a ResourceAccess heap object, as in PingGateway; a single scope is
  // written as a one-element list.
  return {
    kind: 'resourceAccess',
    access: context.resolve<ResourceAccess>(config.scopes, 'ResourceAccess', place),
  };
}

function badParameter(detail: string): TollgateError {
  return new TollgateError('TG_OAUTH2_BAD_PARAMETER', detail);
}

/** A token expression's value: a string, or null when it gave nothing. */
function tokenValue(template: CompiledTemplate, exchange: Exchange, name: string): string | null {
  const value = template.evaluate(exchange);
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string')
    throw badParameter(`the ${name} expression gave a ${typeof value}, not a string`);
  return value;
}

/** A scope expression's value: a string (possibly several space-separated scopes), a list of them, or nothing. */
function scopeValues(template: CompiledTemplate, exchange: Exchange): string[] {
  const value = template.evaluate(exchange);
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw badParameter('a scope expression gave something other than a string or a list of strings');
}

/** Rejects with the cancellation's reason when it fires first: a handler that ignores it cannot hang the exchange. */
function untilCancelled<T>(work: Promise<T>, cancellation: Cancellation): Promise<T> {
  if (cancellation.reason !== undefined) return Promise.reject(cancellation.reason);
  return new Promise<T>((resolve, reject) => {
    cancellation.onCancel(reject);
    work.then(resolve, reject).finally(() => cancellation.offCancel(reject));
  });
}

function successContext(success: TokenExchangeSuccess): OAuth2TokenExchangeContext {
  return Object.freeze({
    issuedToken: success.accessToken,
    issuedTokenType: success.issuedTokenType,
    scopes: success.scopes,
    tokenType: success.tokenType,
    expiresIn: success.expiresIn ?? null,
    rawInfo: success.raw,
  });
}

function failureContext(failure: TokenExchangeFailure): OAuth2FailureContext {
  return Object.freeze({
    error: failure.error,
    description: failure.description,
    exception: failure.exception,
    errorUri: failure.errorUri ?? null,
    status: failure.status,
    upstreamStatus: failure.upstreamStatus ?? null,
    situation: failure.situation,
  });
}

/** The OAuth error codes a metric label may take; any other is `other`, so an AS cannot grow the series. */
const KNOWN_ERRORS: ReadonlySet<string> = new Set(Object.values(OAuthErrorCode));

function errorLabel(error: string): string {
  return KNOWN_ERRORS.has(error) ? error : 'other';
}

/**
 * RFC 8693 token exchange on the request path. Per request: evaluate the subject (and actor)
 * token and the scopes, POST the exchange to the token endpoint through `endpointHandler`
 * (where client authentication filters sit), and either put the issued token in
 * `contexts.oauth2TokenExchange` and go on, or put the failure in `contexts.oauth2Failure` and
 * answer with `failureHandler` — never the next handler, so a request whose exchange failed
 * never reaches the backend with the caller's own token.
 */
class OAuth2TokenExchangeFilter implements Filter {
  readonly #name: string;
  readonly #endpoint: string;
  /** Parsed once; each call sends a copy, which the handlers behind may rewrite. */
  readonly #endpointUri: RequestUri;
  readonly #subjectToken: CompiledTemplate;
  readonly #actorToken: CompiledTemplate | undefined;
  readonly #scopes: ScopeSource;
  /** The configured parts of every request, checked and encoded once. */
  readonly #template: TokenExchangeTemplate;
  readonly #endpointHandler: Handler;
  readonly #failureHandler: Handler | undefined;
  readonly #lenient: boolean;
  readonly #timeoutMs: number | undefined;
  /** undefined when `cache.enabled` is not true. */
  readonly #cache: ExchangeStore | undefined;
  readonly #keyer: ExchangeKeyer;
  readonly #metrics: GatewayMetrics;
  readonly #needs: EntityNeeds;
  /** Lenient-parsing warnings already logged: each is worth one line, not one per request. */
  readonly #warned = new Set<string>();

  constructor(config: OAuth2TokenExchangeFilterConfig, context: CreateContext) {
    this.#metrics = context.gateway.metrics;
    const { place } = context;
    const at = (...tokens: (string | number)[]): Place => childPlace(place, ...tokens);
    this.#name = context.name;
    this.#endpoint = amServiceOrEndpoint(config, context, (service) => service.tokenEndpoint);
    this.#endpointUri = RequestUri.parse(this.#endpoint);

    this.#subjectToken = context.template(config.subjectToken, at('subjectToken'));
    const subjectTokenType =
      config.subjectTokenType === undefined
        ? TokenType.accessToken
        : configTokenType(context, config.subjectTokenType, at('subjectTokenType'));
    checkParameters(at('subjectTokenType'), { subjectTokenType });

    if (config.actorTokenType !== undefined && config.actorToken === undefined) {
      throw configErrors(
        at('actorToken'),
        'actorTokenType is set without actorToken',
        'TG_CONFIG_MISSING_PROPERTY',
      );
    }
    this.#actorToken =
      config.actorToken === undefined ? undefined : context.template(config.actorToken, at('actorToken'));
    const actorTokenType =
      config.actorToken === undefined
        ? undefined
        : config.actorTokenType === undefined
          ? TokenType.accessToken
          : configTokenType(context, config.actorTokenType, at('actorTokenType'));
    if (actorTokenType !== undefined) {
      checkParameters(at('actorTokenType'), { actorToken: 'x', actorTokenType });
    }

    // null means "send no requested_token_type" (some servers reject the parameter).
    const requestedTokenType =
      config.requestedTokenType === null
        ? undefined
        : config.requestedTokenType === undefined
          ? TokenType.accessToken
          : configTokenType(context, config.requestedTokenType, at('requestedTokenType'));
    checkParameters(at('requestedTokenType'), { requestedTokenType });

    this.#scopes = scopeSource(config, context);
    const resources = configList(context, config.resource, at('resource'), (resource, where) =>
      checkParameters(where, { resources: [resource] }),
    );
    const audiences = configList(context, config.audience, at('audience'), (audience, where) =>
      checkParameters(where, { audiences: [audience] }),
    );

    this.#endpointHandler = context.resolve<Handler>(
      config.endpointHandler ?? 'ForgeRockClientHandler',
      'Handler',
      at('endpointHandler'),
    );
    this.#failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      at('failureHandler'),
    );
    this.#lenient = config.lenient ?? true;
    this.#timeoutMs = timeoutMs(config.timeout, at('timeout'));
    const shared = sharedStore(config.cache, context);
    let cache: ExchangeCache;
    try {
      const settings = cacheConfig(config.cache, at('cache'));
      cache =
        shared === undefined
          ? new ExchangeCache(settings)
          : new ExchangeCache(
              // The in-process front is the store's; an empty one keeps nothing (localTtlMs 0).
              { ...settings, maxEntries: Math.max(1, shared.localCacheMaxSize) },
              { shared, localTtlMs: shared.localCacheTtlMs },
            );
    } catch (error) {
      if (error instanceof TollgateError && error.place === undefined) {
        throw configErrors(at('cache'), error.detail ?? error.message);
      }
      throw error;
    }
    this.#cache = config.cache?.enabled === true ? cache : undefined;
    context.onStop(() => cache.clear());
    if (this.#cache !== undefined) {
      const { metrics } = context.gateway;
      let withdraw: (() => void) | undefined;
      context.onStart(() => {
        withdraw = metrics.exchangeCache(context.route ?? 'none', context.name, () => cache.size);
      });
      context.onStop(() => withdraw?.());
    }
    this.#template = new TokenExchangeTemplate({
      subjectTokenType,
      actorTokenType,
      requestedTokenType,
      resources,
      audiences,
    });
    this.#keyer = new ExchangeKeyer({
      endpoint: this.#endpoint,
      clientId: undefined,
      ...this.#template.fixed,
    });

    const scopeTemplates = this.#scopes.kind === 'expressions' ? this.#scopes.templates : [];
    this.#needs = entityNeeds([
      this.#subjectToken,
      ...(this.#actorToken ? [this.#actorToken] : []),
      ...scopeTemplates,
    ]);
  }

  async filter(exchange: Exchange, next: Handler): Promise<Response> {
    // Outside the failure mapping: a body too large or unreadable is the client's request being
    // refused (413 / 400), not a token exchange failure.
    const loading = loadEntities(exchange, this.#needs);
    if (loading) await loading;
    const started = performance.now();
    // A cache hit is answered without waiting a tick: the result is a promise only on a call.
    const result = this.#exchange(exchange);
    const { outcome, source } = result instanceof Promise ? await result : result;
    // The access log's words: with the cache off, every token is exchanged.
    exchange.timing.addTokenExchange(
      performance.now() - started,
      source === 'uncached' ? 'exchanged' : source,
    );
    this.#metrics.tokenExchange(
      routeLabel(exchange),
      this.#name,
      outcome.ok ? null : errorLabel(outcome.failure.error),
      source,
      (performance.now() - started) / 1000,
    );
    if (outcome.ok) {
      this.#warnOnce(exchange, outcome.success.warnings);
      exchange.contexts.oauth2TokenExchange = successContext(outcome.success);
      return next.handle(exchange);
    }
    return this.#fail(exchange, outcome.failure);
  }

  /** Every failure, thrown or rejected, becomes an outcome here. */
  #exchange(exchange: Exchange): ExchangeResult | Promise<ExchangeResult> {
    try {
      const result = this.#tryExchange(exchange);
      return result instanceof Promise ? result.catch((error) => failed(failureFromError(error))) : result;
    } catch (error) {
      return failed(failureFromError(error));
    }
  }

  #tryExchange(exchange: Exchange): ExchangeResult | Promise<ExchangeResult> {
    const subjectToken = tokenValue(this.#subjectToken, exchange, 'subjectToken');
    const actorToken = this.#actorToken ? tokenValue(this.#actorToken, exchange, 'actorToken') : null;
    if (this.#actorToken !== undefined && isBlank(actorToken) && !isBlank(subjectToken)) {
      // Delegation was configured: without the actor token the exchange would silently
      // become an impersonation, so it fails as a missing subject token does.
      return failed(missingActorToken());
    }
    if (subjectToken === null || isBlank(subjectToken)) {
      throw new TollgateError('TG_OAUTH2_NO_SUBJECT_TOKEN', 'no subject token');
    }
    const source = this.#scopes;
    if (source.kind === 'constant')
      return this.#exchangeFor(exchange, subjectToken, actorToken, source.scopes);
    return evaluatedScopes(source, exchange).then((scopes) =>
      this.#exchangeFor(exchange, subjectToken, actorToken, scopes),
    );
  }

  #exchangeFor(
    exchange: Exchange,
    subjectToken: string,
    actorToken: string | null,
    scopes: readonly string[],
  ): ExchangeResult | Promise<ExchangeResult> {
    const build = (): TokenExchangeRequest => this.#template.request(subjectToken, actorToken, scopes);
    const cache = this.#cache;
    if (cache === undefined) {
      return this.#call(exchange, build()).then((outcome) => ({ outcome, source: 'uncached' }));
    }
    // Every other part of the key is fixed by this filter's configuration, its endpointHandler
    // (and so its client) included: the request is only built, and checked, on a miss.
    const actor = actorToken ?? undefined;
    const lookup = { key: this.#keyer.key(subjectToken, actor, scopes), subjectToken, actorToken: actor };
    return cache.getOrExchange(lookup, () => this.#call(exchange, build()));
  }

  async #call(exchange: Exchange, request: TokenExchangeRequest): Promise<TokenExchangeOutcome> {
    const body = this.#template.body(request);
    const asRequest = new Request({
      method: 'POST',
      uri: this.#endpointUri.clone(),
      headers: Headers.fromRecord({ 'Content-Type': FORM_MEDIA_TYPE, Accept: 'application/json' }),
      entity: new Entity(body),
    });
    const sub = exchange.subExchange(asRequest, this.#timeoutMs, { detached: this.#cache !== undefined });
    let answer: TokenEndpointAnswer;
    try {
      answer = await untilCancelled(this.#send(sub), sub.cancellation);
    } finally {
      sub.end();
    }
    return parseTokenExchangeResponse(answer, {
      requestedTokenType: request.requestedTokenType,
      requestedScopes: request.scopes,
      lenient: this.#lenient,
      sentTokens:
        request.actorToken === undefined
          ? [request.subjectToken]
          : [request.subjectToken, request.actorToken],
    });
  }

  async #send(sub: Exchange): Promise<TokenEndpointAnswer> {
    const response = await this.#endpointHandler.handle(sub);
    await response.entity.load(
      Math.min(MAX_ANSWER_BYTES, sub.maxEntityBytes),
      'TG_UPSTREAM_RESPONSE_TOO_LARGE',
    );
    return {
      status: response.status,
      contentType: response.headers.first('content-type'),
      body: response.entity.string ?? '',
    };
  }

  #fail(exchange: Exchange, failure: TokenExchangeFailure): Promise<Response> {
    exchange.contexts.oauth2Failure = failureContext(failure);
    // What the client caused (a bad or missing token) is routine; what the authorization server
    // got wrong is worth a warning; a wrong configuration or client registration fails every
    // request until an operator fixes it. No line holds a token.
    const { configuration } = FAILURE_MAPPING[failure.situation];
    const level = configuration ? 'error' : failure.status < 500 ? 'info' : 'warn';
    exchange.log[level](
      {
        code: 'TG_OAUTH2_EXCHANGE_FAILED',
        route: (exchange.contexts.router as { route?: string } | undefined)?.route,
        object: this.#name,
        error: failure.error,
        description: failure.description,
        situation: failure.situation,
        status: failure.status,
        upstreamStatus: failure.upstreamStatus,
        detail: failure.detail,
      },
      configuration
        ? "token exchange failed: the gateway's client registration or configuration is wrong"
        : 'token exchange failed',
    );
    // A configured failureHandler decides its whole answer, headers included.
    if (this.#failureHandler) return this.#failureHandler.handle(exchange);
    const response = textResponse(failure.status);
    const challenge = bearerChallenge(failure.status, failure.description);
    if (challenge !== undefined) response.headers.set('WWW-Authenticate', challenge);
    return Promise.resolve(response);
  }

  #warnOnce(exchange: Exchange, warnings: readonly string[]): void {
    for (const warning of warnings) {
      if (this.#warned.has(warning)) continue;
      this.#warned.add(warning);
      exchange.log.warn({ object: this.#name, warning }, 'lenient token response accepted');
    }
  }
}

/** Normalised scopes of one request, as the template and the cache key both take them. */
async function evaluatedScopes(
  source: Exclude<ScopeSource, { kind: 'constant' }>,
  exchange: Exchange,
): Promise<readonly string[]> {
  if (source.kind === 'resourceAccess') return normalizeScopes(await source.access.scopes(exchange));
  return normalizeScopes(source.templates.flatMap((template) => scopeValues(template, exchange)));
}

function failed(failure: TokenExchangeFailure): ExchangeResult {
  return { outcome: { ok: false, failure }, source: 'none' };
}

function isBlank(token: string | null): boolean {
  return token === null || token.trim() === '';
}

function missingActorToken(): TokenExchangeFailure {
  const row = FAILURE_MAPPING.no_subject_token;
  const detail = 'the actorToken expression gave no token';
  return new TokenExchangeFailure({
    situation: 'no_subject_token',
    error: row.error!,
    description: 'no actor token',
    status: row.status,
    detail,
    exception: new TollgateError('TG_OAUTH2_EXCHANGE_FAILED', detail),
  });
}

export const oauth2TokenExchangeFilterType = defineType<OAuth2TokenExchangeFilterConfig, Filter>({
  type: 'OAuth2TokenExchangeFilter',
  kind: 'Filter',
  description:
    'Exchanges the subject token for an issued token (RFC 8693) at the authorization server; on failure the failureHandler answers.',
  schema: objectSchema(
    {
      subjectToken: { ...expressionSchema, minLength: 1 },
      amService: referenceSchema,
      endpoint: expressionSchema,
      subjectTokenType: tokenTypeSchema,
      requestedTokenType: { type: ['string', 'null'], minLength: 1 },
      actorToken: { ...expressionSchema, minLength: 1 },
      actorTokenType: tokenTypeSchema,
      scopes: {
        type: ['array', 'string', 'object'],
        items: expressionSchema,
        description: 'A list of runtime expressions, or a ResourceAccess (heap name or inline object)',
      },
      resource: stringOrListSchema,
      audience: stringOrListSchema,
      endpointHandler: referenceSchema,
      failureHandler: referenceSchema,
      lenient: { type: 'boolean' },
      timeout: durationSchema,
      cache: objectSchema({
        enabled: { type: 'boolean' },
        maxEntries: { type: 'integer', minimum: 1 },
        maxTtl: durationSchema,
        margin: durationSchema,
        negativeTtl: durationSchema,
        store: referenceSchema,
      }),
    },
    ['subjectToken'],
  ),
  create: (config, context) => new OAuth2TokenExchangeFilter(config, context),
});
