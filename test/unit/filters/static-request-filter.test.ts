import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const staticRequest = (config: unknown, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'StaticRequestFilter', config }], 'f', 'Filter');

describe('StaticRequestFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'StaticRequestFilter', config }]);

  test('method and uri are required; a bad method, a bad expression and a POST with form and entity are refused', () => {
    assert.deepEqual(errorsOf({}), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/method`,
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/uri`,
    ]);
    assert.deepEqual(errorsOf({ method: 'GE T', uri: '${request.uri' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/method`,
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/uri`,
    ]);
    assert.deepEqual(errorsOf({ method: 'POST', uri: 'http://a/', form: { a: ['1'] }, entity: 'x' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/entity`,
    ]);
  });
});

describe('StaticRequestFilter', () => {
  test('a POST with a form sends the form as the urlencoded body, in place of the request', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = staticRequest(
      {
        method: 'POST',
        uri: 'http://app.example.com:8081/login',
        headers: { 'X-From': ['${request.method}'] },
        form: { username: ['${request.headers["X-User"][0]}'], password: ['p&ss word'], none: ['${null}'] },
      },
      h,
    );
    await run(
      filter,
      h.incoming({ method: 'GET', url: 'http://gw/start?x=1', headers: { 'X-User': 'demo', Cookie: 'a=b' } }),
      next,
    );
    const sent = next.calls[0]!.request;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.uri.toString(), 'http://app.example.com:8081/login');
    assert.deepEqual(sent.headers.get('X-From'), ['GET']);
    assert.deepEqual(sent.headers.get('Content-Type'), ['application/x-www-form-urlencoded']);
    assert.equal(sent.headers.has('Cookie'), false, 'the new request has only its own headers');
    await sent.entity.load(1024, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(sent.entity.string, 'username=demo&password=p%26ss+word');
  });

  test('any other method adds the form to the query; an entity is sent as it is', async () => {
    const h = harness();
    const next = recordingNext();
    await run(
      staticRequest({ method: 'GET', uri: 'http://app/search?q=1', form: { page: ['2'] } }, h),
      h.incoming(),
      next,
    );
    assert.equal(next.calls[0]!.request.uri.toString(), 'http://app/search?q=1&page=2');
    const put = recordingNext();
    await run(
      staticRequest(
        {
          method: 'PUT',
          uri: 'http://app/doc',
          entity: '{"from": "${request.method}"}',
          version: 'HTTP/1.0',
        },
        h,
      ),
      h.incoming(),
      put,
    );
    const sent = put.calls[0]!.request;
    await sent.entity.load(1024, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.deepEqual(
      [sent.method, sent.version, sent.entity.string],
      ['PUT', 'HTTP/1.0', '{"from": "POST"}'],
    );
  });

  test('a uri that evaluates to no absolute URI is a logged 500, and nothing is sent', async () => {
    const h = harness();
    const next = recordingNext();
    const { response } = await run(
      staticRequest({ method: 'GET', uri: '${request.headers["X-Missing"][0]}' }, h),
      h.incoming(),
      next,
    );
    assert.equal(response.status, 500);
    assert.equal(next.calls.length, 0);
    assert.ok(h.logs.some((line) => line.code === 'TG_REQUEST_URI_INVALID'));
  });
});
