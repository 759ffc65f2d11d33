import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elGet, elSet } from '../../../src/el/host.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { jsonResponse, Request, Response, textResponse } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';

function request(uri = 'http://gw.test/a', cookies: string[] = []): Request {
  const headers = new Headers();
  for (const cookie of cookies) headers.add('Cookie', cookie);
  return new Request({ method: 'GET', uri: RequestUri.parse(uri), headers });
}

describe('Request', () => {
  test('defaults: HTTP/1.1, no headers, an empty buffered body', () => {
    const plain = new Request({ method: 'GET', uri: RequestUri.parse('http://gw.test/') });
    assert.equal(plain.version, 'HTTP/1.1');
    assert.equal(plain.headers.size, 0);
    assert.equal(plain.entity.isBuffered, true);
    assert.equal(plain.entity.length, 0);
  });

  test('query parameters are decoded, every value kept, and a fresh copy each time', () => {
    const r = request('http://gw.test/a?b=1+2&b=%C3%A9&c&=v&b=');
    assert.deepEqual({ ...r.queryParams }, { b: ['1 2', 'é', ''], c: [''], '': ['v'] });
    r.queryParams.b!.push('changed');
    assert.deepEqual(r.queryParams.b, ['1 2', 'é', '']);
    assert.deepEqual({ ...request().queryParams }, {});
  });

  test('cookies come from every Cookie header, by name, values trimmed and frozen', () => {
    const r = request('http://gw.test/', ['a=1; b = 2 ;c=d=e', 'a=3']);
    assert.deepEqual(JSON.parse(JSON.stringify(r.cookies)), {
      a: [
        { name: 'a', value: '1' },
        { name: 'a', value: '3' },
      ],
      b: [{ name: 'b', value: '2' }],
      c: [{ name: 'c', value: 'd=e' }],
    });
    assert.ok(Object.isFrozen(r.cookies.a![0]));
    assert.equal(Object.getPrototypeOf(r.cookies), null);
  });

  test('a pair with no name or no = is not a cookie, with or without the space after ;', () => {
    assert.deepEqual(Object.keys(request('http://gw.test/', ['=x;noeq; =y;  = z; ok=1']).cookies), ['ok']);
  });

  test('cookies follow the Cookie headers: a filter that changes them changes what is read', () => {
    const r = request('http://gw.test/', ['session=s1']);
    assert.equal(r.cookies.session?.[0]?.value, 's1');
    r.headers.delete('cookie');
    assert.deepEqual(Object.keys(r.cookies), []);
    r.headers.add('Cookie', 'other=o1');
    assert.deepEqual(Object.keys(r.cookies), ['other']);
  });

  test('expressions read its parts by name, and nothing else', () => {
    const r = request('http://gw.test/p?q=1', ['a=1']);
    assert.equal(r[elGet]('method'), 'GET');
    assert.equal(r[elGet]('uri'), r.uri);
    assert.equal(r[elGet]('version'), 'HTTP/1.1');
    assert.equal(r[elGet]('headers'), r.headers);
    assert.equal(r[elGet]('entity'), r.entity);
    assert.deepEqual({ ...(r[elGet]('queryParams') as object) }, { q: ['1'] });
    assert.deepEqual(Object.keys(r[elGet]('cookies') as object), ['a']);
    for (const name of ['constructor', '__proto__', 'cookies ', 'Method', 'toString']) {
      assert.equal(r[elGet](name), undefined, name);
    }
  });

  test('expressions may set the method to a token and the URI to a URI, and nothing else', () => {
    const r = request();
    assert.equal(r[elSet]('method', 'PROPFIND'), true);
    assert.equal(r.method, 'PROPFIND');
    for (const bad of ['GET /x', '', 'GET\r\nX: 1', 42, null]) {
      assert.equal(r[elSet]('method', bad), false, String(bad));
    }
    assert.equal(r.method, 'PROPFIND');
    assert.equal(r[elSet]('uri', 'https://other.test:8443/b?c=d'), true);
    assert.equal(r.uri.origin, 'https://other.test:8443');
    const uri = RequestUri.parse('http://third.test/');
    assert.equal(r[elSet]('uri', uri), true);
    assert.equal(r.uri, uri);
    assert.equal(r[elSet]('uri', 7), false);
    for (const name of ['headers', 'entity', 'version', 'cookies']) {
      assert.equal(r[elSet](name, 'x'), false, name);
    }
    assert.equal(r.version, 'HTTP/1.1');
  });
});

describe('Response', () => {
  test("status is PingGateway's Status view: code, reason, family and its flags", () => {
    const found = new Response({ status: 302, reason: 'Found' });
    assert.deepEqual(
      { ...(found[elGet]('status') as object) },
      {
        code: 302,
        reasonPhrase: 'Found',
        family: 'REDIRECTION',
        isSuccessful: false,
        isClientError: false,
        isServerError: false,
        isRedirection: true,
        isInformational: false,
      },
    );
    assert.ok(Object.isFrozen(found[elGet]('status')));
    const family = (status: number): unknown =>
      (new Response({ status })[elGet]('status') as { family: string }).family;
    assert.deepEqual([100, 199, 200, 299, 300, 400, 499, 500, 599, 600, 99].map(family), [
      'INFORMATIONAL',
      'INFORMATIONAL',
      'SUCCESSFUL',
      'SUCCESSFUL',
      'REDIRECTION',
      'CLIENT_ERROR',
      'CLIENT_ERROR',
      'SERVER_ERROR',
      'SERVER_ERROR',
      'UNKNOWN',
      'UNKNOWN',
    ]);
    assert.equal(
      (new Response({ status: 200 })[elGet]('status') as { reasonPhrase: unknown }).reasonPhrase,
      null,
    );
  });

  test('the status view follows the status when a filter changes it', () => {
    const response = new Response({ status: 200 });
    response.status = 503;
    assert.equal((response[elGet]('status') as { isServerError: boolean }).isServerError, true);
  });

  test('expressions read status, headers and entity, and nothing else', () => {
    const response = new Response({
      status: 200,
      headers: Headers.fromRecord({ A: '1' }),
      entity: new Entity('x'),
    });
    assert.equal(response[elGet]('headers'), response.headers);
    assert.equal(response[elGet]('entity'), response.entity);
    assert.equal(response[elGet]('reason'), undefined);
    assert.equal(response[elGet]('constructor'), undefined);
  });

  test('textResponse has a text body with its type, or no body and no type', () => {
    const text = textResponse(404, 'no route matches the request');
    assert.equal(text.status, 404);
    assert.deepEqual(text.headers.toRaw(), ['Content-Type', 'text/plain; charset=utf-8']);
    assert.equal(text.entity.string, 'no route matches the request');
    const empty = textResponse(502);
    assert.equal(empty.headers.size, 0);
    assert.equal(empty.entity.length, 0);
    assert.equal(textResponse(200, '').headers.has('content-type'), true);
  });

  test('jsonResponse serialises its value with a JSON type', () => {
    const response = jsonResponse(200, { routes: [{ name: 'a' }], note: null });
    assert.deepEqual(response.headers.toRaw(), ['Content-Type', 'application/json; charset=utf-8']);
    assert.deepEqual(response.entity.json, { routes: [{ name: 'a' }], note: null });
  });
});
