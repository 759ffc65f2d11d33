import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failureFor, failureFromAuthorizationServer } from '../../../src/oauth2/errors.js';
import {
  cacheTtlMs,
  EXCHANGE_CACHE_DEFAULTS,
  ExchangeCache,
  exchangeCacheKey,
  ExchangeKeyer,
  jwtExpiryMs,
  type CacheLookup,
  type ExchangeKeyParts,
  type SharedExchangeTier,
  type SharedTierResult,
} from '../../../src/oauth2/exchange-cache.js';
import {
  buildTokenExchangeRequest,
  type TokenExchangeParameters,
} from '../../../src/oauth2/token-exchange-request.js';
import type {
  TokenExchangeOutcome,
  TokenExchangeSuccess,
} from '../../../src/oauth2/token-exchange-response.js';
import { TokenType } from '../../../src/oauth2/token-types.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

const NOW = 1_700_000_000_000;

/** An unsigned JWT with the given exp (seconds); the cache only decodes it. */
function jwt(exp: number | undefined, extra: Record<string, unknown> = {}): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: 'u', ...extra, ...(exp === undefined ? {} : { exp }) })}.sig`;
}

const baseParams: TokenExchangeParameters = {
  subjectToken: 'subject-a',
  subjectTokenType: TokenType.accessToken,
  actorToken: 'actor',
  actorTokenType: TokenType.accessToken,
  requestedTokenType: TokenType.accessToken,
  scopes: ['read'],
  resources: ['https://api.example.com'],
  audiences: ['orders'],
};

function parts(
  params: Partial<TokenExchangeParameters> = {},
  extra: Partial<ExchangeKeyParts> = {},
): ExchangeKeyParts {
  return {
    endpoint: 'https://as.example.com/token',
    clientId: 'gateway',
    request: buildTokenExchangeRequest({ ...baseParams, ...params }),
    ...extra,
  };
}

function lookup(keyParts: ExchangeKeyParts): CacheLookup {
  const { request } = keyParts;
  return {
    key: exchangeCacheKey(keyParts),
    subjectToken: request.subjectToken,
    actorToken: request.actorToken,
  };
}

function issued(accessToken: string, expiresIn: number | undefined = 3600): TokenExchangeOutcome {
  const success: TokenExchangeSuccess = {
    accessToken,
    issuedTokenType: TokenType.accessToken,
    issuedTokenTypeAssumed: false,
    tokenType: 'Bearer',
    bearerUsable: true,
    expiresIn,
    scopes: ['read'],
    scopeFromRequest: false,
    refreshToken: undefined,
    raw: {},
    warnings: [],
  };
  return { ok: true, success };
}

function asError(error: string): TokenExchangeOutcome {
  return {
    ok: false,
    failure: failureFromAuthorizationServer({
      error,
      description: undefined,
      errorUri: undefined,
      upstreamStatus: 400,
    }),
  };
}

function clock(start = NOW): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function counting(outcome: (call: number) => TokenExchangeOutcome): {
  fn: () => Promise<TokenExchangeOutcome>;
  calls: () => number;
} {
  let calls = 0;
  return {
    fn: async () => {
      calls += 1;
      return outcome(calls);
    },
    calls: () => calls,
  };
}

describe('exchangeCacheKey', () => {
  const key = exchangeCacheKey(parts());

  test('is a SHA-256 hex digest that holds no token', () => {
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(exchangeCacheKey(parts()), key);
  });

  const variations: [string, ExchangeKeyParts][] = [
    ['subject token', parts({ subjectToken: 'subject-b' })],
    ['subject token type', parts({ subjectTokenType: TokenType.idToken })],
    ['actor token', parts({ actorToken: 'actor-2' })],
    ['actor token type', parts({ actorTokenType: TokenType.jwt })],
    ['no actor', parts({ actorToken: null, actorTokenType: null })],
    ['requested type', parts({ requestedTokenType: TokenType.jwt })],
    ['no requested type', parts({ requestedTokenType: null })],
    ['scopes', parts({ scopes: ['read', 'write'] })],
    ['no scopes', parts({ scopes: [] })],
    ['resources', parts({ resources: ['https://other.example.com'] })],
    ['audiences', parts({ audiences: ['billing'] })],
    ['endpoint', parts({}, { endpoint: 'https://as.example.com/other' })],
    ['client id', parts({}, { clientId: 'other-client' })],
    ['no client id', parts({}, { clientId: undefined })],
  ];
  for (const [field, changed] of variations) {
    test(`differs when the ${field} differs`, () => {
      assert.notEqual(exchangeCacheKey(changed), key);
    });
  }

  test('values cannot run into each other (length prefixes)', () => {
    assert.notEqual(
      exchangeCacheKey(parts({ audiences: ['ab', 'c'] })),
      exchangeCacheKey(parts({ audiences: ['a', 'bc'] })),
    );
    assert.notEqual(
      exchangeCacheKey(parts({ scopes: [], audiences: ['read'] })),
      exchangeCacheKey(parts({ scopes: ['read'], audiences: [] })),
    );
    assert.notEqual(
      exchangeCacheKey(parts({}, { clientId: '' })),
      exchangeCacheKey(parts({}, { clientId: undefined })),
    );
  });

  test('set-valued parameters do not depend on order', () => {
    assert.equal(
      exchangeCacheKey(parts({ scopes: ['a', 'b'], audiences: ['x', 'y'] })),
      exchangeCacheKey(parts({ scopes: ['b', 'a'], audiences: ['y', 'x'] })),
    );
  });

  test("one filter's ExchangeKeyer gives the same keys, whichever scopes it saw before", () => {
    const fixed = parts().request;
    const keyer = new ExchangeKeyer({
      ...fixed,
      endpoint: 'https://as.example.com/token',
      clientId: 'gateway',
    });
    const read = ['read'];
    const readWrite = ['read', 'write'];
    for (const [subject, scopes] of [
      ['subject-a', read],
      ['subject-b', read],
      ['subject-a', readWrite],
      ['subject-a', read],
    ] as const) {
      assert.equal(
        keyer.key(subject, fixed.actorToken, scopes),
        exchangeCacheKey(parts({ subjectToken: subject, scopes })),
        `${subject} ${scopes.join(' ')}`,
      );
    }
  });
});

describe('cache TTL', () => {
  const limits = { maxTtlMs: EXCHANGE_CACHE_DEFAULTS.maxTtlMs, marginMs: EXCHANGE_CACHE_DEFAULTS.marginMs };
  const inputs = {
    now: NOW,
    expiresIn: 120,
    issuedToken: 'opaque',
    subjectToken: 'opaque',
    actorToken: undefined,
  };

  test('expires_in minus the margin', () => {
    assert.equal(cacheTtlMs(inputs, limits), 120_000 - 30_000);
  });

  test('capped by the max TTL', () => {
    assert.equal(cacheTtlMs({ ...inputs, expiresIn: 86_400 }, limits), 300_000 - 30_000);
  });

  test('capped by the subject token exp, the actor token exp and the issued token exp', () => {
    const in60s = NOW / 1000 + 60;
    assert.equal(cacheTtlMs({ ...inputs, subjectToken: jwt(in60s) }, limits), 60_000 - 30_000);
    assert.equal(cacheTtlMs({ ...inputs, actorToken: jwt(in60s) }, limits), 60_000 - 30_000);
    assert.equal(cacheTtlMs({ ...inputs, issuedToken: jwt(in60s) }, limits), 60_000 - 30_000);
  });

  test('the issued token exp stands in for a missing expires_in; nothing known → not cached', () => {
    assert.equal(
      cacheTtlMs({ ...inputs, expiresIn: undefined, issuedToken: jwt(NOW / 1000 + 100) }, limits),
      70_000,
    );
    assert.ok(cacheTtlMs({ ...inputs, expiresIn: undefined }, limits) <= 0);
    assert.ok(
      cacheTtlMs({ ...inputs, expiresIn: undefined, subjectToken: jwt(NOW / 1000 + 100) }, limits) <= 0,
    );
  });

  test('lifetimes within the margin, or an expired subject, give TTL ≤ 0', () => {
    assert.ok(cacheTtlMs({ ...inputs, expiresIn: 30 }, limits) <= 0);
    assert.ok(cacheTtlMs({ ...inputs, subjectToken: jwt(NOW / 1000 - 1) }, limits) <= 0);
  });

  test('jwtExpiryMs reads exp from JWTs only', () => {
    assert.equal(jwtExpiryMs(jwt(123)), 123_000);
    assert.equal(jwtExpiryMs(jwt(undefined)), undefined);
    assert.equal(jwtExpiryMs(jwt(undefined, { exp: 'soon' })), undefined);
    assert.equal(jwtExpiryMs('opaque'), undefined);
    assert.equal(jwtExpiryMs('a.b.c'), undefined);
    assert.equal(jwtExpiryMs('a.b.c.d.e'), undefined);
    assert.equal(jwtExpiryMs(undefined), undefined);
  });
});

describe('ExchangeCache', () => {
  test('a second call within the TTL is served from the cache, after it a new exchange', async () => {
    const time = clock();
    const cache = new ExchangeCache({}, { now: time.now });
    const exchange = counting((n) => issued(`token-${n}`, 120));
    const first = await cache.getOrExchange(lookup(parts()), exchange.fn);
    assert.equal(first.source, 'exchanged');
    time.advance(89_999);
    const second = await cache.getOrExchange(lookup(parts()), exchange.fn);
    assert.equal(second.source, 'cached');
    assert.equal(second.outcome, first.outcome);
    time.advance(2);
    const third = await cache.getOrExchange(lookup(parts()), exchange.fn);
    assert.equal(third.source, 'exchanged');
    assert.equal(exchange.calls(), 2);
    assert.ok(third.outcome.ok && third.outcome.success.accessToken === 'token-2');
  });

  test('single-flight: 100 concurrent callers with one key make one call and share its result', async () => {
    const cache = new ExchangeCache({});
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const exchange = async (): Promise<TokenExchangeOutcome> => {
      calls += 1;
      await gate;
      return issued('shared-token');
    };
    const pending = Array.from({ length: 100 }, () => cache.getOrExchange(lookup(parts()), exchange));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all(pending);
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.outcome === results[0]!.outcome));
    assert.equal(results.filter((r) => r.source === 'exchanged').length, 1);
    assert.equal(results.filter((r) => r.source === 'shared').length, 99);
  });

  test('single-flight also shares failures and thrown errors, which are not kept', async () => {
    const cache = new ExchangeCache({});
    let calls = 0;
    const failing = async (): Promise<TokenExchangeOutcome> => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      throw new TollgateError('TG_UPSTREAM_TIMEOUT');
    };
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => cache.getOrExchange(lookup(parts()), failing)),
    );
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.status === 'rejected'));
    await assert.rejects(async () => cache.getOrExchange(lookup(parts()), failing));
    assert.equal(calls, 2);
    assert.equal(cache.size, 0);
  });

  test('a synchronous throw does not leave a stuck in-flight entry', async () => {
    const cache = new ExchangeCache({});
    const throwsNow = (() => {
      throw new Error('sync');
    }) as unknown as () => Promise<TokenExchangeOutcome>;
    await assert.rejects(async () => cache.getOrExchange(lookup(parts()), throwsNow), /sync/);
    const ok = await cache.getOrExchange(lookup(parts()), async () => issued('t'));
    assert.equal(ok.source, 'exchanged');
  });

  test('no cross-user leak: two subject tokens → two calls, each its own token', async () => {
    const cache = new ExchangeCache({});
    const calls: string[] = [];
    const exchangeFor = (subject: string) => async (): Promise<TokenExchangeOutcome> => {
      calls.push(subject);
      return issued(`issued-for-${subject}`);
    };
    const [a, b] = await Promise.all([
      cache.getOrExchange(lookup(parts({ subjectToken: 'alice' })), exchangeFor('alice')),
      cache.getOrExchange(lookup(parts({ subjectToken: 'bob' })), exchangeFor('bob')),
    ]);
    assert.deepEqual(calls.sort(), ['alice', 'bob']);
    assert.ok(a.outcome.ok && a.outcome.success.accessToken === 'issued-for-alice');
    assert.ok(b.outcome.ok && b.outcome.success.accessToken === 'issued-for-bob');
    const again = await cache.getOrExchange(lookup(parts({ subjectToken: 'bob' })), exchangeFor('never'));
    assert.ok(again.outcome.ok && again.outcome.success.accessToken === 'issued-for-bob');
  });

  test('invalid_grant is remembered for negativeTtlMs; other failures are not', async () => {
    const time = clock();
    const cache = new ExchangeCache({ negativeTtlMs: 5_000 }, { now: time.now });
    const invalidGrant = counting(() => asError('invalid_grant'));
    await cache.getOrExchange(lookup(parts()), invalidGrant.fn);
    const cached = await cache.getOrExchange(lookup(parts()), invalidGrant.fn);
    assert.equal(cached.source, 'cached');
    assert.ok(!cached.outcome.ok && cached.outcome.failure.error === 'invalid_grant');
    time.advance(5_001);
    await cache.getOrExchange(lookup(parts()), invalidGrant.fn);
    assert.equal(invalidGrant.calls(), 2);

    const others = [
      asError('invalid_request'),
      asError('invalid_client'),
      { ok: false as const, failure: failureFor('as_server_error', 'x') },
      { ok: false as const, failure: failureFor('timeout', 'x') },
    ];
    for (const [index, outcome] of others.entries()) {
      const other = counting(() => outcome);
      const key = lookup(parts({ subjectToken: `subject-${index}` }));
      await cache.getOrExchange(key, other.fn);
      await cache.getOrExchange(key, other.fn);
      assert.equal(other.calls(), 2, `failure #${index}`);
    }
  });

  test('negative caching can be turned off', async () => {
    const cache = new ExchangeCache({ negativeTtlMs: 0 });
    const invalidGrant = counting(() => asError('invalid_grant'));
    await cache.getOrExchange(lookup(parts()), invalidGrant.fn);
    await cache.getOrExchange(lookup(parts()), invalidGrant.fn);
    assert.equal(invalidGrant.calls(), 2);
  });

  test('tokens with TTL ≤ 0 are not stored', async () => {
    const time = clock();
    const cache = new ExchangeCache({}, { now: time.now });
    const short = counting(() => issued('short', 30));
    await cache.getOrExchange(lookup(parts()), short.fn);
    await cache.getOrExchange(lookup(parts()), short.fn);
    assert.equal(short.calls(), 2);
    const expiredSubject = counting(() => issued('t', 3600));
    const key = lookup(parts({ subjectToken: jwt(NOW / 1000 - 10) }));
    await cache.getOrExchange(key, expiredSubject.fn);
    await cache.getOrExchange(key, expiredSubject.fn);
    assert.equal(expiredSubject.calls(), 2);
    assert.equal(cache.size, 0);
  });

  test('the subject token exp caps how long its exchanged token is served', async () => {
    const time = clock();
    const cache = new ExchangeCache({}, { now: time.now });
    const key = lookup(parts({ subjectToken: jwt(NOW / 1000 + 100) }));
    const exchange = counting((n) => issued(`t${n}`, 3600));
    await cache.getOrExchange(key, exchange.fn);
    time.advance(69_999);
    assert.equal((await cache.getOrExchange(key, exchange.fn)).source, 'cached');
    time.advance(2);
    assert.equal((await cache.getOrExchange(key, exchange.fn)).source, 'exchanged');
  });

  test('maxEntries bounds the cache (least recently used goes)', async () => {
    const cache = new ExchangeCache({ maxEntries: 2 });
    for (const subject of ['a', 'b', 'c']) {
      await cache.getOrExchange(lookup(parts({ subjectToken: subject })), async () => issued(subject));
    }
    assert.equal(cache.size, 2);
    const a = await cache.getOrExchange(lookup(parts({ subjectToken: 'a' })), async () => issued('a-again'));
    assert.equal(a.source, 'exchanged');
  });

  test('clear() empties the cache', async () => {
    const cache = new ExchangeCache({});
    await cache.getOrExchange(lookup(parts()), async () => issued('t'));
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('bad limits are refused', () => {
    for (const config of [
      { maxEntries: 0 },
      { maxTtlMs: -1 },
      { marginMs: 1.5 },
      { negativeTtlMs: Number.NaN },
    ]) {
      assert.throws(
        () => new ExchangeCache({ ...config }),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_VALUE',
      );
    }
  });

  test('instances share nothing', async () => {
    const one = new ExchangeCache({});
    const two = new ExchangeCache({});
    await one.getOrExchange(lookup(parts()), async () => issued('t'));
    assert.equal(two.size, 0);
  });
});

/**
 * A shared tier kept in a Map, as Redis keeps one for several instances: it stores a success for
 * the TTL the cache gives it and says where each answer came from.
 */
class MapTier implements SharedExchangeTier {
  readonly entries = new Map<string, { outcome: TokenExchangeOutcome; expiresAt: number }>();
  readonly ttls: number[] = [];
  asked = 0;

  constructor(private readonly now: () => number) {}

  async getOrExchange(
    at: CacheLookup,
    exchange: () => Promise<TokenExchangeOutcome>,
    ttlMs: (success: TokenExchangeSuccess) => number,
  ): Promise<SharedTierResult> {
    this.asked++;
    const kept = this.entries.get(at.key);
    if (kept !== undefined && kept.expiresAt > this.now()) {
      return { outcome: kept.outcome, source: 'cached', remainingMs: kept.expiresAt - this.now() };
    }
    const outcome = await exchange();
    const remainingMs = outcome.ok ? ttlMs(outcome.success) : 0;
    this.ttls.push(remainingMs);
    if (remainingMs > 0) this.entries.set(at.key, { outcome, expiresAt: this.now() + remainingMs });
    return { outcome, source: 'exchanged', remainingMs };
  }
}

describe('ExchangeCache in front of a shared tier', () => {
  test('concurrent misses ask the tier once; the tier stores for the in-memory TTL rule', async () => {
    const time = clock();
    const tier = new MapTier(time.now);
    const cache = new ExchangeCache({}, { now: time.now, shared: tier });
    const exchange = counting(() => issued('shared-token', 3600));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.getOrExchange(lookup(parts()), exchange.fn)),
    );
    assert.equal(tier.asked, 1);
    assert.equal(exchange.calls(), 1);
    assert.deepEqual(tier.ttls, [EXCHANGE_CACHE_DEFAULTS.maxTtlMs - EXCHANGE_CACHE_DEFAULTS.marginMs]);
    assert.equal(results.filter((r) => r.source === 'exchanged').length, 1);
    assert.equal(results.filter((r) => r.source === 'shared').length, 49);
  });

  test("another instance's entry is a hit from the tier, then kept in process for at most localTtlMs", async () => {
    const time = clock();
    const tier = new MapTier(time.now);
    const first = new ExchangeCache({}, { now: time.now, shared: tier });
    const second = new ExchangeCache({}, { now: time.now, shared: tier, localTtlMs: 10_000 });
    await first.getOrExchange(lookup(parts()), async () => issued('from-first'));
    const exchange = counting(() => issued('never'));
    const hit = await second.getOrExchange(lookup(parts()), exchange.fn);
    assert.equal(hit.source, 'cached');
    assert.equal(hit.outcome.ok && hit.outcome.success.accessToken, 'from-first');
    assert.equal(tier.asked, 2);
    time.advance(9_999);
    assert.equal((second.getOrExchange(lookup(parts()), exchange.fn) as { source: string }).source, 'cached');
    assert.equal(tier.asked, 2, 'answered in process');
    time.advance(2);
    await second.getOrExchange(lookup(parts()), exchange.fn);
    assert.equal(tier.asked, 3, 'localTtlMs passed: the tier is asked again');
    assert.equal(exchange.calls(), 0);
  });

  test("the in-process copy never outlives the tier's entry", async () => {
    const time = clock();
    const tier = new MapTier(time.now);
    const cache = new ExchangeCache({ maxTtlMs: 60_000, marginMs: 0 }, { now: time.now, shared: tier });
    await cache.getOrExchange(lookup(parts()), async () => issued('short'));
    time.advance(59_000);
    const other = new ExchangeCache({}, { now: time.now, shared: tier });
    await other.getOrExchange(lookup(parts()), async () => issued('unused'));
    const asked = tier.asked;
    time.advance(1_001);
    await other.getOrExchange(lookup(parts()), async () => issued('after-expiry'));
    assert.equal(tier.asked, asked + 1, 'the 1 s the tier had left was the local copy’s limit');
  });

  test('localTtlMs 0 keeps nothing in process: every lookup asks the tier', async () => {
    const time = clock();
    const tier = new MapTier(time.now);
    const cache = new ExchangeCache({}, { now: time.now, shared: tier, localTtlMs: 0 });
    for (let i = 0; i < 3; i++) await cache.getOrExchange(lookup(parts()), async () => issued('t'));
    assert.equal(tier.asked, 3);
    assert.equal(cache.size, 0);
  });

  test('invalid_grant is remembered in process for negativeTtlMs, and not in the tier', async () => {
    const time = clock();
    const tier = new MapTier(time.now);
    const cache = new ExchangeCache({}, { now: time.now, shared: tier });
    const exchange = counting(() => asError('invalid_grant'));
    await cache.getOrExchange(lookup(parts()), exchange.fn);
    const again = cache.getOrExchange(lookup(parts()), exchange.fn) as { source: string };
    assert.equal(again.source, 'cached');
    assert.equal(tier.entries.size, 0);
    assert.equal(exchange.calls(), 1);
  });

  test("the exchange's error reaches every waiting caller and is not kept", async () => {
    const tier = new MapTier(Date.now);
    const cache = new ExchangeCache({}, { shared: tier });
    const failing = async (): Promise<TokenExchangeOutcome> => {
      throw new Error('AS unreachable');
    };
    const calls = [
      cache.getOrExchange(lookup(parts()), failing),
      cache.getOrExchange(lookup(parts()), failing),
    ];
    for (const call of calls) await assert.rejects(Promise.resolve(call), /AS unreachable/);
    assert.equal(cache.size, 0);
  });
});
