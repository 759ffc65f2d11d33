import { TollgateError } from '../errors/tollgate-error.js';
import { keyFromJwk, kidOf } from './key-material.js';
import type { Secret, SecretStore, StoredKey } from './secret.js';

/** Fetches and parses the JSON document at `url`; the store only reads `keys` from it. */
export type FetchJwks = (url: string) => Promise<unknown>;

export interface JwkSetSecretStoreConfig {
  /** An inline JWK Set ({ keys: [...] }). One of `jwks` / `jwkUrl` is required. */
  readonly jwks?: unknown;
  readonly jwkUrl?: string;
  /** How long a fetched set is used before it is fetched again. Default 1 hour. */
  readonly cacheTimeoutMs?: number;
  /** After an unknown kid, how long before another fetch may be tried. Default 1 minute. */
  readonly cacheMissRefetchMs?: number;
}

export interface JwkSetSecretStoreOptions {
  /** How `jwkUrl` is fetched; the lead wires the route's ClientHandler here. Default: global fetch. */
  readonly fetchJwks?: FetchJwks;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

const DEFAULT_CACHE_TIMEOUT_MS = 60 * 60 * 1000;
const DEFAULT_CACHE_MISS_REFETCH_MS = 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;

interface KeySet {
  readonly keys: ReadonlyMap<string, StoredKey>;
  readonly fetchedAt: number;
}

/**
 * PingGateway's JwkSetSecretStore: keys addressed by their `kid` (the secret id is the kid). A
 * JWK with `d` gives a private key (a private_key_jwt signing key), one without gives a public
 * key. Keys meant for encryption (`use: "enc"`) and keys without a kid are left out, since
 * nothing could ask for them. It holds keys only: `get` always answers null.
 *
 * A fetched set is kept for `cacheTimeoutMs`; an unknown kid triggers a refetch at most once per
 * `cacheMissRefetchMs`, which is how key rotation is noticed. If a refetch fails while an older
 * set is held, the older set keeps serving (the keys it has are still the operator's keys);
 * with no set at all the failure is an error.
 */
export class JwkSetSecretStore implements SecretStore {
  readonly name: string;
  readonly #url: string | undefined;
  readonly #fetchJwks: FetchJwks;
  readonly #now: () => number;
  readonly #cacheTimeoutMs: number;
  readonly #cacheMissRefetchMs: number;
  #set: KeySet | null;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  // Concurrent lookups share one fetch.
  #inFlight: Promise<KeySet> | null = null;

  constructor(
    config: JwkSetSecretStoreConfig,
    options: JwkSetSecretStoreOptions = {},
    name = 'JwkSetSecretStore',
  ) {
    if ((config.jwks === undefined) === (config.jwkUrl === undefined)) {
      throw new TollgateError(
        'TG_CONFIG_BAD_VALUE',
        'a JwkSetSecretStore needs exactly one of jwks and jwkUrl',
      );
    }
    this.name = name;
    this.#url = config.jwkUrl;
    this.#fetchJwks = options.fetchJwks ?? fetchJson;
    this.#now = options.now ?? Date.now;
    this.#cacheTimeoutMs = config.cacheTimeoutMs ?? DEFAULT_CACHE_TIMEOUT_MS;
    this.#cacheMissRefetchMs = config.cacheMissRefetchMs ?? DEFAULT_CACHE_MISS_REFETCH_MS;
    // An inline set is configuration: a key that cannot be read fails the build.
    this.#set =
      config.jwks === undefined ? null : { keys: parseJwks(config.jwks, 'strict'), fetchedAt: this.#now() };
  }

  async get(_secretId: string): Promise<Secret | null> {
    return null;
  }

  async getKey(kid: string): Promise<StoredKey | null> {
    let set = this.#set;
    if (this.#url !== undefined && this.#shouldFetch(set, kid)) set = await this.#refresh(set);
    return set?.keys.get(kid) ?? null;
  }

  #shouldFetch(set: KeySet | null, kid: string): boolean {
    if (set === null) return true;
    const now = this.#now();
    const stale = now - set.fetchedAt >= this.#cacheTimeoutMs;
    // Throttled, so a client asking for made-up kids cannot turn each request into a fetch.
    return (stale || !set.keys.has(kid)) && now - this.#lastAttempt >= this.#cacheMissRefetchMs;
  }

  async #refresh(current: KeySet | null): Promise<KeySet> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = null;
    });
    try {
      return await this.#inFlight;
    } catch (error) {
      if (current !== null) return current;
      throw error;
    }
  }

  async #fetch(): Promise<KeySet> {
    const url = this.#url!;
    this.#lastAttempt = this.#now();
    let document: unknown;
    try {
      document = await this.#fetchJwks(url);
    } catch (error) {
      throw new TollgateError('TG_SECRET_STORE_FAILED', `${this.name} cannot fetch ${url}`, { cause: error });
    }
    // A fetched set may hold key types this gateway does not use; those are skipped, not fatal.
    const set = { keys: parseJwks(document, 'skip-unusable'), fetchedAt: this.#now() };
    this.#set = set;
    return set;
  }
}

function parseJwks(document: unknown, mode: 'strict' | 'skip-unusable'): ReadonlyMap<string, StoredKey> {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    throw new TollgateError('TG_SECRET_STORE_FAILED', 'a JWK Set must be an object with a "keys" array');
  }
  const byKid = new Map<string, StoredKey>();
  for (const jwk of keys as unknown[]) {
    const kid = kidOf(jwk);
    if (kid === undefined || (jwk as { use?: unknown }).use === 'enc') continue;
    try {
      byKid.set(kid, Object.freeze({ key: keyFromJwk(jwk), kid }));
    } catch (error) {
      if (mode === 'strict') {
        // node:crypto's JWK errors name the problem, never the key material.
        throw new TollgateError('TG_SECRET_NOT_A_KEY', `JWK '${kid}' is not a usable key`, { cause: error });
      }
    }
  }
  return byKid;
}

/**
 * A fetched JWK Set document. JSON.parse's message quotes the text it choked on, and a set of
 * signing keys holds private keys, so the error only says the text is not JSON.
 */
export function parseJwkSetDocument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('the JWK Set is not JSON');
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { accept: 'application/json, application/jwk-set+json' },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return parseJwkSetDocument(await response.text());
}
