import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { envVarName, SystemAndEnvSecretStore } from '../../../src/secrets/system-and-env-secret-store.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('SystemAndEnvSecretStore', () => {
  test('the env var name is the id upper-cased with . → _', () => {
    assert.equal(envVarName('client.secret.id'), 'CLIENT_SECRET_ID');
    assert.equal(envVarName('agent.Secret-1'), 'AGENT_SECRET-1');
  });

  test('reads BASE64 from the environment by default', async () => {
    const store = new SystemAndEnvSecretStore({}, { env: { CLIENT_SECRET_ID: b64('password') } });
    assert.equal((await store.get('client.secret.id'))?.revealText(), 'password');
  });

  test('PLAIN format keeps the value', async () => {
    const store = new SystemAndEnvSecretStore({ format: 'PLAIN' }, { env: { CLIENT_SECRET_ID: 'pa ss' } });
    assert.equal((await store.get('client.secret.id'))?.revealText(), 'pa ss');
  });

  test('mappings override the format per secret id', async () => {
    const store = new SystemAndEnvSecretStore(
      { format: 'BASE64', mappings: [{ secretId: 'plain.one', format: 'PLAIN' }] },
      { env: { PLAIN_ONE: 'raw', ENCODED_ONE: b64('decoded') } },
    );
    assert.equal((await store.get('plain.one'))?.revealText(), 'raw');
    assert.equal((await store.get('encoded.one'))?.revealText(), 'decoded');
  });

  test('the environment comes before system properties, which use the exact id', async () => {
    const store = new SystemAndEnvSecretStore(
      { format: 'PLAIN' },
      {
        env: { A_B: 'from-env' },
        systemProperties: { 'a.b': 'from-prop', 'c.d': 'prop-only', C_D: 'wrong-name' },
      },
    );
    assert.equal((await store.get('a.b'))?.revealText(), 'from-env');
    assert.equal((await store.get('c.d'))?.revealText(), 'prop-only');
  });

  test('missing, empty and inherited names are not found', async () => {
    const store = new SystemAndEnvSecretStore({ format: 'PLAIN' }, { env: { EMPTY: '' } });
    assert.equal(await store.get('missing'), null);
    assert.equal(await store.get('empty'), null);
    assert.equal(await store.get('constructor'), null);
    assert.equal(await store.get('__proto__'), null);
  });

  test('invalid base64 is TG_SECRET_BAD_FORMAT naming the id only', async () => {
    const store = new SystemAndEnvSecretStore({}, { env: { BAD: 'not*base64' } });
    await assert.rejects(
      store.get('bad'),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_SECRET_BAD_FORMAT' &&
        error.message.includes("'bad'") &&
        !error.message.includes('not*base64'),
    );
  });

  test('an unknown format is refused at construction', () => {
    assert.throws(
      () => new SystemAndEnvSecretStore({ format: 'HEX' as never }, { env: {} }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_VALUE',
    );
  });

  test('getKey reads a PEM key held in an env var', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const store = new SystemAndEnvSecretStore({}, { env: { SIGNING_KEY: b64(pem) } });
    const key = await store.getKey('signing.key');
    assert.equal((key?.key as KeyObject).type, 'private');
    assert.equal((key?.key as KeyObject).asymmetricKeyType, 'ec');
    assert.equal(key?.kid, undefined);
    assert.equal(await store.getKey('absent'), null);
  });

  test('getKey on a value that is not a key is TG_SECRET_NOT_A_KEY without the value', async () => {
    const store = new SystemAndEnvSecretStore(
      { format: 'PLAIN' },
      { env: { NOT_KEY: '{"kty":"nope-secret"}' } },
    );
    await assert.rejects(
      store.getKey('not.key'),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_SECRET_NOT_A_KEY' &&
        !error.message.includes('nope-secret') &&
        !String(error.cause ?? '').includes('nope-secret'),
    );
  });
});
