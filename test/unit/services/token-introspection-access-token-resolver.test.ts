import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessTokenResolver } from '../../../src/oauth2/access-token.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { FILE, harness, json } from '../filters/harness.js';

const resolverHeap = (config: Record<string, unknown>, extra: unknown[] = []): unknown[] => [
  { name: 'r', type: 'TokenIntrospectionAccessTokenResolver', config },
  { name: 'Stub', type: 'Stub' },
  ...extra,
];

describe('TokenIntrospectionAccessTokenResolver', () => {
  test('POSTs the token to the endpoint through the providerHandler, with its filters', async () => {
    const h = harness({
      respond: () => json(200, { active: true, scope: 'a' }),
      env: { S: Buffer.from('password').toString('base64') },
    });
    const resolver = h.build<AccessTokenResolver>(
      resolverHeap(
        {
          endpoint: 'http://as.test/introspect',
          providerHandler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ClientSecretBasicAuthenticationFilter',
                  config: { clientId: 'ig_agent', clientSecretId: 's', secretsProvider: 'Env' },
                },
              ],
              handler: 'Stub',
            },
          },
        },
        [{ name: 'Env', type: 'SystemAndEnvSecretStore' }],
      ),
      'r',
      'AccessTokenResolver',
    );
    const resolution = await resolver.resolve('tok', h.incoming());
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token.scopes, ['a']);
    const [seen] = h.seen;
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.uri, 'http://as.test/introspect');
    assert.equal(seen?.form.get('token'), 'tok');
    assert.equal(
      seen?.headers.first('authorization'),
      `Basic ${Buffer.from('ig_agent:password').toString('base64')}`,
    );
  });

  test('amService gives the introspection endpoint derived from its url and realm', async () => {
    const h = harness({ respond: () => json(200, { active: false }) });
    const resolver = h.build<AccessTokenResolver>(
      resolverHeap({ amService: 'AM', providerHandler: 'Stub' }, [
        { name: 'AM', type: 'AmService', config: { url: 'http://am.test/openam', realm: '/alpha' } },
      ]),
      'r',
      'AccessTokenResolver',
    );
    assert.equal((await resolver.resolve('t', h.incoming())).valid, false);
    assert.equal(h.seen[0]?.uri, 'http://am.test/openam/oauth2/realms/root/realms/alpha/introspect');
  });

  test('a handler that fails is a resolver failure naming the endpoint', async () => {
    const h = harness({
      respond: () => {
        throw new TollgateError('TG_UPSTREAM_UNREACHABLE', 'connect ECONNREFUSED');
      },
    });
    const resolver = h.build<AccessTokenResolver>(
      resolverHeap({ endpoint: 'http://as.test/i', providerHandler: 'Stub' }),
      'r',
      'AccessTokenResolver',
    );
    await assert.rejects(
      resolver.resolve('t', h.incoming()),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_OAUTH2_RESOLVER_FAILED' &&
        /http:\/\/as\.test\/i TG_UPSTREAM_UNREACHABLE/.test(error.detail ?? ''),
    );
  });

  test('needs amService or endpoint; endpoint must be http(s)', () => {
    assert.deepEqual(harness().errorsOf(resolverHeap({})), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/amService`,
    ]);
    assert.deepEqual(harness().errorsOf(resolverHeap({ endpoint: 'ftp://x/' })), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/endpoint`,
    ]);
  });
});
