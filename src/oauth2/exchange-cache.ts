import { hash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import { TollgateError } from '../errors/tollgate-error.js';
import type { FixedExchangeParts, TokenExchangeRequest } from './token-exchange-request.js';
import type { TokenExchangeOutcome, TokenExchangeSuccess } from './token-exchange-response.js';

export interface ExchangeCacheConfig {
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
  /** A cache shared with other gateway instances, asked on a miss here (see SharedExchangeTier). */
  readonly shared?: SharedExchangeTier;
  /**
   * Longest an answer is kept in this process when there is a shared tier (0: never, so every
   * lookup asks the tier). Default: as long as the answer may be served.
   */
  readonly localTtlMs?: number;
}

/** Everything that makes two exchanges give different tokens. */
export interface ExchangeKeyParts {
  readonly endpoint: string;
  /** The client the gateway authenticates as; undefined when it sends none. */
  readonly clientId: string | undefined;
  readonly request: TokenExchangeRequest;
}

/** What a lookup needs: the key, and the tokens whose lifetimes cap an answer's. */
export interface CacheLookup {
  readonly key: string;
  readonly subjectToken: string;
  readonly actorToken: string | undefined;
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

/** What the filter asks of its cache; ExchangeCache is the one implementation, with or without a shared tier. */
export interface ExchangeStore {
  getOrExchange(
    lookup: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
  ): ExchangeCacheResult | Promise<ExchangeCacheResult>;
  clear(): void;
  /** Entries kept in this process. */
  readonly size: number;
}

export interface SharedTierResult {
  readonly outcome: TokenExchangeOutcome;
  /** `cached`: found in the tier; `shared`: another instance's call, waited for; `exchanged`: `exchange`'s. */
  readonly source: 'exchanged' | 'cached' | 'shared';
  /** For a success: how much longer it may be served, in ms (0 or less: not at all). */
  readonly remainingMs: number;
}

/**
 * A cache shared by several gateway instances, behind each one's in-process cache: on a miss
 * there, the instance asks the tier, which answers from its store or calls `exchange` (at most
 * once per call) and stores a success for `ttlMs(outcome)` milliseconds. A tier that fails
 * itself still answers, by calling `exchange`: only `exchange`'s own errors reach the caller.
 */
export interface SharedExchangeTier {
  getOrExchange(
    lookup: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
    ttlMs: (outcome: TokenExchangeSuccess) => number,
  ): Promise<SharedTierResult>;
}

export const EXCHANGE_CACHE_DEFAULTS = Object.freeze({
  maxEntries: 10_000,
  maxTtlMs: 5 * 60_000,
  marginMs: 30_000,
  negativeTtlMs: 5_000,
});

const KEY_VERSION = 'tollgate.exchange-cache.v2';

/** The parts of a key a filter fixes by its configuration. */
export type ConstantKeyParts = Pick<ExchangeKeyParts, 'endpoint' | 'clientId'> & FixedExchangeParts;

function text(value: string | undefined): string {
  return value === undefined ? '-' : `s${Buffer.byteLength(value, 'utf8')}:${value}`;
}

/** Scopes, resources and audiences are sets in RFC 8693: sorted, so their order does not matter. */
function list(values: readonly string[]): string {
  let encoded = `l${values.length}:`;
  for (const value of [...values].sort()) encoded += text(value);
  return encoded;
}

/**
 * Makes cache keys: SHA-256 (hex) over a canonical encoding of every part, each string prefixed
 * by its byte length and each list by its count, so no two different sets of parts encode alike
 * (`ab`+`c` vs `a`+`bc`, an absent actor token vs an empty one). What a filter's configuration
 * fixes is encoded once, and so is the last list of scopes seen (a filter with constant scopes
 * passes the same array every time): per request, only the tokens are encoded and the whole is
 * hashed in one call. Only the hash is kept: a cache dump or a heap snapshot shows no token.
 */
export class ExchangeKeyer {
  readonly #prefix: string;
  #scopes: readonly string[] | undefined;
  #encodedScopes = '';

  constructor(constants: ConstantKeyParts) {
    // Digested once, so each key hashes 64 characters of it rather than every URI and type.
    const fixed =
      text(KEY_VERSION) +
      text(constants.endpoint) +
      text(constants.clientId) +
      text(constants.subjectTokenType) +
      text(constants.actorTokenType) +
      text(constants.requestedTokenType) +
      list(constants.resources) +
      list(constants.audiences);
    this.#prefix = hash('sha256', fixed, 'hex');
  }

  key(subjectToken: string, actorToken: string | undefined, scopes: readonly string[]): string {
    if (scopes !== this.#scopes) {
      this.#encodedScopes = list(scopes);
      this.#scopes = scopes;
    }
    return hash('sha256', this.#prefix + this.#encodedScopes + text(subjectToken) + text(actorToken), 'hex');
  }
}

/** The cache key of one exchange (what an ExchangeKeyer gives for the same parts). */
export function exchangeCacheKey(parts: ExchangeKeyParts): string {
  const { request } = parts;
  return new ExchangeKeyer({ ...request, endpoint: parts.endpoint, clientId: parts.clientId }).key(
    request.subjectToken,
    request.actorToken,
    request.scopes,
  );
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
 * revoked or expired token then costs one call, not one per request. With a shared tier, a miss
 * here asks the tier (still once per key at a time), and what it answers is kept here for at
 * most localTtlMs; failures stay in this process.
 */
export class ExchangeCache implements ExchangeStore {
  readonly #maxTtlMs: number;
  readonly #marginMs: number;
  readonly #negativeTtlMs: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, TokenExchangeOutcome>;
  readonly #inFlight = new Map<string, Promise<TokenExchangeOutcome>>();
  readonly #shared: SharedExchangeTier | undefined;
  readonly #localTtlMs: number;

  constructor(config: ExchangeCacheConfig, options: ExchangeCacheOptions = {}) {
    this.#maxTtlMs = checkedCount('maxTtlMs', config.maxTtlMs ?? EXCHANGE_CACHE_DEFAULTS.maxTtlMs, 0);
    this.#marginMs = checkedCount('marginMs', config.marginMs ?? EXCHANGE_CACHE_DEFAULTS.marginMs, 0);
    this.#negativeTtlMs = checkedCount(
      'negativeTtlMs',
      config.negativeTtlMs ?? EXCHANGE_CACHE_DEFAULTS.negativeTtlMs,
      0,
    );
    this.#now = options.now ?? Date.now;
    this.#shared = options.shared;
    this.#localTtlMs =
      options.localTtlMs === undefined
        ? Number.POSITIVE_INFINITY
        : checkedCount('localTtl', options.localTtlMs, 0);
    this.#entries = new LRUCache<string, TokenExchangeOutcome>({
      max: checkedCount('maxEntries', config.maxEntries ?? EXCHANGE_CACHE_DEFAULTS.maxEntries, 1),
      // The cache's clock is ours, so tests can move time; resolution 0 makes it read the clock
      // on every check instead of caching it for a millisecond behind a timer.
      perf: { now: this.#now },
      ttlResolution: 0,
    });
  }

  /**
   * The cached answer for this key, at once, or the answer of `exchange` (shared with any
   * concurrent caller using the same key). An error thrown by `exchange` reaches every caller
   * waiting on it and is not cached.
   */
  getOrExchange(
    lookup: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
  ): ExchangeCacheResult | Promise<ExchangeCacheResult> {
    const { key } = lookup;
    const cached = this.#entries.get(key);
    if (cached !== undefined) return { outcome: cached, source: 'cached' };
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending.then((outcome) => ({ outcome, source: 'shared' }));

    // `then(exchange)` rather than calling it here: even a synchronous throw then goes through
    // `finally`, so the in-flight entry is always removed.
    if (this.#shared !== undefined) return this.#fromShared(lookup, exchange, this.#shared);
    const call = Promise.resolve()
      .then(exchange)
      .then((outcome) => {
        this.#remember(lookup, outcome);
        return outcome;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call.then((outcome) => ({ outcome, source: 'exchanged' }));
  }

  #fromShared(
    lookup: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
    shared: SharedExchangeTier,
  ): Promise<ExchangeCacheResult> {
    const { key } = lookup;
    const asked = Promise.resolve().then(() =>
      shared.getOrExchange(lookup, exchange, (success) => this.#ttl(lookup, success)),
    );
    const call = asked
      .then((result) => {
        if (result.outcome.ok) {
          const ttlMs = Math.floor(Math.min(result.remainingMs, this.#localTtlMs));
          if (ttlMs > 0) this.#entries.set(key, result.outcome, { ttl: ttlMs });
        } else {
          this.#remember(lookup, result.outcome);
        }
        return result;
      })
      .finally(() => this.#inFlight.delete(key));
    const outcome = call.then((result) => result.outcome);
    // Concurrent callers join `outcome` and see its error themselves; this caller sees it on `call`.
    outcome.catch(() => undefined);
    this.#inFlight.set(key, outcome);
    return call.then((result) => ({ outcome: result.outcome, source: result.source }));
  }

  /** Drops every entry (e.g. when the route that owns the cache stops). Calls in flight finish. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #remember(lookup: CacheLookup, outcome: TokenExchangeOutcome): void {
    const { key } = lookup;
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
    // Whole milliseconds, and never 0: lru-cache reads a ttl of 0 as "never expires".
    const ttlMs = this.#ttl(lookup, outcome.success);
    if (ttlMs > 0) this.#entries.set(key, outcome, { ttl: ttlMs });
  }

  /** cacheTtlMs in whole milliseconds, for this cache's limits. */
  #ttl(lookup: CacheLookup, success: TokenExchangeSuccess): number {
    const ttl = cacheTtlMs(
      {
        now: this.#now(),
        expiresIn: success.expiresIn,
        issuedToken: success.accessToken,
        subjectToken: lookup.subjectToken,
        actorToken: lookup.actorToken,
      },
      { maxTtlMs: this.#maxTtlMs, marginMs: this.#marginMs },
    );
    return Math.floor(ttl);
  }
}
