import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const corsFilter = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>(
    [
      { name: 'Teapot', type: 'StaticResponseHandler', config: { status: 418 } },
      { name: 'f', type: 'CorsFilter', config },
    ],
    'f',
    'Filter',
  );

const policy = {
  acceptedOrigins: ['https://app.example.com', 'http://localhost:8080/'],
  acceptedMethods: ['GET', 'PUT'],
  acceptedHeaders: ['Authorization', 'X-Custom'],
  exposedHeaders: ['X-Total'],
  maxAge: '10 minutes',
  allowCredentials: true,
};

const answering: Handler = {
  handle: async () => new Response({ status: 200, headers: Headers.fromRecord({ 'X-Total': '3' }) }),
};

describe('CorsFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'CorsFilter', config }]);

  test('policies is required; each needs acceptedOrigins', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/policies`]);
    assert.deepEqual(errorsOf({ policies: [{ acceptedMethods: ['GET'] }] }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/policies/0/acceptedOrigins`,
    ]);
  });

  test('a bad maxAge is pointed at', () => {
    assert.deepEqual(errorsOf({ policies: [{ acceptedOrigins: '*', maxAge: 'soon' }] }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/policies/0/maxAge`,
    ]);
  });
});

describe('CorsFilter', () => {
  test('a request without Origin passes untouched', async () => {
    const h = harness();
    const next = recordingNext();
    const { response } = await run(
      corsFilter({ policies: [policy] }, h),
      h.incoming({ method: 'GET' }),
      next,
    );
    assert.equal(next.calls.length, 1);
    assert.equal(response.headers.has('Access-Control-Allow-Origin'), false);
  });

  test('a preflight is answered by the gateway, with the policy’s headers', async () => {
    const h = harness();
    const next = recordingNext();
    const { response } = await run(
      corsFilter({ policies: [policy] }, h),
      h.incoming({
        method: 'OPTIONS',
        headers: {
          Origin: 'https://APP.example.com',
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'x-custom, Authorization',
        },
      }),
      next,
    );
    assert.equal(next.calls.length, 0, 'the preflight does not reach the next handler');
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Origin'), ['https://APP.example.com']);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Methods'), ['PUT']);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Headers'), ['x-custom, authorization']);
    assert.deepEqual(response.headers.get('Access-Control-Max-Age'), ['600']);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Credentials'), ['true']);
  });

  test('a preflight for a method or a header the policy does not accept is refused with 403', async () => {
    const h = harness();
    const filter = corsFilter({ policies: [policy] }, h);
    const origin = 'http://localhost:8080';
    const cases: Record<string, string>[] = [
      { Origin: origin, 'Access-Control-Request-Method': 'DELETE' },
      { Origin: origin, 'Access-Control-Request-Method': 'get' },
      { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'X-Other' },
    ];
    for (const headers of cases) {
      const { response } = await run(filter, h.incoming({ method: 'OPTIONS', headers }));
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(response.headers.has('Access-Control-Allow-Origin'), false);
    }
  });

  test('an actual request from an accepted origin reaches the handler and its response gets the headers', async () => {
    const h = harness();
    const { response } = await run(
      corsFilter({ policies: [policy] }, h),
      h.incoming({ method: 'GET', headers: { Origin: 'http://localhost:8080' } }),
      answering,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Origin'), ['http://localhost:8080']);
    assert.deepEqual(response.headers.get('Access-Control-Expose-Headers'), ['X-Total']);
    assert.deepEqual(response.headers.get('Access-Control-Allow-Credentials'), ['true']);
    assert.deepEqual(response.headers.get('Vary'), ['Origin']);
    assert.equal(response.headers.has('Access-Control-Max-Age'), false, 'only preflights carry max-age');
  });

  test('a refused origin gets the failureHandler and no CORS headers; without one, 403', async () => {
    const h = harness();
    const next = recordingNext();
    const exchange = () => h.incoming({ method: 'GET', headers: { Origin: 'https://evil.example' } });
    const refused = await run(
      corsFilter({ policies: [policy], failureHandler: 'Teapot' }, h),
      exchange(),
      next,
    );
    assert.equal(refused.response.status, 418);
    assert.equal(refused.response.headers.has('Access-Control-Allow-Origin'), false);
    assert.equal((await run(corsFilter({ policies: [policy] }, h), exchange(), next)).response.status, 403);
    assert.equal(next.calls.length, 0);
  });

  test('policies are tried in order; "*" accepts any origin, method and header; credentials default off', async () => {
    const h = harness();
    const filter = corsFilter(
      {
        policies: [
          { acceptedOrigins: ['https://a.example'], acceptedMethods: ['GET'] },
          { acceptedOrigins: '*', acceptedMethods: '*', acceptedHeaders: '*' },
        ],
      },
      h,
    );
    const preflight = (origin: string) =>
      run(
        filter,
        h.incoming({
          method: 'OPTIONS',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': 'PATCH',
            'Access-Control-Request-Headers': 'X-Any',
          },
        }),
      );
    assert.equal(
      (await preflight('https://a.example')).response.status,
      403,
      'the first matching policy decides',
    );
    const any = await preflight('https://b.example');
    assert.equal(any.response.status, 200);
    assert.deepEqual(any.response.headers.get('Access-Control-Allow-Methods'), ['PATCH']);
    assert.equal(any.response.headers.has('Access-Control-Allow-Credentials'), false);
    assert.equal(any.response.headers.has('Access-Control-Max-Age'), false);
  });

  test('the deprecated origins key is read when acceptedOrigins is absent', async () => {
    const h = harness();
    const { response } = await run(
      corsFilter({ policies: [{ origins: ['https://old.example'] }] }, h),
      h.incoming({ method: 'GET', headers: { Origin: 'https://old.example' } }),
    );
    assert.deepEqual(response.headers.get('Access-Control-Allow-Origin'), ['https://old.example']);
  });
});
