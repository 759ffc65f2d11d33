import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { JwkSetSecretStore } from '../../../src/secrets/jwk-set-secret-store.js';
import { Secret, type SecretStore } from '../../../src/secrets/secret.js';
import { SecretsProvider } from '../../../src/secrets/secrets-provider.js';
import { SystemAndEnvSecretStore } from '../../../src/secrets/system-and-env-secret-store.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('SecretsProvider', () => {
  test('asks stores in declared order; the first match wins', async () => {
    const asked: string[] = [];
    const spy = (name: string, value: string | null): SecretStore => ({
      name,
      async get(): Promise<Secret | null> {
        asked.push(name);
        return value === null ? null : Secret.fromText(value);
      },
    });
    const provider = new SecretsProvider([spy('one', null), spy('two', 'second'), spy('three', 'third')]);
    assert.equal((await provider.getSecret('x')).revealText(), 'second');
    assert.deepEqual(asked, ['one', 'two']);
  });

  test('env before the base64 store, as declared', async () => {
    const provider = new SecretsProvider([
      new SystemAndEnvSecretStore({}, { env: { ID: b64('from-env') } }),
      new Base64EncodedSecretStore({ secrets: { id: b64('from-config'), other: b64('only-config') } }),
    ]);
    assert.equal((await provider.getSecret('id')).revealText(), 'from-env');
    assert.equal((await provider.getSecret('other')).revealText(), 'only-config');
  });

  test('no store holds it → TG_SECRET_NOT_FOUND naming the id and the stores', async () => {
    const provider = new SecretsProvider([
      new Base64EncodedSecretStore({ secrets: { present: b64('the-value') } }, 'Inline-1'),
      {
        async get() {
          return null;
        },
      },
    ]);
    await assert.rejects(
      provider.getSecret('client.secret.id'),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_SECRET_NOT_FOUND' &&
        error.message.includes("'client.secret.id'") &&
        error.message.includes('Inline-1') &&
        error.message.includes('store #2') &&
        !error.message.includes('the-value'),
    );
  });

  test('getKey skips stores without keys and finds the first key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k1' };
    const provider = new SecretsProvider([
      new Base64EncodedSecretStore({ secrets: { k1: b64('not a key') } }),
      new JwkSetSecretStore({ jwks: { keys: [jwk] } }),
    ]);
    const { key, kid } = await provider.getKey('k1');
    assert.equal('asymmetricKeyType' in key && key.asymmetricKeyType, 'ec');
    assert.equal(kid, 'k1');
    await assert.rejects(
      provider.getKey('k2'),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_NOT_FOUND',
    );
  });

  test('needs at least one store', () => {
    assert.throws(() => new SecretsProvider([]), TollgateError);
  });

  test('a found secret logged by accident shows nothing', async () => {
    const provider = new SecretsProvider([
      new Base64EncodedSecretStore({ secrets: { s: b64('top-secret') } }),
    ]);
    const secret = await provider.getSecret('s');
    for (const shown of [String(secret), JSON.stringify({ secret }), inspect({ secret }), `${secret}`]) {
      assert.equal(shown.includes('top-secret'), false);
    }
  });
});
