import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, TimeoutError, type RedisClientType } from '@redis/client';
import type { Logger } from 'pino';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext } from '../heap/types.js';
import type { CacheLookup, SharedExchangeTier, SharedTierResult } from '../oauth2/exchange-cache.js';
import { ExchangeValueSealer } from '../oauth2/sealed-exchange-value.js';
import type { TokenExchangeOutcome, TokenExchangeSuccess } from '../oauth2/token-exchange-response.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { resolveSecretsProvider, secretsProviderSchema } from '../secrets/secret-store-types.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

// The client createClient gives for options without modules, functions or scripts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RedisClient = RedisClientType<{}, {}, {}, 3, {}>;

interface RedisExchangeCacheConfig {
  uri: string;
  keyPrefix?: string;
  username?: string;
  passwordSecretId?: string;
  secretsProvider?: unknown;
  encryptionSecretId: string | string[];
  tls?: { caSecretId?: string; serverName?: string };
  connectTimeout?: string | number;
  commandTimeout?: string | number;
  lease?: string | number;
  localCacheMaxSize?: number;
  localCacheTtl?: string | number;
}

export const REDIS_EXCHANGE_CACHE_DEFAULTS = Object.freeze({
  keyPrefix: 'tollgate:exchange:',
  connectTimeoutMs: 2_000,
  commandTimeoutMs: 500,
  leaseMs: 5_000,
  localCacheMaxSize: 10_000,
  localCacheTtlMs: 30_000,
});

/** The longest pause between two looks at a key another instance is exchanging. */
const MAX_POLL_MS = 50;
/** At most one warning line per object in this time; the metric counts every failure. */
const WARNING_INTERVAL_MS = 10_000;

/** Deletes the lease only if it is still the caller's: one that expired may be another's by now. */
const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

type StoreErrorReason = 'unavailable' | 'timeout' | 'unusable';

/**
 * A command Redis did not answer within commandTimeout. The client's own `timeout` only covers a
 * command still waiting to be written; one a hung server has received would wait for ever.
 */
class CommandTimeout extends Error {}

function reasonOf(error: unknown): StoreErrorReason {
  if (error instanceof TimeoutError || error instanceof CommandTimeout) return 'timeout';
  if (error instanceof TollgateError && error.code === 'TG_EXCHANGE_CACHE_STORE_FAILED') return 'unusable';
  return 'unavailable';
}

export interface RedisExchangeCacheSettings {
  readonly uri: string;
  readonly keyPrefix: string;
  readonly username: string | undefined;
  readonly passwordSecretId: string | undefined;
  readonly secretsProvider: SecretsProvider | undefined;
  /** The newest first: it seals, every one opens. */
  readonly encryptionSecretIds: readonly string[];
  readonly caSecretId: string | undefined;
  readonly serverName: string | undefined;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly leaseMs: number;
  readonly localCacheMaxSize: number;
  readonly localCacheTtlMs: number;
}

/**
 * An exchange cache shared by gateway instances through Redis, behind each filter's in-process
 * cache. Keys are the in-process cache's digests under `keyPrefix`; values are sealed
 * (ExchangeValueSealer), so Redis never holds a token in the clear; each lives as long as the
 * filter's TTL rule allows (PX). On a miss, one instance takes a lease (`SET NX PX`) and
 * exchanges; the others look again with a growing pause until the value is there, the lease is
 * free again (they then take it), or `lease` has passed (they then exchange themselves). Redis
 * down, slow or holding an unusable value never fails a request: the token is exchanged
 * directly, with a metric and a warning at most every 10 s.
 */
export class RedisExchangeCache implements SharedExchangeTier {
  readonly name: string;
  readonly localCacheMaxSize: number;
  readonly localCacheTtlMs: number;
  readonly #settings: RedisExchangeCacheSettings;
  readonly #logger: Logger;
  readonly #metrics: GatewayMetrics;
  readonly #now: () => number;
  #client: RedisClient | undefined;
  #sealer: ExchangeValueSealer | undefined;
  #lastWarning = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(
    name: string,
    settings: RedisExchangeCacheSettings,
    dependencies: { logger: Logger; metrics: GatewayMetrics; now?: () => number },
  ) {
    this.name = name;
    this.#settings = settings;
    this.localCacheMaxSize = settings.localCacheMaxSize;
    this.localCacheTtlMs = settings.localCacheMaxSize === 0 ? 0 : settings.localCacheTtlMs;
    this.#logger = dependencies.logger;
    this.#metrics = dependencies.metrics;
    this.#now = dependencies.now ?? Date.now;
  }

  /**
   * Reads the secrets and connects, waiting at most connectTimeout for the first connection: a
   * Redis that is down delays nothing longer, and the client goes on reconnecting by itself.
   */
  async start(): Promise<void> {
    const settings = this.#settings;
    const provider = settings.secretsProvider;
    const secret = async (secretId: string): Promise<Buffer> => {
      if (provider === undefined)
        throw new TollgateError('TG_SECRET_NOT_FOUND', `no secretsProvider for '${secretId}'`);
      return (await provider.getSecret(secretId)).reveal();
    };
    const keys = await Promise.all(settings.encryptionSecretIds.map(secret));
    this.#sealer = new ExchangeValueSealer(keys);
    for (const key of keys) key.fill(0);
    const password =
      settings.passwordSecretId === undefined
        ? undefined
        : (await secret(settings.passwordSecretId)).toString('utf8');
    const ca =
      settings.caSecretId === undefined ? undefined : (await secret(settings.caSecretId)).toString('utf8');
    const tls = settings.uri.startsWith('rediss:');
    const client = createClient({
      url: settings.uri,
      username: settings.username,
      password,
      // A command while disconnected fails at once, so the request exchanges directly instead of waiting.
      disableOfflineQueue: true,
      commandOptions: { timeout: settings.commandTimeoutMs },
      socket: {
        connectTimeout: settings.connectTimeoutMs,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
        ...(tls ? { tls: true as const, ca, servername: settings.serverName } : {}),
      },
    });
    client.on('error', (error: unknown) => this.#warn('unavailable', error));
    this.#client = client;
    const connected = client.connect().then(
      () => undefined,
      (error: unknown) => this.#warn('unavailable', error),
    );
    await Promise.race([connected, sleep(settings.connectTimeoutMs, undefined, { ref: false })]);
  }

  /** Closes the connection; lookups from now on exchange directly. */
  stop(): void {
    const client = this.#client;
    this.#client = undefined;
    if (client?.isOpen) client.destroy();
  }

  async getOrExchange(
    lookup: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
    ttlMs: (success: TokenExchangeSuccess) => number,
  ): Promise<SharedTierResult> {
    const client = this.#client;
    const sealer = this.#sealer;
    if (client === undefined || sealer === undefined) return this.#direct(exchange, ttlMs, undefined);
    const key = this.#settings.keyPrefix + lookup.key;
    const lease = `${this.#settings.keyPrefix}lease:${lookup.key}`;
    const deadline = this.#now() + this.#settings.leaseMs;
    let pause = 5;
    for (let waited = false; ; waited = true) {
      let stored: string | null;
      try {
        stored = await this.#timed(client.get(key));
      } catch (error) {
        return this.#direct(exchange, ttlMs, error);
      }
      if (stored !== null) {
        let expiresAt: number;
        let success: TokenExchangeSuccess;
        try {
          ({ expiresAt, success } = sealer.open(lookup.key, stored));
        } catch (error) {
          return this.#direct(exchange, ttlMs, error);
        }
        const remainingMs = expiresAt - this.#now();
        if (remainingMs > 0) {
          return { outcome: { ok: true, success }, source: waited ? 'shared' : 'cached', remainingMs };
        }
      }
      if (this.#now() >= deadline) return this.#direct(exchange, ttlMs, undefined);
      const owner = randomUUID();
      let taken: boolean;
      try {
        taken =
          (await this.#timed(client.set(lease, owner, { NX: true, PX: this.#settings.leaseMs }))) === 'OK';
      } catch (error) {
        return this.#direct(exchange, ttlMs, error);
      }
      if (taken) {
        // The last holder may have stored its value and let go between this look and the lease.
        const stored = await this.#timed(client.get(key)).catch((error: unknown) => {
          this.#failed(error);
          return null;
        });
        const entry = stored === null ? undefined : this.#openOrUndefined(sealer, lookup.key, stored);
        if (entry !== undefined && entry.expiresAt > this.#now()) {
          await this.#release(client, { lease, owner });
          return {
            outcome: { ok: true, success: entry.success },
            source: 'shared',
            remainingMs: entry.expiresAt - this.#now(),
          };
        }
        return this.#lead(client, sealer, lookup.key, key, { lease, owner }, exchange, ttlMs);
      }
      await sleep(pause);
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** The entry a stored value holds; undefined (counted as a store error) when it cannot be opened. */
  #openOrUndefined(
    sealer: ExchangeValueSealer,
    digest: string,
    stored: string,
  ): { expiresAt: number; success: TokenExchangeSuccess } | undefined {
    try {
      return sealer.open(digest, stored);
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  /** Exchanges under the lease, stores a success, then gives the lease back. */
  async #lead(
    client: RedisClient,
    sealer: ExchangeValueSealer,
    digest: string,
    key: string,
    lease: { lease: string; owner: string },
    exchange: () => Promise<TokenExchangeOutcome>,
    ttlMs: (success: TokenExchangeSuccess) => number,
  ): Promise<SharedTierResult> {
    let result: SharedTierResult;
    try {
      result = await this.#direct(exchange, ttlMs, undefined);
    } catch (error) {
      await this.#release(client, lease);
      throw error;
    }
    if (result.outcome.ok && result.remainingMs > 0) {
      const entry = { expiresAt: this.#now() + result.remainingMs, success: result.outcome.success };
      try {
        await this.#timed(client.set(key, sealer.seal(digest, entry), { PX: result.remainingMs }));
      } catch (error) {
        this.#failed(error);
      }
    }
    await this.#release(client, lease);
    return result;
  }

  async #release(client: RedisClient, lease: { lease: string; owner: string }): Promise<void> {
    try {
      await this.#timed(client.eval(RELEASE_SCRIPT, { keys: [lease.lease], arguments: [lease.owner] }));
    } catch (error) {
      // The lease expires by itself; until then the others wait for it or for their deadline.
      this.#failed(error);
    }
  }

  #timed<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new CommandTimeout(`no answer within ${this.#settings.commandTimeoutMs} ms`)),
        this.#settings.commandTimeoutMs,
      );
    });
    // The command's own late answer or error is not waited for.
    command.catch(() => undefined);
    return Promise.race([command, timeout]).finally(() => clearTimeout(timer));
  }

  async #direct(
    exchange: () => Promise<TokenExchangeOutcome>,
    ttlMs: (success: TokenExchangeSuccess) => number,
    error: unknown,
  ): Promise<SharedTierResult> {
    if (error !== undefined) this.#failed(error);
    const outcome = await exchange();
    return { outcome, source: 'exchanged', remainingMs: outcome.ok ? ttlMs(outcome.success) : 0 };
  }

  #failed(error: unknown): void {
    const reason = reasonOf(error);
    this.#metrics.exchangeStoreError(this.name, reason);
    this.#warn(reason, error);
  }

  /** One line per WARNING_INTERVAL_MS with how many were left out; none holds a value. */
  #warn(reason: StoreErrorReason, error: unknown): void {
    const now = this.#now();
    if (now - this.#lastWarning < WARNING_INTERVAL_MS) {
      this.#suppressed++;
      return;
    }
    this.#lastWarning = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#logger.warn(
      {
        code: 'TG_EXCHANGE_CACHE_STORE_FAILED',
        object: this.name,
        reason,
        error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error),
        suppressed,
      },
      'the shared exchange cache failed; tokens are exchanged directly',
    );
  }
}

function configString(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a non-empty string')]);
  }
  return evaluated;
}

function durationMs(
  value: string | number | undefined,
  fallback: number,
  place: Place,
  minimum: number,
): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, place);
  if (!Number.isSafeInteger(ms) || ms < minimum || ms > 2 ** 31 - 1) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', place, `expected a finite duration of at least ${minimum} ms`),
    ]);
  }
  return ms;
}

/** A redis:// or rediss:// URI with no password in it: the password comes from a secret store. */
function redisUri(context: CreateContext, value: string, place: Place): string {
  const uri = configString(context, value, place);
  const bad = (detail: string): ConfigErrors =>
    new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, detail)]);
  if (!URL.canParse(uri)) throw bad('uri must be a redis:// or rediss:// URI');
  const parsed = new URL(uri);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw bad('uri must be a redis:// or rediss:// URI');
  }
  if (parsed.password !== '') throw bad('uri must not hold a password: use passwordSecretId');
  return uri;
}

export const redisExchangeCacheType = defineType<RedisExchangeCacheConfig, RedisExchangeCache>({
  type: 'RedisExchangeCache',
  kind: 'Service',
  description:
    "A token exchange cache shared by gateway instances through Redis, values sealed with AES-256-GCM, named by an OAuth2TokenExchangeFilter's cache.store.",
  schema: objectSchema(
    {
      uri: expressionSchema,
      keyPrefix: { type: 'string', minLength: 1 },
      username: expressionSchema,
      passwordSecretId: { type: 'string', minLength: 1 },
      secretsProvider: secretsProviderSchema,
      encryptionSecretId: {
        type: ['string', 'array'],
        items: { type: 'string', minLength: 1 },
        minLength: 1,
        minItems: 1,
        description:
          'The AES-256 key (32 bytes), or a list of them, the newest first: it encrypts, all decrypt',
      },
      tls: objectSchema({
        caSecretId: { type: 'string', minLength: 1 },
        serverName: { type: 'string', minLength: 1 },
      }),
      connectTimeout: durationSchema,
      commandTimeout: durationSchema,
      lease: durationSchema,
      localCacheMaxSize: { type: 'integer', minimum: 0 },
      localCacheTtl: durationSchema,
    },
    ['uri', 'encryptionSecretId', 'secretsProvider'],
  ),
  create: (config, context) => {
    const { place } = context;
    const at = (key: string): Place => childPlace(place, key);
    const defaults = REDIS_EXCHANGE_CACHE_DEFAULTS;
    const ids = Array.isArray(config.encryptionSecretId)
      ? config.encryptionSecretId
      : [config.encryptionSecretId];
    const settings: RedisExchangeCacheSettings = {
      uri: redisUri(context, config.uri, at('uri')),
      keyPrefix: config.keyPrefix ?? defaults.keyPrefix,
      username:
        config.username === undefined ? undefined : configString(context, config.username, at('username')),
      passwordSecretId: config.passwordSecretId,
      secretsProvider: resolveSecretsProvider(config.secretsProvider, context, at('secretsProvider')),
      encryptionSecretIds: Object.freeze([...ids]),
      caSecretId: config.tls?.caSecretId,
      serverName: config.tls?.serverName,
      connectTimeoutMs: durationMs(config.connectTimeout, defaults.connectTimeoutMs, at('connectTimeout'), 1),
      commandTimeoutMs: durationMs(config.commandTimeout, defaults.commandTimeoutMs, at('commandTimeout'), 1),
      leaseMs: durationMs(config.lease, defaults.leaseMs, at('lease'), 1),
      localCacheMaxSize: config.localCacheMaxSize ?? defaults.localCacheMaxSize,
      localCacheTtlMs: durationMs(config.localCacheTtl, defaults.localCacheTtlMs, at('localCacheTtl'), 0),
    };
    const cache = new RedisExchangeCache(context.name, settings, {
      logger: context.logger,
      metrics: context.gateway.metrics,
    });
    context.onStart(() => cache.start());
    context.onStop(() => cache.stop());
    return cache;
  },
});
