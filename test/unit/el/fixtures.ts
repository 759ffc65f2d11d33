import { pino } from 'pino';
import { createBuiltinFunctions, type CompileOptions } from '../../../src/el/index.js';
import type { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Request, Response } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { Exchange } from '../../../src/http/exchange.js';

/**
 * The exchange the EL tests evaluate against: a form POST with multi-valued headers, query
 * parameters and form fields, a 302 response, a token-exchange context and assorted attributes.
 */
export function testExchange(body = 'subject_token=tok1&subject_token=tok2&scope=read+write'): Exchange {
  const headers = new Headers();
  headers.add('Host', 'test.com:123');
  headers.add('Authorization', 'Bearer abc.def');
  headers.add('X-Multi', 'one');
  headers.add('X-Multi', 'two');
  headers.add('Cookie', 'SESSION=s1; other=o1');
  headers.add('username', 'Myname');
  headers.add('X-Key', '__proto__');
  headers.add('Content-Type', 'application/x-www-form-urlencoded');
  const request = new Request({
    method: 'POST',
    uri: RequestUri.parse('http://test.com:123/path/to/resource.html?a=1&a=2&b=x%20y'),
    headers,
    entity: new Entity(body),
  });
  const exchange = new Exchange({
    request,
    client: {
      remoteAddress: '::ffff:10.1.2.3',
      remotePort: 50000,
      localAddress: '127.0.0.1',
      localPort: 8080,
      isSecure: false,
      userAgent: 'curl/8',
    },
    log: pino({ level: 'silent' }),
    environment: { env: { HOME: '/home/tollgate' }, system: { 'java.version': '21' } },
    maxEntityBytes: 1024 * 1024,
    cancellation: new Cancellation(),
    transactionId: 'tx-1',
  });
  const response = new Response({
    status: 302,
    reason: 'Found',
    headers: Headers.fromRecord({ Location: '/x' }),
  });
  exchange.response = response;
  Object.assign(exchange.attributes, {
    foo: 'foo',
    list: ['a', 'b'],
    emptyList: [],
    map: { key: 'value', 'dotted.key': 'd' },
    emptyMap: {},
    json: JSON.parse('{"nested":{"arr":[{"k":1},{"k":2}]},"n":12345,"__proto__":{"polluted":true}}'),
    number: 5,
    numeric: '10',
    flag: true,
    nothing: null,
  });
  exchange.contexts.oauth2TokenExchange = {
    issuedToken: 'issued-token',
    issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    scopes: ['read'],
  };
  return exchange;
}

/** Compile options that collect evaluation errors, with a function table of their own. */
export function collecting(): { options: CompileOptions; errors: TollgateError[] } {
  const errors: TollgateError[] = [];
  return {
    errors,
    options: {
      place: { file: 'routes/test.json', pointer: '/condition' },
      functions: createBuiltinFunctions(),
      onError: (error) => errors.push(error),
    },
  };
}
