import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Entity } from '../../../src/http/entity.js';
import { Response } from '../../../src/http/message.js';
import type { Filter, Handler } from '../../../src/heap/types.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { FILE, harness, json, run } from './harness.js';

const TYPE = 'ClientCredentialsOAuth2ClientFilter';
const config = {
  secretsProvider: { type: 'SystemAndEnvSecretStore' },
  tokenEndpoint: 'http://as.test/oauth2/access_token',
  scopes: ['mail', 'profile'],
  endpointHandler: 'Stub',
};

/** A filter whose token endpoint hands out tok-1, tok-2… living `expiresIn` seconds. */
function setup(extra: Record<string, unknown> = {}, expiresIn: number | undefined = 3600) {
  let issued = 0;
  const h = harness({
    env: { CLIENT_SECRET: Buffer.from('s3cret').toString('base64') },
    respond: () =>
      json(200, { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: expiresIn }),
  });
  const filter = h.build<Filter>(
    [
      { name: 'Stub', type: 'Stub' },
      { name: 'f', type: TYPE, config: { ...config, ...extra } },
    ],
    'f',
    'Filter',
  );
  return { h, filter };
}

/** A backend that answers 401 to the tokens in `refused` and records the Authorization it saw. */
function backend(refused: readonly string[] = []): Handler & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async handle(exchange: Exchange) {
      const authorization = exchange.request.headers.first('Authorization') ?? '';
      seen.push(authorization);
      const status = refused.some((token) => authorization === `Bearer ${token}`) ? 401 : 200;
      return new Response({ status, entity: new Entity('backend') });
    },
  };
}

describe('ClientCredentialsOAuth2ClientFilter', () => {
  test('asks for a client_credentials token with the scopes and sends it on as a Bearer', async () => {
    const { h, filter } = setup();
    const next = backend();
    const { response } = await run(filter, h.incoming({ method: 'GET' }), next);
    assert.equal(response.status, 200);
    assert.deepEqual(next.seen, ['Bearer tok-1']);
    assert.equal(h.seen.length, 1);
    assert.equal(h.seen[0]!.method, 'POST');
    assert.equal(h.seen[0]!.uri, 'http://as.test/oauth2/access_token');
    assert.deepEqual(Object.fromEntries(h.seen[0]!.form), {
      grant_type: 'client_credentials',
      scope: 'mail profile',
    });
    assert.equal(h.seen[0]!.headers.first('Authorization'), undefined);
  });

  test('concurrent requests share one token request, and later ones reuse the token', async () => {
    const { h, filter } = setup();
    const next = backend();
    await Promise.all(Array.from({ length: 5 }, () => run(filter, h.incoming({ method: 'GET' }), next)));
    await run(filter, h.incoming({ method: 'GET' }), next);
    assert.equal(h.seen.length, 1);
    assert.deepEqual(new Set(next.seen), new Set(['Bearer tok-1']));
  });

  test('a token is renewed before it expires', async () => {
    const { h, filter } = setup({}, 1);
    const next = backend();
    await run(filter, h.incoming({ method: 'GET' }), next);
    await sleep(600);
    await run(filter, h.incoming({ method: 'GET' }), next);
    assert.deepEqual(next.seen, ['Bearer tok-1', 'Bearer tok-2']);
  });

  test('a 401 from the backend renews the token once and sends the request again', async () => {
    const { h, filter } = setup();
    const next = backend(['tok-1']);
    const { response } = await run(filter, h.incoming({ method: 'GET' }), next);
    assert.equal(response.status, 200);
    assert.deepEqual(next.seen, ['Bearer tok-1', 'Bearer tok-2']);

    const refusing = backend(['tok-2', 'tok-3']);
    const refused = await run(filter, h.incoming({ method: 'GET' }), refusing);
    assert.equal(refused.response.status, 401, 'only once');
    assert.deepEqual(refusing.seen, ['Bearer tok-2', 'Bearer tok-3']);
  });

  test('the deprecated clientId and clientSecretId authenticate with client_secret_basic', async () => {
    const { h, filter } = setup({ clientId: 'app', clientSecretId: 'client.secret' });
    await run(filter, h.incoming({ method: 'GET' }), backend());
    assert.equal(
      h.seen[0]!.headers.first('Authorization'),
      `Basic ${Buffer.from('app:s3cret').toString('base64')}`,
    );
  });

  test('a refusal from the token endpoint fails the request with TG_OAUTH2_CLIENT_CREDENTIALS', async () => {
    const h = harness({ respond: () => json(401, { error: 'invalid_client' }) });
    const filter = h.build<Filter>(
      [
        { name: 'Stub', type: 'Stub' },
        { name: 'f', type: TYPE, config },
      ],
      'f',
      'Filter',
    );
    const next = backend();
    await assert.rejects(filter.filter(h.incoming({ method: 'GET' }), next), {
      code: 'TG_OAUTH2_CLIENT_CREDENTIALS',
      message: /401 \(invalid_client\)/,
    });
    assert.equal(next.seen.length, 0);
  });

  test('config errors carry a code and a pointer', () => {
    const errorsOf = (c: Record<string, unknown>): string[] =>
      harness().errorsOf([
        { name: 'Stub', type: 'Stub' },
        { name: 'f', type: TYPE, config: c },
      ]);
    assert.deepEqual(errorsOf({}), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/1/config/secretsProvider`,
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/1/config/tokenEndpoint`,
    ]);
    assert.deepEqual(errorsOf({ ...config, tokenEndpoint: 'as.test' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/1/config/tokenEndpoint`,
    ]);
    assert.deepEqual(errorsOf({ ...config, clientId: 'app' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/1/config/clientSecretId`,
    ]);
  });
});
