import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import { TollgateError } from '../errors/tollgate-error.js';
import type { TokenExchangeRequest } from './token-exchange-request.js';
import type { TokenExchangeOutcome } from './token-exchange-response.js';

export interface ExchangeCacheConfig {
  readonly enabled: boolean;
  /** Default 10 000. */
  readonly maxEntries?: number;
  /** Longest time an issued token is kept, whatever its lifetime. Default 5 minutes. */
  readonly maxTtlMs?: number;
  /** Taken off every lifetime, so a token is never handed out just before it expires. Default 30 s. */
  readonly marginMs?: number;
  /** How long an invalid_grant answer is remembered (0 turns it off). Default 5 s. */
  readonly negativeTtlMs?: number;
}

export interface ExchangeCacheOptions {
  /** Milliseconds since the epoch; compared with JWT `exp`, so it must be wall-clock time. */
  readonly now?: () => number;
}

/** Everything that makes two exchanges give different tokens. */
export interface ExchangeKeyParts {
  readonly endpoint: string;
  /** The client the gateway authenticates as; undefined when it sends none. */
  readonly clientId: string | undefined;
  readonly request: TokenExchangeRequest;
}

/**
 * Where an answer came from, for metrics: a fresh call, a cached answer, a call another request
 * had already started, or no cache at all.
 */
export type ExchangeSource = 'exchanged' | 'cached' | 'shared' | 'uncached';

export interface ExchangeCacheResult {
  readonly outcome: TokenExchangeOutcome;
  readonly source: ExchangeSource;
}

export const EXCHANGE_CACHE_DEFAULTS = Object.freeze({
  maxEntries: 10_000,
  maxTtlMs: 5 * 60_000,
  marginMs: 30_000,
  negativeTtlMs: 5_000,
});

const KEY_VERSION = 'tollgate.exchange-cache.v1';

/**
 * The cache key: SHA-256 (hex) over a canonical encoding of every part, each string prefixed by
 * its byte length and each list by its count, so no two different sets of parts encode alike
 * (`ab`+`c` vs `a`+`bc`, an absent actor token vs an empty one). Scopes, resources and audiences
 * are sets in RFC 8693, so they are sorted first. Only the hash is kept: a cache dump or a heap
 * snapshot shows no subject token.
 */
export function exchangeCacheKey(parts: ExchangeKeyParts): string {
  // Built as one string and hashed in one call: per-part update() calls cost more than the hash.
  const encoded: string[] = [];
  const text = (value: string | undefined): void => {
    encoded.push(value === undefined ? '-' : `s${Buffer.byteLength(value, 'utf8')}:${value}`);
  };
  const list = (values: readonly string[]): void => {
    const sorted = [...values].sort();
    encoded.push(`l${sorted.length}:`);
    for (const value of sorted) text(value);
  };
  const { request } = parts;
  text(KEY_VERSION);
  text(parts.endpoint);
  text(parts.clientId);
  text(request.subjectToken);
  text(request.subjectTokenType);
  text(request.actorToken);
  text(request.actorTokenType);
  text(request.requestedTokenType);
  list(request.scopes);
  list(request.resources);
  list(request.audiences);
  return createHash('sha256').update(encoded.join(''), 'utf8').digest('hex');
}

/** A JWT's `exp` in milliseconds, read without verifying: it only ever shortens a cache lifetime. */
export function jwtExpiryMs(token: string | undefined): number | undefined {
  if (token === undefined || token.split('.').length !== 3) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export interface TtlInputs {
  readonly now: number;
  /** The answer's expires_in, seconds. */
  readonly expiresIn: number | undefined;
  readonly issuedToken: string;
  readonly subjectToken: string;
  readonly actorToken: string | undefined;
}

/**
 * How long an issued token may be cached: the shortest of its expires_in, its own `exp`, the
 * subject and actor tokens' remaining lives (a token obtained for an expired subject must not
 * outlive it) and maxTtlMs, minus marginMs. Zero or less means "do not cache". A token whose
 * lifetime is not known at all (no expires_in, not a JWT with `exp`) is not cached: serving it
 * for maxTtlMs could serve an expired token.
 */
export function cacheTtlMs(inputs: TtlInputs, limits: { maxTtlMs: number; marginMs: number }): number {
  const issuedExpiry = jwtExpiryMs(inputs.issuedToken);
  if (inputs.expiresIn === undefined && issuedExpiry === undefined) return 0;
  const lifetimes = [limits.maxTtlMs];
  if (inputs.expiresIn !== undefined) lifetimes.push(inputs.expiresIn * 1000);
  for (const expiry of [issuedExpiry, jwtExpiryMs(inputs.subjectToken), jwtExpiryMs(inputs.actorToken)]) {
    if (expiry !== undefined) lifetimes.push(expiry - inputs.now);
  }
  return Math.min(...lifetimes) - limits.marginMs;
}

function checkedCount(name: string, value: number, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new TollgateError('TG_CONFIG_BAD_VALUE', `${name} must be an integer of at least ${minimum}`);
  }
  return value;
}

/**
 * Exchanged tokens, per exchange cache. Keyed by every input of the exchange (see
 * exchangeCacheKey), so one user's token is never served for another's subject token.
 * Concurrent requests with the same key share one call to the authorization server
 * (single-flight). Failures are not kept, except invalid_grant for negativeTtlMs: a burst with a
 * revoked or expired token then costs one call, not one per request.
 */
export class ExchangeCache {
  readonly #enabled: boolean;
  readonly #maxTtlMs: number;
  readonly #marginMs: number;
  readonly #negativeTtlMs: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, TokenExchangeOutcome>;
  readonly #inFlight = new Map<string, Promise<TokenExchangeOutcome>>();

  /** Whether calls are shared and kept; when false every getOrExchange calls through. */
  get enabled(): boolean {
    return this.#enabled;
  }

  constructor(config: ExchangeCacheConfig, options: ExchangeCacheOptions = {}) {
    this.#enabled = config.enabled;
    this.#maxTtlMs = checkedCount('maxTtlMs', config.maxTtlMs ?? EXCHANGE_CACHE_DEFAULTS.maxTtlMs, 0);
    this.#marginMs = checkedCount('marginMs', config.marginMs ?? EXCHANGE_CACHE_DEFAULTS.marginMs, 0);
    this.#negativeTtlMs = checkedCount(
      'negativeTtlMs',
      config.negativeTtlMs ?? EXCHANGE_CACHE_DEFAULTS.negativeTtlMs,
      0,
    );
    this.#now = options.now ?? Date.now;
    this.#entries = new LRUCache<string, TokenExchangeOutcome>({
      max: checkedCount('maxEntries', config.maxEntries ?? EXCHANGE_CACHE_DEFAULTS.maxEntries, 1),
      // The cache's clock is ours, so tests can move time; resolution 0 makes it read the clock
      // on every check instead of caching it for a millisecond behind a timer.
      perf: { now: this.#now },
      ttlResolution: 0,
    });
  }

  /**
   * The cached answer for these parts, or the answer of `exchange` (shared with any concurrent
   * caller using the same parts). An error thrown by `exchange` reaches every caller waiting on
   * it and is not cached.
   */
  async getOrExchange(
    parts: ExchangeKeyParts,
    exchange: () => Promise<TokenExchangeOutcome>,
  ): Promise<ExchangeCacheResult> {
    if (!this.#enabled) return { outcome: await exchange(), source: 'uncached' };
    const key = exchangeCacheKey(parts);
    const cached = this.#entries.get(key);
    if (cached !== undefined) return { outcome: cached, source: 'cached' };
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return { outcome: await pending, source: 'shared' };

    // `then(exchange)` rather than calling it here: even a synchronous throw then goes through
    // `finally`, so the in-flight entry is always removed.
    const call = Promise.resolve()
      .then(exchange)
      .then((outcome) => {
        this.#remember(key, parts, outcome);
        return outcome;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return { outcome: await call, source: 'exchanged' };
  }

  /** Drops every entry (e.g. when the route that owns the cache stops). Calls in flight finish. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #remember(key: string, parts: ExchangeKeyParts, outcome: TokenExchangeOutcome): void {
    if (!outcome.ok) {
      const { failure } = outcome;
      if (
        failure.situation === 'as_oauth_error' &&
        failure.error === 'invalid_grant' &&
        this.#negativeTtlMs > 0
      ) {
        this.#entries.set(key, outcome, { ttl: this.#negativeTtlMs });
      }
      return;
    }
    const ttl = cacheTtlMs(
      {
        now: this.#now(),
        expiresIn: outcome.success.expiresIn,
        issuedToken: outcome.success.accessToken,
        subjectToken: parts.request.subjectToken,
        actorToken: parts.request.actorToken,
      },
      { maxTtlMs: this.#maxTtlMs, marginMs: this.#marginMs },
    );
    // Whole milliseconds, and never 0: lru-cache reads a ttl of 0 as "never expires".
    const ttlMs = Math.floor(ttl);
    if (ttlMs > 0) this.#entries.set(key, outcome, { ttl: ttlMs });
  }
}
