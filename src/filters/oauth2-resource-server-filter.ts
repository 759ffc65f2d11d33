import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import { elGet, type ElReadable } from '../el/host.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  TollgateError,
} from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities, type EntityNeeds } from '../http/entity-loading.js';
import type { ClientContext, Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';
import type { AccessTokenInfo, AccessTokenResolver } from '../oauth2/access-token.js';
import { resourceServerChallenge, type ResourceChallenge } from '../oauth2/bearer-challenge.js';
import { cachingResolver } from '../services/cache-access-token-resolver.js';
import type { ResourceAccess } from '../services/scriptable-resource-access.js';

interface ResourceServerCacheConfig {
  enabled?: boolean;
  defaultTimeout?: string | number;
  maxTimeout?: string | number;
  amService?: unknown;
  onNotificationDisconnection?: unknown;
}

interface OAuth2ResourceServerFilterConfig {
  accessTokenResolver: unknown;
  scopes: string[] | string | Record<string, unknown>;
  requireHttps?: boolean;
  realm?: string;
  cache?: ResourceServerCacheConfig;
  executor?: unknown;
}

/** What a valid token leaves in `contexts.oauth2`, as PingGateway's OAuth2Context. */
export interface OAuth2Context {
  readonly accessToken: AccessTokenInfo;
}

/** PingGateway's name for the realm of the challenges when none is configured (OpenIG's heaplet). */
export const DEFAULT_REALM = 'OpenIG';

/** RFC 6750 §2.1: `Bearer` then one b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

type ScopeSource =
  | { readonly kind: 'constant'; readonly scopes: readonly string[] }
  | { readonly kind: 'expressions'; readonly templates: readonly CompiledTemplate[] }
  | { readonly kind: 'resourceAccess'; readonly access: ResourceAccess };

/** What a constant template is evaluated against: it reads nothing. */
const NO_SCOPE: ElReadable = { [elGet]: () => undefined };

function requiredScopesFailed(detail: string, cause?: unknown): TollgateError {
  return new TollgateError('TG_OAUTH2_REQUIRED_SCOPES', detail, { cause });
}

/** One scope expression's value: a scope, several space-separated, or a list of them. */
function scopeValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return (value as string[]).flatMap(scopeValues);
  }
  // As PingGateway: a scope expression that resolves to nothing fails the request rather than
  // silently requiring less.
  throw requiredScopesFailed(
    value === null || value === undefined
      ? 'a scope expression gave no value'
      : `a scope expression gave a ${typeof value}, not a string`,
  );
}

function scopeSource(config: OAuth2ResourceServerFilterConfig, context: CreateContext): ScopeSource {
  const place = childPlace(context.place, 'scopes');
  if (Array.isArray(config.scopes)) {
    const templates = config.scopes.map((scope, index) => context.template(scope, childPlace(place, index)));
    if (!templates.every((template) => template.constant)) return { kind: 'expressions', templates };
    const scopes = templates.flatMap((template) => scopeValues(template.evaluate(NO_SCOPE)));
    return { kind: 'constant', scopes: Object.freeze([...new Set(scopes)]) };
  }
  // A string names a ResourceAccess heap object, as in PingGateway; an object declares one inline.
  return {
    kind: 'resourceAccess',
    access: context.resolve<ResourceAccess>(config.scopes, 'ResourceAccess', place),
  };
}

function challengeResponse(status: number, challenge: ResourceChallenge): Response {
  const response = textResponse(status);
  response.headers.set('WWW-Authenticate', resourceServerChallenge(challenge));
  return response;
}

/**
 * PingGateway's OAuth2ResourceServerFilter. Per request: refuse a request that did not come over
 * https when requireHttps (403, as PingGateway's ConditionEnforcementFilter in front of it), take the bearer token from
 * `Authorization`, have the resolver check it, check the scopes the resource requires, and put
 * the token in `contexts.oauth2.accessToken` for the filters and handler behind. Every failure is
 * answered here, with the RFC 6750 §3 challenge where the caller's token is at fault; a resolver
 * that cannot decide is a coded 502 (or 500), never a pass.
 */
class OAuth2ResourceServerFilter implements Filter {
  readonly #name: string;
  readonly #resolver: AccessTokenResolver;
  readonly #scopes: ScopeSource;
  readonly #requireHttps: boolean;
  readonly #realm: string;
  readonly #needs: EntityNeeds;

  constructor(config: OAuth2ResourceServerFilterConfig, context: CreateContext) {
    const { place } = context;
    this.#name = context.name;
    let resolver = context.resolve<AccessTokenResolver>(
      config.accessTokenResolver,
      'AccessTokenResolver',
      childPlace(place, 'accessTokenResolver'),
    );
    const cache = config.cache;
    if (cache?.enabled === true) {
      resolver = cachingResolver(
        resolver,
        {
          defaultTimeout: cache.defaultTimeout,
          maximumTimeToCache: cache.maxTimeout,
          amService: cache.amService,
          onNotificationDisconnection: cache.onNotificationDisconnection,
        },
        context,
        childPlace(place, 'cache'),
        { defaultTimeout: 'defaultTimeout', maximumTimeToCache: 'maxTimeout' },
      );
    }
    this.#resolver = resolver;
    if (config.executor !== undefined) {
      context.logger.warn(
        { place: formatPlace(childPlace(place, 'executor')) },
        '"executor" is not implemented; ignored',
      );
    }
    this.#scopes = scopeSource(config, context);
    this.#requireHttps = config.requireHttps ?? true;
    const realm =
      config.realm === undefined
        ? DEFAULT_REALM
        : context.configValue(config.realm, childPlace(place, 'realm'));
    if (typeof realm !== 'string') {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'realm'), 'expected a string'),
      ]);
    }
    this.#realm = realm;
    this.#needs = entityNeeds(this.#scopes.kind === 'expressions' ? this.#scopes.templates : []);
  }

  async filter(exchange: Exchange, next: Handler): Promise<Response> {
    // PingGateway checks the original target URI: a route's baseURI may already have rebased
    // request.uri onto a plain-http backend, so the connection says how the request came.
    if (this.#requireHttps && !(exchange.contexts.client as ClientContext).isSecure) {
      exchange.log.info(
        { code: 'TG_OAUTH2_HTTPS_REQUIRED', object: this.#name },
        'request refused: requireHttps is set and the request is not https',
      );
      return textResponse(403);
    }
    const values = exchange.request.headers.get('authorization') ?? [];
    if (values.length > 1) {
      return challengeResponse(400, {
        realm: this.#realm,
        error: 'invalid_request',
        description: 'more than one Authorization header',
      });
    }
    const [value] = values;
    // No credentials, or other ones (Basic): the challenge says how to authenticate, with no error.
    if (value === undefined || !/^Bearer(\s|$)/i.test(value)) {
      return challengeResponse(401, { realm: this.#realm });
    }
    const token = BEARER.exec(value)?.[1];
    if (token === undefined) {
      return challengeResponse(401, {
        realm: this.#realm,
        error: 'invalid_token',
        description: 'the bearer token is malformed',
      });
    }

    let resolution;
    try {
      resolution = await this.#resolver.resolve(token, exchange);
    } catch (error) {
      return this.#failed(exchange, error);
    }
    if (!resolution.valid) {
      exchange.log.info({ object: this.#name, reason: resolution.reason }, 'access token refused');
      return challengeResponse(401, {
        realm: this.#realm,
        error: 'invalid_token',
        description: resolution.reason,
      });
    }

    let required: readonly string[];
    try {
      required = await this.#requiredScopes(exchange);
    } catch (error) {
      return this.#failed(exchange, error);
    }
    const held = new Set(resolution.token.scopes);
    if (!required.every((scope) => held.has(scope))) {
      exchange.log.info({ object: this.#name, required }, 'access token lacks a required scope');
      return challengeResponse(403, {
        realm: this.#realm,
        error: 'insufficient_scope',
        description: 'the access token does not have the scopes this resource requires',
        scopes: required,
      });
    }
    exchange.contexts.oauth2 = Object.freeze({ accessToken: resolution.token }) satisfies OAuth2Context;
    return next.handle(exchange);
  }

  async #requiredScopes(exchange: Exchange): Promise<readonly string[]> {
    const source = this.#scopes;
    if (source.kind === 'constant') return source.scopes;
    if (source.kind === 'resourceAccess') {
      return scopeValues([...(await source.access.scopes(exchange))]);
    }
    const loading = loadEntities(exchange, this.#needs);
    if (loading) await loading;
    return source.templates.flatMap((template) => scopeValues(template.evaluate(exchange)));
  }

  /** The answer when the token could not be checked: the error's status, its code in the log, no token. */
  #failed(exchange: Exchange, error: unknown): Response {
    if (error instanceof TollgateError) {
      // The request entity errors (too large, unreadable) are the client's; the rest are the
      // gateway's or the authorization server's.
      const level = error.status < 500 ? 'info' : 'error';
      exchange.log[level](
        { code: error.code, object: this.#name, detail: error.detail },
        'access token could not be checked',
      );
      return textResponse(error.status);
    }
    exchange.log.error(
      { code: 'TG_HANDLER_FAILED', object: this.#name, err: error },
      'access token check failed',
    );
    return textResponse(500);
  }
}

export const oauth2ResourceServerFilterType = defineType<OAuth2ResourceServerFilterConfig, Filter>({
  type: 'OAuth2ResourceServerFilter',
  aliases: [
    'OAuth2RSFilter',
    'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilter',
    'org.forgerock.openig.filter.oauth2.OAuth2ResourceServerFilterHeaplet',
  ],
  kind: 'Filter',
  description:
    'Lets a request on only with a valid bearer access token holding the required scopes; puts the token in contexts.oauth2.',
  schema: objectSchema(
    {
      accessTokenResolver: referenceSchema,
      scopes: {
        type: ['array', 'string', 'object'],
        items: expressionSchema,
        description: 'A list of runtime expressions, or a ResourceAccess (heap name or inline object)',
      },
      requireHttps: { type: 'boolean' },
      realm: expressionSchema,
      cache: objectSchema({
        enabled: { type: 'boolean' },
        defaultTimeout: durationSchema,
        maxTimeout: durationSchema,
        amService: {},
        onNotificationDisconnection: {},
      }),
      executor: {},
    },
    ['accessTokenResolver', 'scopes'],
  ),
  create: (config, context) => new OAuth2ResourceServerFilter(config, context),
});
