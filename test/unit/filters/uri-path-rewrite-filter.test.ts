import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const rewrite = (config: unknown, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'UriPathRewriteFilter', config }], 'f', 'Filter');

/** A next handler that records the path it got and answers a redirect to `location`. */
function redirecting(location: string): Handler & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async handle(exchange) {
      paths.push(exchange.request.uri.pathAndQuery);
      return new Response({
        status: 302,
        headers: Headers.fromRecord({ Location: [location] }),
        entity: new Entity(''),
      });
    },
  };
}

describe('UriPathRewriteFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'UriPathRewriteFilter', config }]);

  test('mappings are required, not empty, and map to paths that are not empty', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/mappings`]);
    assert.equal(errorsOf({ mappings: {} }).length, 1);
    assert.deepEqual(errorsOf({ mappings: { '/a': '' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/mappings/~1a`,
    ]);
  });
});

describe('UriPathRewriteFilter', () => {
  test('the most specific mapping rewrites the path, whole segments only, the query kept', async () => {
    const h = harness();
    const filter = rewrite(
      { mappings: { '/api': '/v1', '/api/admin/': '/internal/admin', '/': '/root' } },
      h,
    );
    const paths: string[] = [];
    const next = recordingNext();
    for (const url of [
      'http://gw/api/users?q=1',
      'http://gw/api/admin/x',
      'http://gw/apiary',
      'http://gw/api',
    ]) {
      await run(filter, h.incoming({ url }), next);
      paths.push(next.calls.at(-1)!.request.uri.pathAndQuery);
    }
    assert.deepEqual(paths, ['/v1/users?q=1', '/internal/admin/x', '/root/apiary', '/v1']);
  });

  test('a Location into a `to` path, relative or on the application’s origin, points back under its `from` path', async () => {
    const h = harness();
    const filter = rewrite({ mappings: { '/mylogin': '/login' } }, h);
    const relative = await run(
      filter,
      h.incoming({ url: 'http://app:8081/mylogin/start' }),
      redirecting('/login/done?x=1'),
    );
    assert.equal(relative.response.headers.first('Location'), '/mylogin/done?x=1');
    const absolute = await run(
      filter,
      h.incoming({ url: 'http://app:8081/mylogin' }),
      redirecting('http://app:8081/login/next'),
    );
    assert.equal(absolute.response.headers.first('Location'), 'http://app:8081/mylogin/next');
    const elsewhere = await run(
      filter,
      h.incoming({ url: 'http://app:8081/mylogin' }),
      redirecting('https://idp.example/login'),
    );
    assert.equal(elsewhere.response.headers.first('Location'), 'https://idp.example/login');
  });

  test('a mapping that gives no valid path goes to the failureHandler (500 without one), logged', async () => {
    const h = harness();
    const next = recordingNext();
    const failing = h.build<Filter>(
      [
        {
          name: 'f',
          type: 'UriPathRewriteFilter',
          config: { mappings: { '/badurl': '[' }, failureHandler: 'Oops' },
        },
        {
          name: 'Oops',
          type: 'StaticResponseHandler',
          config: { status: 500, entity: 'Invalid URL produced' },
        },
      ],
      'f',
      'Filter',
    );
    const { response, body } = await run(failing, h.incoming({ url: 'http://gw/badurl/x' }), next);
    assert.deepEqual([response.status, body, next.calls.length], [500, 'Invalid URL produced', 0]);
    assert.ok(h.logs.some((line) => line.code === 'TG_PATH_REWRITE_INVALID'));
    assert.equal(
      (await run(rewrite({ mappings: { '/b': '/a b' } }, h), h.incoming({ url: 'http://gw/b' }), next))
        .response.status,
      500,
    );
  });
});
