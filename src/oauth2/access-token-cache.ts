import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { AccessTokenResolution, AccessTokenResolver } from './access-token.js';

export interface AccessTokenCacheConfig {
  /** Most tokens kept; the least recently used goes first. Default 10 000. */
  readonly maximumSize?: number;
  /** How long a valid token without `exp` is kept. Default 1 minute. */
  readonly defaultTimeoutMs?: number;
  /** Longest time any valid token is kept, whatever its expiry; undefined for no limit but its `exp`. */
  readonly maximumTimeToCacheMs?: number;
  /** How long an invalid token's verdict is kept, capped by defaultTimeoutMs. Default 10 s. */
  readonly negativeTtlMs?: number;
}

export const ACCESS_TOKEN_CACHE_DEFAULTS = Object.freeze({
  maximumSize: 10_000,
  defaultTimeoutMs: 60_000,
  negativeTtlMs: 10_000,
});

function checked(name: string, value: number, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new TollgateError('TG_CONFIG_BAD_VALUE', `${name} must be a whole number of at least ${minimum}`);
  }
  return value;
}

/** Tokens are kept by their SHA-256 only, so a heap snapshot of the keys shows no token. */
function keyOf(token: string): string {
  return hash('sha256', token, 'hex');
}

function expired(resolution: AccessTokenResolution, now: number): boolean {
  return resolution.valid && resolution.token.expiresAt !== null && resolution.token.expiresAt <= now;
}

/**
 * Caches another resolver's verdicts. A valid token is kept until it expires (its `exp`), or for
 * defaultTimeoutMs when it says none, and never longer than maximumTimeToCacheMs: a cached token
 * is never served past its own expiry. An invalid token's verdict is kept only briefly
 * (negativeTtlMs): a burst of requests with a bad token costs one call to the authorization
 * server, and a verdict never outlives a short window. Failures are not kept. Concurrent
 * requests with one token share one resolution.
 */
export class CachingAccessTokenResolver implements AccessTokenResolver {
  readonly #delegate: AccessTokenResolver;
  readonly #defaultTimeoutMs: number;
  readonly #maximumTimeToCacheMs: number;
  readonly #negativeTtlMs: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, AccessTokenResolution>;
  readonly #inFlight = new Map<string, Promise<AccessTokenResolution>>();

  constructor(
    delegate: AccessTokenResolver,
    config: AccessTokenCacheConfig = {},
    options: { now?: () => number } = {},
  ) {
    this.#delegate = delegate;
    this.#defaultTimeoutMs = checked(
      'defaultTimeout',
      config.defaultTimeoutMs ?? ACCESS_TOKEN_CACHE_DEFAULTS.defaultTimeoutMs,
      0,
    );
    this.#maximumTimeToCacheMs =
      config.maximumTimeToCacheMs === undefined
        ? Number.POSITIVE_INFINITY
        : checked('maximumTimeToCache', config.maximumTimeToCacheMs, 0);
    this.#negativeTtlMs = Math.min(
      checked('negativeTtl', config.negativeTtlMs ?? ACCESS_TOKEN_CACHE_DEFAULTS.negativeTtlMs, 0),
      this.#defaultTimeoutMs,
    );
    this.#now = options.now ?? Date.now;
    this.#entries = new LRUCache<string, AccessTokenResolution>({
      max: checked('maximumSize', config.maximumSize ?? ACCESS_TOKEN_CACHE_DEFAULTS.maximumSize, 1),
      // Our clock, read on every check, so expiry is exact and tests can move time.
      perf: { now: this.#now },
      ttlResolution: 0,
    });
  }

  resolve(token: string, exchange: Exchange): Promise<AccessTokenResolution> {
    const key = keyOf(token);
    const cached = this.#entries.get(key);
    // lru-cache keeps an entry through its last millisecond; a token is expired at its exp.
    if (cached !== undefined && !expired(cached, this.#now())) return Promise.resolve(cached);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const call = Promise.resolve()
      .then(() => this.#delegate.resolve(token, exchange))
      .then((resolution) => {
        this.#remember(key, resolution);
        return resolution;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #remember(key: string, resolution: AccessTokenResolution): void {
    let ttl: number;
    if (!resolution.valid) {
      ttl = this.#negativeTtlMs;
    } else {
      const { expiresAt } = resolution.token;
      const lifetime = expiresAt === null ? this.#defaultTimeoutMs : expiresAt - this.#now();
      ttl = Math.min(lifetime, this.#maximumTimeToCacheMs);
    }
    // Whole milliseconds and never 0: lru-cache reads a ttl of 0 as "never expires".
    const ttlMs = Math.floor(ttl);
    if (ttlMs > 0) this.#entries.set(key, resolution, { ttl: ttlMs });
  }
}
