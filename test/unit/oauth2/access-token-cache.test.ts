import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import type { AccessTokenResolution, AccessTokenResolver } from '../../../src/oauth2/access-token.js';
import { invalidToken, tokenInfo } from '../../../src/oauth2/access-token.js';
import { CachingAccessTokenResolver } from '../../../src/oauth2/access-token-cache.js';
import { testExchange } from '../../fixtures/exchange.js';

const exchange = testExchange();

/** A delegate that counts its calls and answers what `answer` says for the token. */
function counting(answer: (token: string) => AccessTokenResolution | Promise<AccessTokenResolution>) {
  const calls: string[] = [];
  const resolver: AccessTokenResolver = {
    async resolve(token) {
      calls.push(token);
      return answer(token);
    },
  };
  return { calls, resolver };
}

const valid = (token: string, claims: Record<string, unknown>): AccessTokenResolution => ({
  valid: true,
  token: tokenInfo(token, claims),
});

describe('CachingAccessTokenResolver', () => {
  test('a valid token is kept until its exp, never past it', async () => {
    let now = 1_000_000;
    const { calls, resolver } = counting((t) => valid(t, { exp: (1_000_000 + 30_000) / 1000 }));
    const cache = new CachingAccessTokenResolver(resolver, {}, { now: () => now });
    await cache.resolve('a', exchange);
    now += 29_999;
    await cache.resolve('a', exchange);
    assert.equal(calls.length, 1);
    now += 1;
    await cache.resolve('a', exchange);
    assert.equal(calls.length, 2, 'an expired token is resolved again');
  });

  test('maximumTimeToCache caps a long-lived token; defaultTimeout applies without exp', async () => {
    // Not 0: lru-cache reads an entry stored at time 0 as never stale.
    let now = 1_000_000;
    const { calls, resolver } = counting((t) =>
      t === 'long' ? valid(t, { exp: 3600 + now / 1000 }) : valid(t, {}),
    );
    const cache = new CachingAccessTokenResolver(
      resolver,
      { maximumTimeToCacheMs: 5_000, defaultTimeoutMs: 2_000 },
      { now: () => now },
    );
    await cache.resolve('long', exchange);
    await cache.resolve('noexp', exchange);
    now = 1_002_001;
    await cache.resolve('long', exchange);
    await cache.resolve('noexp', exchange);
    assert.deepEqual(calls, ['long', 'noexp', 'noexp']);
    now = 1_005_001;
    await cache.resolve('long', exchange);
    assert.deepEqual(calls, ['long', 'noexp', 'noexp', 'long']);
  });

  test('an invalid verdict is kept only for the short negative TTL', async () => {
    let now = 1_000_000;
    const { calls, resolver } = counting(() => invalidToken('no'));
    const cache = new CachingAccessTokenResolver(resolver, { negativeTtlMs: 1_000 }, { now: () => now });
    await cache.resolve('bad', exchange);
    await cache.resolve('bad', exchange);
    assert.equal(calls.length, 1);
    now = 1_001_001;
    await cache.resolve('bad', exchange);
    assert.equal(calls.length, 2);
  });

  test('failures are not kept, and concurrent lookups share one call', async () => {
    let fail = true;
    const { calls, resolver } = counting(async (t) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new TollgateError('TG_OAUTH2_RESOLVER_FAILED', 'down');
      return valid(t, {});
    });
    const cache = new CachingAccessTokenResolver(resolver);
    const both = await Promise.allSettled([cache.resolve('x', exchange), cache.resolve('x', exchange)]);
    assert.deepEqual(
      both.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(calls.length, 1);
    fail = false;
    assert.equal((await cache.resolve('x', exchange)).valid, true);
    assert.equal(calls.length, 2);
  });

  test('is bounded by maximumSize, least recently used first', async () => {
    const { calls, resolver } = counting((t) => valid(t, {}));
    const cache = new CachingAccessTokenResolver(resolver, { maximumSize: 2 });
    for (const token of ['a', 'b', 'a', 'c', 'a', 'b']) await cache.resolve(token, exchange);
    assert.deepEqual(calls, ['a', 'b', 'c', 'b']);
    assert.equal(cache.size, 2);
  });

  test('refuses a size below 1', () => {
    assert.throws(
      () => new CachingAccessTokenResolver(counting(() => invalidToken('x')).resolver, { maximumSize: 0 }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_VALUE',
    );
  });
});
