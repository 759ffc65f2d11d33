import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const TYPE = 'ClientSecretPostAuthenticationFilter';
const config = {
  clientId: 'svc',
  clientSecretId: 'client.secret.id',
  secretsProvider: { type: 'SystemAndEnvSecretStore' },
};

function postFilter() {
  const h = harness({ env: { CLIENT_SECRET_ID: b64('p&ss=word') } });
  return { h, filter: h.build<Filter>([{ name: 'f', type: TYPE, config }], 'f', 'Filter') };
}

describe('ClientSecretPostAuthenticationFilter config errors carry a code and a pointer', () => {
  const errorsOf = (extra: Record<string, unknown>): string[] =>
    harness().errorsOf([{ name: 'f', type: TYPE, config: { ...config, ...extra } }]);

  test('a secret id that gives nothing, a secretsProvider that is not a store', () => {
    assert.deepEqual(errorsOf({ clientSecretId: "${env['NO_SUCH_ID']}" }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/clientSecretId`,
    ]);
    assert.deepEqual(errorsOf({ secretsProvider: 42 }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(errorsOf({ secretsProvider: ['ReverseProxyHandler'] }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/secretsProvider/0`,
    ]);
  });
});

describe('ClientSecretPostAuthenticationFilter', () => {
  test('a request with no body gets a form of its own, with its type and length', async () => {
    const { h, filter } = postFilter();
    const next = recordingNext();
    await run(filter, h.incoming({ method: 'POST' }), next);
    const { headers, entity } = next.calls[0]!.request;
    assert.equal(entity.string, 'client_id=svc&client_secret=p%26ss%3Dword');
    assert.equal(headers.first('Content-Type'), 'application/x-www-form-urlencoded');
    assert.equal(headers.first('Content-Length'), String(entity.length));
  });

  test('a streamed form is read, and sent on with its new length instead of chunked', async () => {
    const { h, filter } = postFilter();
    const exchange = h.incoming({
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
        'Transfer-Encoding': 'chunked',
      },
    });
    exchange.request.entity.set(
      Readable.from([Buffer.from('grant_type=client_'), Buffer.from('credentials')]),
    );
    const next = recordingNext();
    await run(filter, exchange, next);
    const { headers, entity } = next.calls[0]!.request;
    assert.deepEqual(
      [...new URLSearchParams(entity.string!)],
      [
        ['grant_type', 'client_credentials'],
        ['client_id', 'svc'],
        ['client_secret', 'p&ss=word'],
      ],
    );
    assert.equal(headers.has('Transfer-Encoding'), false);
    assert.equal(headers.first('Content-Length'), String(Buffer.byteLength(entity.string!)));
    assert.equal(headers.first('Content-Type'), 'application/x-www-form-urlencoded');
  });

  test("a body larger than the gateway's limit is refused with TG_REQUEST_ENTITY_TOO_LARGE", async () => {
    const { h, filter } = postFilter();
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    exchange.request.entity.set(Readable.from([Buffer.alloc(exchange.maxEntityBytes + 1, 'a')]));
    const next = recordingNext();
    await assert.rejects(run(filter, exchange, next), { code: 'TG_REQUEST_ENTITY_TOO_LARGE' });
    assert.equal(next.calls.length, 0);
  });
});
