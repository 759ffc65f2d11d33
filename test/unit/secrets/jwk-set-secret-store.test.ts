import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { JwkSetSecretStore } from '../../../src/secrets/jwk-set-secret-store.js';

function privateJwk(kid: string, extra: Record<string, unknown> = {}): JsonWebKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, ...extra };
}

function publicJwk(kid: string): JsonWebKey {
  const { publicKey } = generateKeyPairSync('ed25519');
  return { ...publicKey.export({ format: 'jwk' }), kid };
}

/** A fetch stand-in that serves the given documents in turn and counts calls. */
function fakeFetch(...documents: unknown[]): {
  fetchJwks: (url: string) => Promise<unknown>;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    fetchJwks: async (url: string) => {
      calls.push(url);
      const document = documents[Math.min(calls.length - 1, documents.length - 1)];
      if (document instanceof Error) throw document;
      return document;
    },
  };
}

describe('JwkSetSecretStore', () => {
  test('an inline set gives private keys (with d) and public keys by kid', async () => {
    const store = new JwkSetSecretStore({ jwks: { keys: [privateJwk('signing'), publicJwk('verify')] } });
    const signing = await store.getKey('signing');
    assert.equal((signing?.key as KeyObject).type, 'private');
    assert.equal(signing?.kid, 'signing', 'a key comes with its kid');
    assert.equal(((await store.getKey('verify'))?.key as KeyObject).type, 'public');
    assert.equal(await store.getKey('unknown'), null);
  });

  test('holds no generic secrets', async () => {
    const store = new JwkSetSecretStore({ jwks: { keys: [privateJwk('signing')] } });
    assert.equal(await store.get('signing'), null);
  });

  test('encryption keys and keys without kid are left out', async () => {
    const noKid = { ...privateJwk('x') };
    delete noKid.kid;
    const store = new JwkSetSecretStore({ jwks: { keys: [privateJwk('enc', { use: 'enc' }), noKid] } });
    assert.equal(await store.getKey('enc'), null);
  });

  test('an unusable inline key fails at construction', () => {
    assert.throws(
      () => new JwkSetSecretStore({ jwks: { keys: [{ kty: 'EC', kid: 'broken', crv: 'P-256', x: 'AA' }] } }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_NOT_A_KEY',
    );
  });

  test('exactly one of jwks and jwkUrl', () => {
    assert.throws(() => new JwkSetSecretStore({}), TollgateError);
    assert.throws(
      () => new JwkSetSecretStore({ jwks: { keys: [] }, jwkUrl: 'https://as/jwks' }),
      TollgateError,
    );
  });

  test('a URL set is fetched lazily, once for concurrent lookups, and cached', async () => {
    const fake = fakeFetch({ keys: [privateJwk('a')] });
    const store = new JwkSetSecretStore({ jwkUrl: 'https://as.example/jwks' }, { fetchJwks: fake.fetchJwks });
    assert.equal(fake.calls.length, 0);
    const keys = await Promise.all([store.getKey('a'), store.getKey('a'), store.getKey('a')]);
    assert.ok(keys.every((key) => (key?.key as KeyObject).type === 'private'));
    assert.deepEqual(fake.calls, ['https://as.example/jwks']);
    await store.getKey('a');
    assert.equal(fake.calls.length, 1);
  });

  test('an unknown kid refetches, at most once per cacheMissRefetchMs (rotation)', async () => {
    let now = 1_000_000;
    const fake = fakeFetch({ keys: [privateJwk('old')] }, { keys: [privateJwk('old'), privateJwk('new')] });
    const store = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks', cacheMissRefetchMs: 60_000 },
      { fetchJwks: fake.fetchJwks, now: () => now },
    );
    assert.ok(await store.getKey('old'));
    assert.equal(await store.getKey('new'), null, 'too soon after the first fetch');
    assert.equal(fake.calls.length, 1);
    now += 60_000;
    assert.ok(await store.getKey('new'));
    assert.equal(fake.calls.length, 2);
  });

  test('the set is refetched after cacheTimeoutMs', async () => {
    let now = 0;
    const fake = fakeFetch({ keys: [privateJwk('a')] });
    const store = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks', cacheTimeoutMs: 10_000, cacheMissRefetchMs: 1_000 },
      { fetchJwks: fake.fetchJwks, now: () => now },
    );
    await store.getKey('a');
    now += 9_999;
    await store.getKey('a');
    assert.equal(fake.calls.length, 1);
    now += 1;
    await store.getKey('a');
    assert.equal(fake.calls.length, 2);
  });

  test('a failed first fetch is TG_SECRET_STORE_FAILED; a failed refresh keeps the older set', async () => {
    let now = 0;
    const failing = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks' },
      { fetchJwks: fakeFetch(new Error('connect ECONNREFUSED')).fetchJwks },
    );
    await assert.rejects(
      failing.getKey('a'),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_STORE_FAILED',
    );

    const fake = fakeFetch({ keys: [privateJwk('a')] }, new Error('down'));
    const store = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks', cacheTimeoutMs: 1_000, cacheMissRefetchMs: 1_000 },
      { fetchJwks: fake.fetchJwks, now: () => now },
    );
    assert.ok(await store.getKey('a'));
    now += 5_000;
    assert.ok(await store.getKey('a'));
    assert.equal(fake.calls.length, 2);
  });

  test('a fetched document that is not a JWK Set is an error; unusable keys in it are skipped', async () => {
    const notASet = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks' },
      { fetchJwks: fakeFetch({ nope: true }).fetchJwks },
    );
    await assert.rejects(notASet.getKey('a'), TollgateError);

    const mixed = new JwkSetSecretStore(
      { jwkUrl: 'https://as.example/jwks' },
      { fetchJwks: fakeFetch({ keys: [{ kty: 'AKP', kid: 'pq' }, privateJwk('a')] }).fetchJwks },
    );
    assert.ok(await mixed.getKey('a'));
    assert.equal(await mixed.getKey('pq'), null);
  });
});
