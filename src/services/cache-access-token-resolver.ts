import { parseDuration } from '../config/duration.js';
import { durationSchema, objectSchema, referenceSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext } from '../heap/types.js';
import { CachingAccessTokenResolver, type AccessTokenCacheConfig } from '../oauth2/access-token-cache.js';
import type { AccessTokenResolver } from '../oauth2/access-token.js';

/**
 * Keys of PingGateway's token caches that concern AM's WebSocket notifications (evicting revoked
 * tokens) and its thread pools, which Tollgate does not have. Accepted so PingGateway routes load;
 * each one present is reported once at build.
 */
export const IGNORED_CACHE_KEYS = ['executor', 'amService', 'onNotificationDisconnection'] as const;

function durationMs(value: string | number | undefined, place: Place): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value, place);
  if (ms === Number.POSITIVE_INFINITY) return undefined;
  if (!Number.isFinite(ms)) {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a finite duration')]);
  }
  return Math.round(ms);
}

/**
 * Wraps `delegate` in a cache, reporting a bad size or duration at its place. Used by
 * CacheAccessTokenResolver and by OAuth2ResourceServerFilter's `cache`, which take the same
 * durations under different names.
 */
export function cachingResolver(
  delegate: AccessTokenResolver,
  settings: {
    readonly maximumSize?: number;
    readonly defaultTimeout?: string | number;
    readonly maximumTimeToCache?: string | number;
  } & { readonly [key in (typeof IGNORED_CACHE_KEYS)[number]]?: unknown },
  context: CreateContext,
  place: Place,
  names: { defaultTimeout: string; maximumTimeToCache: string },
): CachingAccessTokenResolver {
  for (const key of IGNORED_CACHE_KEYS) {
    if (settings[key] !== undefined) {
      context.logger.warn(
        { place: formatPlace(childPlace(place, key)) },
        `cache "${key}" is not implemented; ignored`,
      );
    }
  }
  const config: AccessTokenCacheConfig = {
    maximumSize: settings.maximumSize,
    defaultTimeoutMs: durationMs(settings.defaultTimeout, childPlace(place, names.defaultTimeout)),
    maximumTimeToCacheMs: durationMs(
      settings.maximumTimeToCache,
      childPlace(place, names.maximumTimeToCache),
    ),
  };
  let cache: CachingAccessTokenResolver;
  try {
    cache = new CachingAccessTokenResolver(delegate, config);
  } catch (error) {
    if (error instanceof TollgateError && error.place === undefined) {
      throw new ConfigErrors([configError(error.code, place, error.detail ?? error.message)]);
    }
    throw error;
  }
  context.onStop(() => cache.clear());
  return cache;
}

interface CacheAccessTokenResolverConfig {
  delegate: unknown;
  enabled?: boolean;
  defaultTimeout?: string | number;
  maximumSize?: number;
  maximumTimeToCache?: string | number;
  executor?: unknown;
  amService?: unknown;
  onNotificationDisconnection?: unknown;
}

export const cacheAccessTokenResolverType = defineType<CacheAccessTokenResolverConfig, AccessTokenResolver>({
  type: 'CacheAccessTokenResolver',
  kind: 'AccessTokenResolver',
  description:
    "Caches another resolver's answers, bounded: valid tokens until their expiry (at most maximumTimeToCache), invalid ones a few seconds.",
  schema: objectSchema(
    {
      delegate: referenceSchema,
      enabled: { type: 'boolean' },
      defaultTimeout: durationSchema,
      maximumSize: { type: 'integer', minimum: 1 },
      maximumTimeToCache: durationSchema,
      ...Object.fromEntries(IGNORED_CACHE_KEYS.map((key) => [key, {}])),
    },
    ['delegate'],
  ),
  create: (config, context) => {
    const delegate = context.resolve<AccessTokenResolver>(
      config.delegate,
      'AccessTokenResolver',
      childPlace(context.place, 'delegate'),
    );
    if (config.enabled === false) return delegate;
    return cachingResolver(delegate, config, context, context.place, {
      defaultTimeout: 'defaultTimeout',
      maximumTimeToCache: 'maximumTimeToCache',
    });
  },
});
