import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Entity } from '../../../src/http/entity.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { Headers } from '../../../src/http/headers.js';
import { Response, textResponse } from '../../../src/http/message.js';
import { createRequestListener, refuseConnect, type ListenerInit } from '../../../src/server/listener.js';
import { eventually, memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { sendRaw, statusOf } from '../../fixtures/requests.js';

interface Served {
  readonly port: number;
  readonly logs: LogLine[];
  /** Each exchange dispatch got, in order. */
  readonly dispatched: Exchange[];
  /** The path below the admin prefix of each admin request, in order. */
  readonly admin: string[];
}

let closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

/**
 * A node:http server on 127.0.0.1 with the listener adapter, as gateway.ts opens one. `dispatch`
 * answers 200 "routed" unless given; the admin endpoints answer 200 "admin".
 */
async function serve(
  options: Partial<Pick<ListenerInit, 'adminPrefix' | 'maxEntityBytes' | 'secure'>> & {
    dispatch?: (exchange: Exchange) => Promise<Response>;
  } = {},
): Promise<Served> {
  const { logger, logs } = memoryLogger();
  const dispatched: Exchange[] = [];
  const admin: string[] = [];
  const server = createServer();
  server.on(
    'request',
    createRequestListener({
      secure: options.secure ?? false,
      logger,
      environment: { env: {}, system: {} },
      maxEntityBytes: options.maxEntityBytes ?? 1024,
      adminPrefix: 'adminPrefix' in options ? options.adminPrefix : '/openig/',
      admin: async (path) => {
        admin.push(path);
        return textResponse(200, 'admin');
      },
      dispatch: async (exchange) => {
        dispatched.push(exchange);
        return options.dispatch ? options.dispatch(exchange) : textResponse(200, 'routed');
      },
    }),
  );
  server.on('connect', refuseConnect);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as AddressInfo).port, logs, dispatched, admin };
}

/** One raw HTTP/1.1 request with Connection: close; the whole answer as text. */
function raw(port: number, head: string, extra = ''): Promise<string> {
  return sendRaw(port, `${head}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extra}\r\n`);
}

/** The body of a raw answer (after the head). */
const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

/** A GET through node:http: the response, before its body is read. */
function get(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((done, fail) => {
    request({ host: '127.0.0.1', port, path, agent: false }, done).on('error', fail).end();
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => (text += chunk));
  return new Promise((done, fail) => {
    res.once('end', () => done(text));
    res.once('error', fail);
  });
}

/** A response whose body is a stream the test writes. */
function streamed(body: PassThrough): Response {
  return new Response({ status: 200, entity: new Entity(body) });
}

describe('the request target', () => {
  test('a target with no single spelling is a 400 with the public message, logged, and never dispatched', async () => {
    const s = await serve();
    for (const target of ['/a%2Fb', '/a\\b', '*', 'http://user:pw@host/x']) {
      const answer = await raw(s.port, `GET ${target} HTTP/1.1`);
      assert.equal(statusOf(answer), 400, target);
      assert.match(answer, /content-type: text\/plain; charset=utf-8\r\n/i);
      assert.equal(bodyOf(answer), 'the request target is not valid');
    }
    assert.equal(s.dispatched.length, 0);
    const refusals = s.logs.filter((l) => l.code === 'TG_REQUEST_BAD_TARGET');
    assert.equal(refusals.length, 4);
    assert.equal(refusals[0]!.reason, 'an encoded / or \\ in the path');
  });

  test('CONNECT is refused with 501 and the connection closed', async () => {
    const s = await serve();
    const answer = await sendRaw(
      s.port,
      'CONNECT backend.test:443 HTTP/1.1\r\nHost: backend.test:443\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    assert.equal(s.dispatched.length, 0);
  });

  test('the exchange gets the normalised path, the query as sent, the host, and a transaction id of its own', async () => {
    const s = await serve();
    await raw(s.port, 'GET /x/../a//b/%7euser?q=%2F&r HTTP/1.1');
    await raw(s.port, 'GET http://other.test:81/p HTTP/1.1');
    const [first, second] = s.dispatched;
    assert.equal(first!.request.uri.toString(), `http://127.0.0.1:${s.port}/a/b/~user?q=%2F&r`);
    assert.equal(first!.request.method, 'GET');
    assert.equal(first!.request.version, 'HTTP/1.1');
    // An absolute-form target's authority stands for the Host header.
    assert.equal(second!.request.uri.toString(), 'http://other.test:81/p');
    const idOf = (exchange: Exchange): unknown => exchange.contexts.transactionId;
    assert.notDeepEqual(idOf(first!), idOf(second!));
    assert.deepEqual(first!.contexts.client, {
      remoteAddress: '127.0.0.1',
      remotePort: (first!.contexts.client as { remotePort: number }).remotePort,
      localAddress: '127.0.0.1',
      localPort: s.port,
      isSecure: false,
      userAgent: null,
    });
  });

  test('a secure listener gives https URIs', async () => {
    const s = await serve({ secure: true });
    await raw(s.port, 'GET /p HTTP/1.1');
    assert.equal(s.dispatched[0]!.request.uri.toString(), `https://127.0.0.1:${s.port}/p`);
  });
});

describe('the admin prefix', () => {
  test('a path under the prefix, in any spelling, goes to the admin endpoints with the path below it', async () => {
    const s = await serve();
    for (const target of ['/openig/ping', '//openig/./metrics/prometheus', '/%6Fpenig/ping/', '/openig/']) {
      assert.equal(bodyOf(await raw(s.port, `GET ${target} HTTP/1.1`)), 'admin', target);
    }
    assert.deepEqual(s.admin, ['ping', 'metrics/prometheus', 'ping/', '']);
    for (const target of ['/openig', '/openigx/ping', '/OPENIG/ping', '/x/openig/ping']) {
      assert.equal(bodyOf(await raw(s.port, `GET ${target} HTTP/1.1`)), 'routed', target);
    }
    assert.equal(s.dispatched.length, 4);
  });

  test('a listener with no prefix serves only the admin endpoints', async () => {
    const s = await serve({ adminPrefix: undefined });
    assert.equal(bodyOf(await raw(s.port, 'GET /ping HTTP/1.1')), 'admin');
    assert.equal(bodyOf(await raw(s.port, 'GET /api/x HTTP/1.1')), 'admin');
    assert.deepEqual(s.admin, ['ping', 'api/x']);
    assert.equal(s.dispatched.length, 0);
  });
});

describe('errors that escape the handlers', () => {
  test('a coded error is answered with its status, and its message only when the catalogue lets clients see it', async () => {
    const errors = [new TollgateError('TG_UPSTREAM_UNREACHABLE', 'connect ECONNREFUSED 10.0.0.1:8080')];
    errors.push(new TollgateError('TG_BASE_URI_INVALID', 'secret detail'));
    const s = await serve({
      dispatch: async () => {
        throw errors.shift();
      },
    });
    const unreachable = await raw(s.port, 'GET /a HTTP/1.1');
    assert.equal(statusOf(unreachable), 502);
    assert.equal(bodyOf(unreachable), 'the upstream server cannot be reached');
    const hidden = await raw(s.port, 'GET /a HTTP/1.1');
    assert.equal(statusOf(hidden), 500);
    assert.equal(bodyOf(hidden), '');
    assert.deepEqual(
      s.logs.filter((l) => l.level === 40).map((l) => l.code),
      ['TG_UPSTREAM_UNREACHABLE', 'TG_BASE_URI_INVALID'],
    );
  });

  test('any other exception is an empty 500, logged with TG_HANDLER_FAILED, and the listener goes on serving', async () => {
    let fail = true;
    const s = await serve({
      dispatch: async () => {
        if (fail) throw new Error('a bug');
        return textResponse(200, 'fine');
      },
    });
    const answer = await raw(s.port, 'GET /a HTTP/1.1');
    assert.equal(statusOf(answer), 500);
    assert.equal(bodyOf(answer), '');
    const logged = s.logs.find((l) => l.code === 'TG_HANDLER_FAILED');
    assert.match(String((logged?.err as { message?: string } | undefined)?.message), /a bug/);
    fail = false;
    assert.equal(bodyOf(await raw(s.port, 'GET /a HTTP/1.1')), 'fine');
  });

  test('a request body refused as too large gets its 413 and the connection is closed after it', async () => {
    const s = await serve({
      maxEntityBytes: 16,
      dispatch: async (exchange) => {
        await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
        return textResponse(200, 'read');
      },
    });
    const body = 'x'.repeat(1000);
    const answer = await sendRaw(
      s.port,
      `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      3000,
    );
    assert.equal(statusOf(answer), 413);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    // A body within the limit is read, on a connection kept alive.
    const agent = new Agent({ keepAlive: true });
    try {
      const small = await new Promise<IncomingMessage>((done, fail) => {
        request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/a', agent }, done)
          .on('error', fail)
          .end('small');
      });
      assert.equal(small.statusCode, 200);
      assert.equal(small.headers.connection, 'keep-alive');
      assert.equal(await readAll(small), 'read');
      assert.equal(s.dispatched[1]!.request.entity.string, 'small');
    } finally {
      agent.destroy();
    }
  });
});

describe('responses', () => {
  test('a buffered body gets its Content-Length, and hop-by-hop headers are not sent', async () => {
    const s = await serve({
      dispatch: async () =>
        new Response({
          status: 201,
          headers: Headers.fromRecord({ 'Keep-Alive': 'timeout=1', 'X-Kept': 'yes', Upgrade: 'h2c' }),
          entity: new Entity('héllo'),
        }),
    });
    const res = await get(s.port, '/');
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['content-length'], '6');
    assert.equal(res.headers['x-kept'], 'yes');
    assert.equal(res.headers['keep-alive'], undefined);
    assert.equal(res.headers.upgrade, undefined);
    assert.equal(await readAll(res), 'héllo');
  });

  test('a response node refuses is an empty 500, logged with TG_RESPONSE_INVALID', async () => {
    const body = new PassThrough();
    const refused = [
      new Response({ status: 42 }),
      new Response({ status: 200, headers: Headers.fromRecord({ 'Bad Name': 'v' }) }),
      new Response({ status: 200, headers: Headers.fromRecord({ 'X-Split': 'a\r\nInjected: yes' }) }),
      new Response({ status: 200, reason: 'OK\r\nInjected: yes' }),
      new Response({
        status: 200,
        reason: 'OK',
        headers: Headers.fromRecord({ 'Bad Name': 'v' }),
        entity: new Entity(body),
      }),
    ];
    const count = refused.length;
    const s = await serve({ dispatch: async () => refused.shift()! });
    for (let i = 0; i < count; i++) {
      const answer = await raw(s.port, 'GET / HTTP/1.1');
      assert.match(
        answer,
        /^HTTP\/1\.1 500 Internal Server Error\r\n/,
        `response ${i}: ${JSON.stringify(answer)}`,
      );
      assert.match(answer, /\r\ncontent-length: 0\r\n/i);
      assert.doesNotMatch(answer, /injected|bad name/i);
      assert.equal(bodyOf(answer), '');
    }
    assert.equal(s.logs.filter((l) => l.code === 'TG_RESPONSE_INVALID').length, count);
    // The streamed body nobody will send is let go.
    assert.equal(body.destroyed, true);
  });

  test('a streamed body is sent as it comes', async () => {
    const body = new PassThrough();
    const s = await serve({ dispatch: async () => streamed(body) });
    body.write('first ');
    const res = await get(s.port, '/');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    res.setEncoding('utf8');
    const [chunk] = (await new Promise((done) => res.once('data', (c) => done([c])))) as [string];
    // The first part arrived while the body was still open.
    assert.equal(chunk, 'first ');
    const rest = readAll(res);
    body.end('second');
    assert.equal(await rest, 'second');
  });

  test('a streamed body that fails cuts the connection, logged with TG_UPSTREAM_UNREACHABLE', async () => {
    const body = new PassThrough();
    const s = await serve({ dispatch: async () => streamed(body) });
    body.write('part');
    const res = await get(s.port, '/');
    const cut = new Promise<boolean>((done) => res.once('close', () => done(res.complete)));
    res.resume();
    await nextTurn();
    body.destroy(new Error('upstream reset'));
    assert.equal(await cut, false);
    await eventually(() => assert.ok(s.logs.some((l) => l.code === 'TG_UPSTREAM_UNREACHABLE')));
  });
});

describe('a client that goes away', () => {
  test('before the answer: the exchange is cancelled with TG_CLIENT_GONE, and the late body is let go', async () => {
    const body = new PassThrough();
    const reasons: Error[] = [];
    const s = await serve({
      dispatch: async (exchange) => {
        reasons.push(await new Promise<Error>((resolve) => exchange.cancellation.onCancel(resolve)));
        // Answered anyway, after the client left: nothing is sent, and the body is destroyed.
        return streamed(body);
      },
    });
    const req = request({ host: '127.0.0.1', port: s.port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    await eventually(() => assert.equal(s.dispatched.length, 1));
    req.destroy();
    await eventually(() => assert.equal(body.destroyed, true));
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof TollgateError);
    assert.equal(reasons[0].code, 'TG_CLIENT_GONE');
  });

  test('during a streamed body: the body is destroyed, and it is logged at debug level', async () => {
    const body = new PassThrough();
    const s = await serve({ dispatch: async () => streamed(body) });
    body.write('part');
    const res = await get(s.port, '/');
    await new Promise((done) => res.once('data', done));
    res.destroy();
    await eventually(() => assert.equal(body.destroyed, true));
    await eventually(() => assert.ok(s.logs.some((l) => l.code === 'TG_CLIENT_GONE' && l.level === 20)));
  });
});
