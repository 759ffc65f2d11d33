import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProxyChoice } from '../../../src/services/proxy-options.js';
import { FILE, harness } from '../filters/harness.js';

const choiceOf = (entry: Record<string, unknown>, env: Record<string, string> = {}): ProxyChoice =>
  harness({ env }).build<ProxyChoice>([{ name: 'p', ...entry }], 'p', 'ProxyOptions');

describe('the ProxyOptions types', () => {
  test('NoProxyOptions goes direct, SystemProxyOptions asks the environment, and ProxyOptions is NoProxyOptions', async () => {
    assert.deepEqual(await choiceOf({ type: 'NoProxyOptions' }).load(), { kind: 'none' });
    assert.deepEqual(await choiceOf({ type: 'SystemProxyOptions' }).load(), { kind: 'system' });
    const byDefault = harness().build<ProxyChoice>([], 'ProxyOptions', 'ProxyOptions');
    assert.deepEqual(await byDefault.load(), { kind: 'none' });
  });

  test('CustomProxyOptions sends Basic credentials, the password read from its secrets provider', async () => {
    const choice = choiceOf(
      {
        type: 'CustomProxyOptions',
        config: {
          uri: 'http://proxy.test:3128',
          username: 'gate',
          passwordSecretId: 'proxy.password',
          secretsProvider: { type: 'SystemAndEnvSecretStore', config: { format: 'PLAIN' } },
        },
      },
      { PROXY_PASSWORD: 'pa:ss' },
    );
    assert.deepEqual(await choice.load(), {
      kind: 'custom',
      uri: 'http://proxy.test:3128',
      authorization: `Basic ${Buffer.from('gate:pa:ss').toString('base64')}`,
    });
    assert.deepEqual(
      await choiceOf({ type: 'CustomProxyOptions', config: { uri: 'https://proxy.test' } }).load(),
      {
        kind: 'custom',
        uri: 'https://proxy.test',
      },
    );
  });

  test('config errors carry a code and a pointer', () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 'p', type: 'CustomProxyOptions', config }]);
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/uri`]);
    assert.deepEqual(errorsOf({ uri: 'proxy.test:3128' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/uri`,
    ]);
    assert.deepEqual(errorsOf({ uri: 'http://p', passwordSecretId: 'x', username: 'u' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(errorsOf({ uri: 'http://p', password: 'x' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/password`,
    ]);
  });
});
