import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AccessEventFields,
  accessEvent,
  accessRequest,
} from '../../../src/observability/access-audit-event.js';
import { textResponse } from '../../../src/http/message.js';
import { testExchange } from '../../fixtures/exchange.js';

const exchange = () =>
  testExchange({
    url: 'https://gateway.test/a%2Fb?x=1&id_token=abc&a%2Fb=2',
    headers: {
      'User-Agent': 'u',
      'X-Api-Key': 'k',
      'X-Session-Id': 's',
      Host: 'gateway.test',
      'X-Other': 'o',
    },
  });

describe('AccessEventFields', () => {
  test("by default, PingGateway's safelisted headers and no query parameters", () => {
    const fields = new AccessEventFields();
    assert.deepEqual(fields.headers(exchange()), { 'user-agent': ['u'], host: ['gateway.test'] });
    assert.equal(fields.queryParameters(exchange()), undefined);
  });

  test('includeIf adds headers (any case) and named query parameters, JSON-pointer escaped; credentials stay redacted', () => {
    const fields = new AccessEventFields({
      includeIf: [
        '/access/http/request/headers/X-Api-Key',
        '/access/http/request/headers/x-session-id',
        '/access/http/request/queryParameters/id_token',
        '/access/http/request/queryParameters/a~1b',
      ],
    });
    const headers = fields.headers(exchange());
    assert.deepEqual(
      [headers['x-api-key'], headers['x-session-id'], headers['x-other']],
      [['[REDACTED]'], ['[REDACTED]'], undefined],
    );
    assert.deepEqual(fields.queryParameters(exchange()), { id_token: ['[REDACTED]'], 'a/b': ['2'] });
  });

  test('all headers and all query parameters when their parent pointer is included', () => {
    const fields = new AccessEventFields({
      includeIf: ['/access/http/request/headers', '/access/http/request/queryParameters'],
    });
    assert.equal(fields.headers(exchange())['x-other']?.[0], 'o');
    assert.deepEqual(Object.keys(fields.queryParameters(exchange()) ?? {}), ['x', 'id_token', 'a/b']);
  });

  test('excludeIf removes fields below /access, nested or not; a pointer elsewhere or to nothing changes nothing', () => {
    const fields = new AccessEventFields({
      excludeIf: ['/access/client', '/access/http/request/headers/host', '/access/no/such', '/other/ig'],
    });
    const incoming = exchange();
    const event = accessEvent(
      incoming,
      accessRequest(incoming, fields),
      textResponse(404),
      { id: 'r', name: 'r' },
      fields,
    );
    assert.equal(event.client, undefined);
    assert.deepEqual((event.http as { request: { headers: unknown } }).request.headers, {
      'user-agent': ['u'],
    });
    assert.deepEqual(event.ig, { routeId: 'r', routeName: 'r' });
    assert.deepEqual((event.response as { status: string }).status, 'FAILED');
    assert.equal((event.http as { request: { path: string } }).request.path, 'https://gateway.test/a%2Fb');
  });
});
