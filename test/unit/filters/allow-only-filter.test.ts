import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { testExchange } from '../../fixtures/exchange.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const allowOnly = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>(
    [
      { name: 'Teapot', type: 'StaticResponseHandler', config: { status: 418 } },
      { name: 'f', type: 'AllowOnlyFilter', config },
    ],
    'f',
    'Filter',
  );

const statusOf = async (
  filter: Filter,
  init: { method?: string; url?: string; headers?: Record<string, string>; remoteAddress?: string },
): Promise<number> =>
  (await run(filter, testExchange({ method: 'GET', url: 'http://gateway.test/api', ...init }))).response
    .status;

describe('AllowOnlyFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'AllowOnlyFilter', config }]);

  test('rules is required; bad addresses, ports and patterns are each pointed at', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/rules`]);
    assert.deepEqual(
      errorsOf({
        rules: [
          { from: [{ ip: { list: ['10.0.0.0/8', '10.0.0.0/33', 'nope'] } }] },
          { destination: [{ ports: ['80', '200:100'], paths: ['(unclosed'] }] },
        ],
      }),
      [
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rules/0/from/0/ip/list/1`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rules/0/from/0/ip/list/2`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rules/1/destination/0/ports/1`,
        `TG_CONFIG_BAD_REGEX ${FILE}#/heap/0/config/rules/1/destination/0/paths/0`,
      ],
    );
  });

  test('a certificate rule is refused at its pointer: no listener asks clients for certificates', () => {
    assert.deepEqual(
      errorsOf({
        rules: [{ from: [{ certificate: { subjectDNs: ['CN=app.example.com'] } }] }],
      }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rules/0/from/0/certificate`],
    );
  });
});

describe('AllowOnlyFilter', () => {
  test('a request from a listed address passes; others get 401 with an empty body', async () => {
    const filter = allowOnly({ rules: [{ from: [{ ip: { list: ['10.1.0.0/16', '2001:db8::/32'] } }] }] });
    assert.equal(await statusOf(filter, { remoteAddress: '10.1.2.3' }), 200);
    assert.equal(
      await statusOf(filter, { remoteAddress: '::ffff:10.1.2.3' }),
      200,
      'v4-mapped v6 matches v4',
    );
    assert.equal(await statusOf(filter, { remoteAddress: '2001:db8::7' }), 200);
    const refused = await run(
      filter,
      testExchange({ method: 'GET', url: 'http://gateway.test/', remoteAddress: '10.2.0.1' }),
    );
    assert.deepEqual([refused.response.status, refused.body], [401, '']);
  });

  test('the client IP is the last hop of Forwarded, else of X-Forwarded-For, else the socket', async () => {
    const filter = allowOnly({ rules: [{ from: [{ ip: { list: ['192.0.2.0/24'] } }] }] });
    const remoteAddress = '198.51.100.1';
    assert.equal(
      await statusOf(filter, {
        remoteAddress,
        headers: {
          Forwarded: 'for=198.51.100.9, for="192.0.2.60:4711";proto=http',
          'X-Forwarded-For': '198.51.100.2',
        },
      }),
      200,
    );
    assert.equal(
      await statusOf(filter, { remoteAddress, headers: { Forwarded: 'for=192.0.2.1, for=198.51.100.9' } }),
      401,
    );
    assert.equal(
      await statusOf(filter, { remoteAddress, headers: { 'X-Forwarded-For': '198.51.100.7, 192.0.2.8' } }),
      200,
    );
    assert.equal(await statusOf(filter, { remoteAddress: '192.0.2.5' }), 200);
  });

  test('a resolver expression names the address instead', async () => {
    const filter = allowOnly({
      rules: [
        { from: [{ ip: { list: ['203.0.113.0/24'], resolver: "${request.headers['X-Real-IP'][0]}" } }] },
      ],
    });
    assert.equal(await statusOf(filter, { headers: { 'X-Real-IP': '203.0.113.4' } }), 200);
    assert.equal(await statusOf(filter, {}), 401);
  });

  test('every criterion of a destination must hold: hosts (any case), ports, methods and paths', async () => {
    const filter = allowOnly({
      rules: [
        {
          destination: [
            {
              hosts: ['api\\.example\\.com'],
              ports: ['443', '8000:8999'],
              methods: ['GET'],
              paths: ['/public/.*'],
            },
          ],
        },
      ],
    });
    assert.equal(await statusOf(filter, { url: 'https://API.example.com/public/x' }), 200);
    assert.equal(await statusOf(filter, { url: 'http://api.example.com:8080/public/x' }), 200);
    assert.equal(
      await statusOf(filter, { url: 'http://api.example.com/public/x' }),
      401,
      'port 80 is not listed',
    );
    assert.equal(
      await statusOf(filter, { url: 'https://api.example.com/Public/x' }),
      401,
      'paths are case-sensitive',
    );
    assert.equal(await statusOf(filter, { url: 'https://api.example.com/public/x', method: 'POST' }), 401);
    assert.equal(
      await statusOf(filter, { url: 'https://api.example.com.evil/public/x' }),
      401,
      'hosts match whole',
    );
  });

  test('any rule may match; within a rule, from, destination and when must all hold; failureHandler answers otherwise', async () => {
    const next = recordingNext();
    const filter = allowOnly({
      rules: [
        { from: [{ ip: { list: ['10.0.0.1'] } }], when: "${request.headers['X-Ok'][0] == 'yes'}" },
        { destination: [{ methods: ['OPTIONS'] }] },
      ],
      failureHandler: 'Teapot',
    });
    const exchange = (init: { method?: string; headers?: Record<string, string> }) =>
      testExchange({ method: 'GET', url: 'http://gateway.test/', remoteAddress: '10.0.0.1', ...init });
    assert.equal((await run(filter, exchange({ headers: { 'X-Ok': 'yes' } }), next)).response.status, 200);
    assert.equal((await run(filter, exchange({}), next)).response.status, 418);
    assert.equal((await run(filter, exchange({ method: 'OPTIONS' }), next)).response.status, 200);
    assert.equal(next.calls.length, 2);
  });
});
