import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';

describe('Base64EncodedSecretStore', () => {
  test('decodes its configured secrets', async () => {
    const store = new Base64EncodedSecretStore({ secrets: { 'client.secret': 'cGFzc3dvcmQ=' } });
    assert.equal((await store.get('client.secret'))?.revealText(), 'password');
    assert.equal(await store.get('other'), null);
    assert.equal(await store.get('constructor'), null);
    assert.equal(await store.get('toString'), null);
  });

  test('a bad value fails at construction, naming the id and not the value', () => {
    assert.throws(
      () => new Base64EncodedSecretStore({ secrets: { good: 'Zm9v', 'bad.one': 'sec*ret' } }),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_SECRET_BAD_FORMAT' &&
        error.message.includes('bad.one') &&
        !error.message.includes('sec*ret'),
    );
  });

  test('a value that is not a string fails at construction', () => {
    assert.throws(
      () => new Base64EncodedSecretStore({ secrets: { n: 42 as unknown as string } }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_BAD_FORMAT',
    );
  });
});
