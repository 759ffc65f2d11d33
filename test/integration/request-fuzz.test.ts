import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { startBackend } from '../fixtures/backend.js';
import { startGatewayProcess } from '../fixtures/gateway-process.js';
import { sendRaw, statusOf } from '../fixtures/requests.js';

/**
 * Random request targets, methods, headers and bodies, sent as raw bytes to a gateway process
 * whose routes copy request data into response and upstream headers, the status, the URI, the
 * method, attributes and entities, through regexes too. However the request is made, the
 * process stays up, answers the next request, and no failure escapes the handlers.
 */

const routes = (backendUrl: string): Record<string, unknown> => ({
  '10-echo.json': {
    condition: "${find(request.uri.path, '^/echo')}",
    handler: {
      type: 'StaticResponseHandler',
      config: {
        status: "${request.headers['X-Status'][0]}",
        headers: {
          'X-Query': ['${urlDecode(request.uri.rawQuery)}'],
          'X-Path': ['${request.uri.path}'],
          'X-In': ["${request.headers['X-In'][0]}"],
          'X-Body': ['${request.entity.string}'],
          'X-Split': ["${join(split(request.entity.string, '(.*,)*x'), '|')}"],
          Location: ['${request.uri}'],
        },
        entity: '${request.uri.path} ${request.entity.string} ${toJson(request.entity.string)}',
      },
    },
  },
  '20-assign.json': {
    condition: "${find(request.uri.path, '^/assign')}",
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'AssignmentFilter',
            config: {
              onRequest: [
                { target: '${request.uri}', value: '${urlDecode(request.uri.rawQuery)}' },
                { target: '${request.method}', value: "${request.headers['X-Method'][0]}" },
                { target: '${attributes.body}', value: '${request.entity.json}' },
              ],
            },
          },
        ],
        handler: {
          type: 'StaticResponseHandler',
          config: {
            status: 200,
            headers: { Location: ['${request.uri}'], 'X-Method': ['${request.method}'] },
            entity: '${attributes.body}',
          },
        },
      },
    },
  },
  '30-regex.json': {
    condition:
      "${find(request.headers['X-In'][0], '^(a+)+$') or matchesWithRegex(request.uri.path, '/(.*,)*x')}",
    handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'regex' } },
  },
  '40-proxy.json': {
    baseURI: backendUrl,
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'HeaderFilter',
            config: {
              messageType: 'REQUEST',
              add: {
                'X-Query': ['${urlDecode(request.uri.rawQuery)}'],
                'X-In': ["${request.headers['X-In'][0]}"],
              },
            },
          },
          {
            type: 'HeaderFilter',
            config: { messageType: 'RESPONSE', add: { 'X-Back': ['${response.entity.string}'] } },
          },
        ],
        handler: 'ReverseProxyHandler',
      },
    },
  },
});

const latin1 = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength });
// What node:http's parser takes in a header value: space and visible ASCII.
const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength,
  });
// What node:http takes in a request target: RFC 3986's characters.
const urlText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(..."ABCXYZabcxyz0189-._~!$&'()*+,;=:@", '%41', '%2e', '%C3%A9', '%0a'),
    maxLength,
  });
// Mostly what node:http's parser lets through, so most requests reach the routes; now and then anything.
const mostly = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 20, arbitrary: usual }, { weight: 1, arbitrary: rare });

const pathPart = mostly(
  fc.oneof(
    fc.constantFrom(
      'echo',
      'assign',
      'api',
      'x,x,x,',
      '..',
      '.',
      '',
      '%2e%2e',
      '%E2%82%AC',
      '%C3%A9',
      ';a=b',
      '@',
      ':',
    ),
    urlText(6).filter((s) => !s.includes('/')),
  ),
  fc.oneof(fc.constantFrom('%2F', '%00', '%0d%0a', '%zz', '%', '\\', '#', '*'), latin1(6)),
);
const target = mostly(
  fc
    .tuple(fc.array(pathPart, { minLength: 1, maxLength: 5 }), fc.option(mostly(urlText(20), latin1(20))))
    .map(([parts, query]) => `/${parts.join('/')}${query === null ? '' : `?${query.replace(/[\s#]/g, '')}`}`),
  fc.constantFrom('*', 'http://user:pw@127.0.0.1/echo', 'http://h/echo?%0d%0a', '127.0.0.1:80', 'ftp://x/'),
);
const method = mostly(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  fc.oneof(fc.constantFrom('CONNECT', 'TRACE'), fc.stringMatching(/^[A-Z!#$%&'*+.^_`|~-]{1,8}$/)),
);
const headerValue = mostly(
  fc.oneof(
    printable(30),
    fc.constantFrom('a'.repeat(40), `${'a'.repeat(40)}!`, '200', '999', '100', '-1', 'two hundred', 'POST'),
  ),
  latin1(30).filter((s) => !/[\r\n]/.test(s)),
);
const body = fc.oneof(
  fc.constant(''),
  latin1(60),
  fc.constantFrom(
    '{"a": [1, {"b": "\\u0000"}]}',
    `${','.repeat(2000)}`,
    ' '.repeat(5000),
    '[[[[[[[[[[',
    'x=%0d%0a',
  ),
);

function send(port: number, head: string, payload: string): Promise<string> {
  return sendRaw(port, `${head}Content-Length: ${Buffer.byteLength(payload, 'latin1')}\r\n\r\n${payload}`);
}

test('random requests never take the gateway process down', async () => {
  const backend = await startBackend();
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-fuzz-'));
  await mkdir(join(dir, 'routes'));
  for (const [name, route] of Object.entries(routes(backend.url))) {
    await writeFile(join(dir, 'routes', name), JSON.stringify(route));
  }
  const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  const port = Number(new URL(gateway.url).port);
  try {
    const seed = Date.now();
    const samples = fc.sample(
      fc.record({ method, target, in: headerValue, status: headerValue, verb: headerValue, body }),
      { numRuns: 300, seed },
    );
    const statuses = new Map<string, number>();
    const deadline = Date.now() + 30_000;
    for (const sample of samples) {
      if (Date.now() > deadline) break;
      const head =
        `${sample.method} ${sample.target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
        `X-In: ${sample.in}\r\nX-Status: ${sample.status}\r\nX-Method: ${sample.verb}\r\n`;
      const answer = await send(port, head, sample.body);
      const status = String(statusOf(answer) || 'none');
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      assert.equal(
        gateway.child.exitCode,
        null,
        `the process is up after ${JSON.stringify(sample)} (seed ${seed})`,
      );
    }
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(`${sent} random requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(sent >= 100, `${sent} requests sent`);
    const after = await send(
      port,
      `GET /echo?after HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Status: 201\r\n`,
      '',
    );
    assert.match(after, /^HTTP\/1\.1 201 /);
    assert.doesNotMatch(gateway.output(), /TG_HANDLER_FAILED|TG_RESPONSE_INVALID|uncaught/i);
  } finally {
    assert.equal(await gateway.stop(), 0);
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});
