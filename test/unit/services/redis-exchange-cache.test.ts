import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { CacheLookup } from '../../../src/oauth2/exchange-cache.js';
import type {
  TokenExchangeOutcome,
  TokenExchangeSuccess,
} from '../../../src/oauth2/token-exchange-response.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { SecretsProvider } from '../../../src/secrets/secrets-provider.js';
import {
  REDIS_EXCHANGE_CACHE_DEFAULTS,
  RedisExchangeCache,
  type RedisExchangeCacheSettings,
} from '../../../src/services/redis-exchange-cache.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { FILE, harness } from '../filters/harness.js';
import { startRedis, TLS_CERT_FILE, type TestRedis } from '../../fixtures/redis.js';

const PREFIX = 'test:exchange:';
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const provider = new SecretsProvider([new Base64EncodedSecretStore({ secrets: { k1, k2 } })]);

function success(token: string): TokenExchangeSuccess {
  return {
    accessToken: token,
    issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    issuedTokenTypeAssumed: false,
    tokenType: 'Bearer',
    bearerUsable: true,
    expiresIn: 300,
    scopes: ['mail'],
    scopeFromRequest: false,
    refreshToken: undefined,
    raw: { access_token: token },
    warnings: [],
  };
}

let counter = 0;
function lookup(): CacheLookup {
  counter++;
  return {
    key: counter.toString(16).padStart(64, '0'),
    subjectToken: `subject-${counter}`,
    actorToken: undefined,
  };
}

interface Cache {
  cache: RedisExchangeCache;
  metrics: GatewayMetrics;
  logs: LogLine[];
}

describe('RedisExchangeCache against a real redis-server', () => {
  let redis: TestRedis;
  const caches: RedisExchangeCache[] = [];

  const open = async (settings: Partial<RedisExchangeCacheSettings> = {}): Promise<Cache> => {
    const { logger, logs } = memoryLogger();
    const metrics = new GatewayMetrics();
    const cache = new RedisExchangeCache(
      'shared',
      {
        uri: redis.url,
        keyPrefix: PREFIX,
        username: undefined,
        passwordSecretId: undefined,
        secretsProvider: provider,
        encryptionSecretIds: ['k1'],
        caSecretId: undefined,
        serverName: undefined,
        connectTimeoutMs: 1_000,
        commandTimeoutMs: 300,
        leaseMs: 2_000,
        localCacheMaxSize: REDIS_EXCHANGE_CACHE_DEFAULTS.localCacheMaxSize,
        localCacheTtlMs: REDIS_EXCHANGE_CACHE_DEFAULTS.localCacheTtlMs,
        ...settings,
      },
      { logger, metrics },
    );
    await cache.start();
    caches.push(cache);
    return { cache, metrics, logs };
  };

  /** An exchange that counts its calls and answers `token`, after `delayMs`. */
  const exchanger = (token: string, delayMs = 0) => {
    const calls = { count: 0 };
    const exchange = async (): Promise<TokenExchangeOutcome> => {
      calls.count++;
      await new Promise((done) => setTimeout(done, delayMs));
      return { ok: true, success: success(token) };
    };
    return { calls, exchange };
  };

  const storeErrors = async (metrics: GatewayMetrics, reason: string): Promise<number> => {
    const line = (await metrics.render())
      .split('\n')
      .find((row) =>
        row.startsWith(`tollgate_exchange_cache_store_errors_total{store="shared",reason="${reason}"}`),
      );
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    for (const cache of caches) cache.stop();
    await redis?.stop();
  });

  test('a miss exchanges once and stores the sealed answer with PX = the TTL rule; the next lookup is a hit', async () => {
    const { cache } = await open();
    const at = lookup();
    const { calls, exchange } = exchanger('token-one');
    const first = await cache.getOrExchange(at, exchange, () => 120_000);
    assert.equal(first.source, 'exchanged');
    assert.equal(first.remainingMs, 120_000);
    const pttl = Number(await redis.cli('PTTL', PREFIX + at.key));
    assert.ok(pttl > 110_000 && pttl <= 120_000, `PTTL ${pttl}`);
    const value = await redis.cli('GET', PREFIX + at.key);
    assert.ok(!value.includes('token-one'));
    assert.ok(!Buffer.from(value, 'base64').toString('latin1').includes('token-one'));
    assert.equal(await redis.cli('EXISTS', `${PREFIX}lease:${at.key}`), '0\n', 'the lease is given back');

    const second = await cache.getOrExchange(at, exchange, () => 120_000);
    assert.equal(second.source, 'cached');
    assert.equal(second.outcome.ok && second.outcome.success.accessToken, 'token-one');
    assert.ok(second.remainingMs > 110_000 && second.remainingMs <= 120_000);
    assert.equal(calls.count, 1);
  });

  test('an answer the rule gives no lifetime, and a failure, are not stored; the lease is given back', async () => {
    const { cache } = await open();
    const at = lookup();
    await cache.getOrExchange(at, exchanger('short').exchange, () => 0);
    assert.equal(await redis.cli('EXISTS', PREFIX + at.key, `${PREFIX}lease:${at.key}`), '0\n');
    const failing = lookup();
    await assert.rejects(
      cache.getOrExchange(
        failing,
        () => Promise.reject(new Error('the AS is down')),
        () => 60_000,
      ),
      /the AS is down/,
    );
    assert.equal(await redis.cli('EXISTS', PREFIX + failing.key, `${PREFIX}lease:${failing.key}`), '0\n');
  });

  test('two instances missing at once: one exchanges, the other waits for its value', async () => {
    const [a, b] = [await open(), await open()];
    const at = lookup();
    const slow = exchanger('from-a', 200);
    const first = a.cache.getOrExchange(at, slow.exchange, () => 60_000);
    await new Promise((done) => setTimeout(done, 20));
    const other = exchanger('from-b');
    const second = await b.cache.getOrExchange(at, other.exchange, () => 60_000);
    assert.equal((await first).source, 'exchanged');
    assert.equal(second.source, 'shared');
    assert.equal(second.outcome.ok && second.outcome.success.accessToken, 'from-a');
    assert.equal(slow.calls.count + other.calls.count, 1);
  });

  test("a dead holder's lease expires, and a waiter then takes it and exchanges", async () => {
    const { cache } = await open();
    const at = lookup();
    await redis.cli('SET', `${PREFIX}lease:${at.key}`, 'a-gateway-that-died', 'PX', '300');
    const { calls, exchange } = exchanger('after-the-lease');
    const result = await cache.getOrExchange(at, exchange, () => 60_000);
    assert.equal(result.source, 'exchanged');
    assert.equal(calls.count, 1);
    assert.equal(await redis.cli('EXISTS', PREFIX + at.key), '1\n', 'the waiter stored its answer');
  });

  test('a waiter waits at most `lease`, then exchanges itself', async () => {
    const { cache } = await open({ leaseMs: 300 });
    const at = lookup();
    await redis.cli('SET', `${PREFIX}lease:${at.key}`, 'a-holder-with-a-long-lease', 'PX', '60000');
    const { calls, exchange } = exchanger('did-not-wait-forever');
    const result = await cache.getOrExchange(at, exchange, () => 60_000);
    assert.equal(result.source, 'exchanged');
    assert.equal(calls.count, 1);
  });

  test('key rotation: values sealed with the old key are read by a gateway that seals with the new one', async () => {
    const old = await open({ encryptionSecretIds: ['k1'] });
    const rotated = await open({ encryptionSecretIds: ['k2', 'k1'] });
    const at = lookup();
    await old.cache.getOrExchange(at, exchanger('sealed-with-k1').exchange, () => 60_000);
    const read = await rotated.cache.getOrExchange(at, exchanger('unused').exchange, () => 60_000);
    assert.equal(read.source, 'cached');
    assert.equal(read.outcome.ok && read.outcome.success.accessToken, 'sealed-with-k1');

    const fresh = lookup();
    await rotated.cache.getOrExchange(fresh, exchanger('sealed-with-k2').exchange, () => 60_000);
    const onlyOld = await old.cache.getOrExchange(fresh, exchanger('exchanged-again').exchange, () => 60_000);
    assert.equal(onlyOld.source, 'exchanged', 'a gateway without the new key exchanges');
    assert.equal(await storeErrors(old.metrics, 'unusable'), 1);
  });

  test('a value that does not open is exchanged around, counted and warned about without a token', async () => {
    const { cache, metrics, logs } = await open();
    const at = lookup();
    await redis.cli('SET', PREFIX + at.key, 'garbage-subject-1', 'PX', '60000');
    const { calls, exchange } = exchanger('direct');
    const result = await cache.getOrExchange(at, exchange, () => 60_000);
    assert.equal(result.source, 'exchanged');
    assert.equal(calls.count, 1);
    assert.equal(await storeErrors(metrics, 'unusable'), 1);
    const warning = logs.find((line) => line.code === 'TG_EXCHANGE_CACHE_STORE_FAILED');
    assert.equal(warning?.reason, 'unusable');
    assert.ok(!JSON.stringify(logs).includes('garbage-subject-1'));
  });

  test('a stopped server (commands time out) and a dead one: exchanged directly, counted, one warning per interval', async () => {
    const { cache, metrics, logs } = await open();
    redis.pause();
    try {
      const { calls, exchange } = exchanger('while-slow');
      const result = await cache.getOrExchange(lookup(), exchange, () => 60_000);
      assert.equal(result.source, 'exchanged');
      assert.equal(calls.count, 1);
      assert.equal(await storeErrors(metrics, 'timeout'), 1);
    } finally {
      redis.resume();
    }
    await redis.kill();
    try {
      for (let i = 0; i < 5; i++) {
        const result = await cache.getOrExchange(lookup(), exchanger('while-down').exchange, () => 60_000);
        assert.equal(result.source, 'exchanged');
      }
      assert.ok((await storeErrors(metrics, 'unavailable')) >= 5);
      const warnings = logs.filter((line) => line.code === 'TG_EXCHANGE_CACHE_STORE_FAILED');
      assert.equal(warnings.length, 1, 'one line for the interval; the metric counts every failure');
    } finally {
      await redis.restart();
    }
    // It reconnects by itself.
    const at = lookup();
    const deadline = Date.now() + 10_000;
    let stored = '0\n';
    while (stored !== '1\n' && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
      await cache.getOrExchange(at, exchanger('after-restart').exchange, () => 60_000);
      stored = await redis.cli('EXISTS', PREFIX + at.key);
    }
    assert.equal(stored, '1\n');
  });

  test('stop closes the connection; a stopped cache exchanges directly', async () => {
    const clients = async (): Promise<number> =>
      Number(/connected_clients:(\d+)/.exec(await redis.cli('INFO', 'clients'))![1]);
    const before = await clients();
    const { cache } = await open();
    assert.equal(await clients(), before + 1);
    cache.stop();
    const deadline = Date.now() + 5_000;
    while ((await clients()) !== before && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    assert.equal(await clients(), before);
    const { calls, exchange } = exchanger('after-stop');
    assert.equal((await cache.getOrExchange(lookup(), exchange, () => 60_000)).source, 'exchanged');
    assert.equal(calls.count, 1);
  });
});

describe('RedisExchangeCache over TLS, with a password, both from the secret store', () => {
  let redis: TestRedis;
  const opened: RedisExchangeCache[] = [];

  before(async () => {
    redis = await startRedis({ tls: true, password: 's3cret-redis-password' });
  });

  after(async () => {
    for (const cache of opened) cache.stop();
    await redis?.stop();
  });

  const open = async (caSecretId: string | undefined): Promise<Cache> => {
    const { logger, logs } = memoryLogger();
    const metrics = new GatewayMetrics();
    const pem = (await readFile(TLS_CERT_FILE)).toString('base64');
    const secrets = new SecretsProvider([
      new Base64EncodedSecretStore({
        secrets: { k1, ca: pem, 'redis.password': Buffer.from('s3cret-redis-password').toString('base64') },
      }),
    ]);
    const cache = new RedisExchangeCache(
      'shared',
      {
        uri: redis.url,
        keyPrefix: PREFIX,
        username: undefined,
        passwordSecretId: 'redis.password',
        secretsProvider: secrets,
        encryptionSecretIds: ['k1'],
        caSecretId,
        serverName: 'localhost',
        connectTimeoutMs: 1_000,
        commandTimeoutMs: 500,
        leaseMs: 2_000,
        localCacheMaxSize: 0,
        localCacheTtlMs: 0,
      },
      { logger, metrics },
    );
    await cache.start();
    opened.push(cache);
    return { cache, metrics, logs };
  };

  test('rediss:// with the CA from the secret store: stored and read back', async () => {
    assert.match(redis.url, /^rediss:/);
    const { cache } = await open('ca');
    const at = lookup();
    await cache.getOrExchange(
      at,
      async () => ({ ok: true, success: success('over-tls') }),
      () => 60_000,
    );
    const read = await cache.getOrExchange(
      at,
      () => Promise.reject(new Error('not called')),
      () => 60_000,
    );
    assert.equal(read.source, 'cached');
    assert.equal(await redis.cli('EXISTS', PREFIX + at.key), '1\n');
  });

  test('without the CA the certificate is not trusted: exchanged directly, and no password in the logs', async () => {
    const { cache, logs } = await open(undefined);
    const result = await cache.getOrExchange(
      lookup(),
      async () => ({ ok: true, success: success('direct') }),
      () => 60_000,
    );
    assert.equal(result.source, 'exchanged');
    assert.ok(logs.some((line) => line.code === 'TG_EXCHANGE_CACHE_STORE_FAILED'));
    assert.ok(!JSON.stringify(logs).includes('s3cret-redis-password'));
  });
});

describe('RedisExchangeCache config errors carry a code and a pointer', () => {
  const config = { uri: 'redis://127.0.0.1:6379', encryptionSecretId: 'k', secretsProvider: 'Env' };
  const errorsOf = (extra: Record<string, unknown>): string[] =>
    harness().errorsOf([
      { name: 'Env', type: 'SystemAndEnvSecretStore' },
      { name: 'cache', type: 'RedisExchangeCache', config: { ...config, ...extra } },
    ]);

  test('a URI that is not redis(s)://, or holds a password; durations out of range; an unknown key', () => {
    assert.deepEqual(errorsOf({ uri: 'http://127.0.0.1:6379' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/config/uri`,
    ]);
    assert.deepEqual(errorsOf({ uri: 'redis://user:hunter2@127.0.0.1' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/config/uri`,
    ]);
    assert.deepEqual(errorsOf({ commandTimeout: 'unlimited' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/config/commandTimeout`,
    ]);
    assert.deepEqual(errorsOf({ lease: '0 ms' }), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/config/lease`]);
    assert.deepEqual(errorsOf({ localCacheMaxSize: -1 }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/1/config/localCacheMaxSize`,
    ]);
    assert.deepEqual(errorsOf({ keyprefix: 'x' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/1/config/keyprefix`,
    ]);
    assert.deepEqual(errorsOf({ secretsProvider: undefined }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/1/config/secretsProvider`,
    ]);
  });

  test("a filter's cache.store must be a RedisExchangeCache", () => {
    const errors = harness().errorsOf([
      {
        name: 'f',
        type: 'OAuth2TokenExchangeFilter',
        config: {
          endpoint: 'http://127.0.0.1:9/token',
          subjectToken: '${request.headers.x[0]}',
          cache: { enabled: true, store: 'AmStore' },
        },
      },
      { name: 'AmStore', type: 'AmService', config: { url: 'http://127.0.0.1:9/am/' } },
    ]);
    assert.deepEqual(errors, [`TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/cache/store`]);
  });
});
