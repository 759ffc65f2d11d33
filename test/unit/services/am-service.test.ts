import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AmService, deriveAmEndpoints } from '../../../src/services/am-service.js';
import { FILE, harness } from '../filters/harness.js';

describe('AmService endpoint derivation', () => {
  const table: [url: string, realm: string, base: string][] = [
    ['http://am.example.com:8088/openam/', '/', 'http://am.example.com:8088/openam/oauth2/realms/root'],
    ['http://am.example.com:8088/openam', '/', 'http://am.example.com:8088/openam/oauth2/realms/root'],
    ['https://am.example.com', '/', 'https://am.example.com/oauth2/realms/root'],
    [
      'https://tenant.example.com/am',
      '/alpha',
      'https://tenant.example.com/am/oauth2/realms/root/realms/alpha',
    ],
    [
      'https://tenant.example.com/am/',
      'alpha',
      'https://tenant.example.com/am/oauth2/realms/root/realms/alpha',
    ],
    [
      'https://tenant.example.com/am/',
      '/alpha/',
      'https://tenant.example.com/am/oauth2/realms/root/realms/alpha',
    ],
    ['http://am/openam/', '/a/b', 'http://am/openam/oauth2/realms/root/realms/a/realms/b'],
    ['http://am/openam/', '/my realm', 'http://am/openam/oauth2/realms/root/realms/my%20realm'],
    ['http://am/openam/', '', 'http://am/openam/oauth2/realms/root'],
  ];
  for (const [url, realm, base] of table) {
    test(`${url} + ${JSON.stringify(realm)}`, () => {
      const endpoints = deriveAmEndpoints(url, realm);
      assert.equal(endpoints?.tokenEndpoint, `${base}/access_token`);
      assert.equal(endpoints?.introspectionEndpoint, `${base}/introspect`);
      assert.ok(endpoints.url.endsWith('/'));
    });
  }

  test('unusable URLs and realms', () => {
    assert.equal(deriveAmEndpoints('am.example.com/openam', '/'), undefined);
    assert.equal(deriveAmEndpoints('ftp://am.example.com/openam', '/'), undefined);
    assert.equal(deriveAmEndpoints('http://am/openam?x=1', '/'), undefined);
    assert.equal(deriveAmEndpoints('http://am/openam#top', '/'), undefined);
    assert.equal(deriveAmEndpoints('http://am/openam/', '/a//b'), undefined);
    assert.equal(deriveAmEndpoints('http://am/openam/', '/a/../b'), undefined);
  });
});

describe('AmService heap type', () => {
  test("the seed's declaration builds without calling AM", () => {
    const h = harness({ env: { AGENT_SECRET_ID: 'cGFzc3dvcmQ=' } });
    const service = h.build<AmService>(
      [
        { name: 'SystemAndEnvSecretStore-1', type: 'SystemAndEnvSecretStore' },
        {
          name: 'AmService-1',
          type: 'AmService',
          config: {
            agent: { username: 'ig_agent', passwordSecretId: 'agent.secret.id' },
            secretsProvider: 'SystemAndEnvSecretStore-1',
            url: 'http://am.example.com:8088/openam/',
          },
        },
      ],
      'AmService-1',
      'Service',
    );
    assert.ok(service instanceof AmService);
    assert.equal(service.realm, '/');
    assert.equal(service.tokenEndpoint, 'http://am.example.com:8088/openam/oauth2/realms/root/access_token');
    assert.deepEqual(service.agent, { username: 'ig_agent', passwordSecretId: 'agent.secret.id' });
  });

  test('config errors', () => {
    const errorsOf = (config: Record<string, unknown>): string[] =>
      harness().errorsOf([{ name: 'am', type: 'AmService', config }]);
    assert.deepEqual(errorsOf({ realm: '/alpha' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/url`,
    ]);
    assert.deepEqual(errorsOf({ url: 'http://am/openam', realm: '/a//b' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/realm`,
    ]);
    assert.deepEqual(errorsOf({ url: 'am/openam' }), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/url`]);
    assert.deepEqual(errorsOf({ url: 'http://am/openam', agent: { username: 'a', passwordSecretId: 'p' } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(errorsOf({ url: 'http://am/openam', reaml: '/' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/reaml`,
    ]);
  });

  test("PingGateway's session and notification keys are accepted and reported as ignored", () => {
    const h = harness();
    h.build<AmService>(
      [
        {
          name: 'am',
          type: 'AmService',
          config: { url: 'http://am/openam', notifications: { enabled: false } },
        },
      ],
      'am',
      'Service',
    );
    assert.ok(h.logs.some((line) => /"notifications" is not implemented/.test(line.msg)));
  });
});
