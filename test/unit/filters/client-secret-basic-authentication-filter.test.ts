import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, run } from './harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const TYPE = 'ClientSecretBasicAuthenticationFilter';
const config = {
  clientId: 'svc',
  clientSecretId: 'client.secret.id',
  secretsProvider: { type: 'SystemAndEnvSecretStore' },
};

describe('ClientSecretBasicAuthenticationFilter config errors carry a code and a pointer', () => {
  const errorsOf = (extra: Record<string, unknown>, env: Record<string, string> = {}): string[] =>
    harness({ env }).errorsOf([{ name: 'f', type: TYPE, config: { ...config, ...extra } }]);

  test('an empty id, a misspelt key', () => {
    assert.deepEqual(errorsOf({ clientId: '' }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/clientId`]);
    assert.deepEqual(errorsOf({ clientSecretID: 'x' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/clientSecretID`,
    ]);
  });

  test('ids are configuration expressions, evaluated once: one that gives nothing is refused at its key', () => {
    assert.deepEqual(errorsOf({ clientId: "${env['CLIENT_ID']}" }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/clientId`,
    ]);
    assert.deepEqual(errorsOf({ clientId: "${env['CLIENT_ID']}" }, { CLIENT_ID: 'svc' }), []);
    assert.deepEqual(errorsOf({ clientSecretId: '${null}' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/clientSecretId`,
    ]);
  });
});

describe('ClientSecretBasicAuthenticationFilter', () => {
  test("sets Authorization: Basic from the id and the store's secret, replacing the request's own", async () => {
    const h = harness({ env: { CLIENT_ID: 'svc', CLIENT_SECRET_ID: b64('password') } });
    const filter = h.build<Filter>(
      [{ name: 'f', type: TYPE, config: { ...config, clientId: "${env['CLIENT_ID']}" } }],
      'f',
      'Filter',
    );
    let authorization: readonly string[] | undefined;
    const next: Handler = {
      async handle(exchange) {
        authorization = exchange.request.headers.get('Authorization');
        return new Response({ status: 200 });
      },
    };
    await run(filter, h.incoming({ headers: { Authorization: 'Bearer the-user-token' } }), next);
    assert.deepEqual(authorization, [`Basic ${b64('svc:password')}`]);
  });

  test('leaves the body alone: a streamed one is passed on unread', async () => {
    const h = harness({ env: { CLIENT_SECRET_ID: b64('password') } });
    const filter = h.build<Filter>([{ name: 'f', type: TYPE, config }], 'f', 'Filter');
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/json' } });
    exchange.request.entity.set(Readable.from(['{"not":"a form"}']));
    let buffered: boolean | undefined;
    const next: Handler = {
      async handle(ex) {
        buffered = ex.request.entity.isBuffered;
        return new Response({ status: 200 });
      },
    };
    const { response } = await run(filter, exchange, next);
    assert.equal(response.status, 200);
    assert.equal(buffered, false);
  });
});
