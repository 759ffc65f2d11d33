import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { after, afterEach, before, describe, test } from 'node:test';
import { errors as undiciErrors } from 'undici';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { HttpClient, upstreamError, type HttpClientOptions } from '../../../src/http/client.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Request, type Response } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';

/**
 * HttpClient against a real node:http server on 127.0.0.1. Each test sets what the server does
 * with `answer`; the server records the raw request it was sent.
 */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

let server: Server;
let base: string;
let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const seen: Seen[] = [];
const clients: HttpClient[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  server.closeAllConnections();
  seen.length = 0;
});

after(() => new Promise<void>((done) => server.close(() => done())));

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  const made = new HttpClient({
    connections: 4,
    connectionTimeoutMs: 2000,
    soTimeoutMs: 2000,
    keepAliveMs: 1000,
    ...options,
  });
  clients.push(made);
  return made;
}

function request(
  method: string,
  path: string,
  headers: readonly string[] = [],
  body?: Buffer | string | Readable,
): Request {
  return new Request({
    method,
    uri: RequestUri.parse(`${base}${path}`),
    headers: Headers.fromRaw(headers),
    entity: new Entity(body),
  });
}

/** The request headers the server received, as a lower-case name → value map. */
function headersSeen(): Record<string, string> {
  const raw = seen[0]?.rawHeaders ?? [];
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) record[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return record;
}

async function bodyOf(response: Response): Promise<string> {
  await response.entity.load(1024 * 1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return response.entity.string ?? '';
}

async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TollgateError, String(error));
    return error;
  }
  assert.fail('it succeeded');
}

const echo = (_req: IncomingMessage, res: ServerResponse, body: string): void => {
  res.end(body);
};

describe('HttpClient: bodies', () => {
  test('the response comes with its headers; a body still arriving streams after it', async () => {
    let finish: () => void = () => undefined;
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first ');
      finish = () => res.end('second');
    };
    const response = await client().send(request('GET', '/stream'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.first('content-type'), 'text/plain');
    const body = response.entity.body;
    assert.ok(!Buffer.isBuffer(body), 'the body has not all arrived: it is a stream');
    const chunks: string[] = [];
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk.toString());
      if (chunks.length === 1) finish();
    });
    await new Promise((done) => body.once('end', done));
    assert.equal(chunks.join(''), 'first second');
  });

  test('a streamed request body reaches the upstream while it is still being written', async () => {
    let firstChunk: () => void = () => undefined;
    const firstChunkArrived = new Promise<void>((done) => (firstChunk = done));
    server.once('request', (req: IncomingMessage) => req.once('data', () => firstChunk()));
    answer = echo;
    const upload = new PassThrough();
    const sending = client().send(request('POST', '/upload', [], upload));
    upload.write('one ');
    await firstChunkArrived;
    upload.end('two');
    assert.equal(await bodyOf(await sending), 'one two');
    assert.equal(headersSeen()['transfer-encoding'], 'chunked');
    assert.equal(headersSeen()['content-length'], undefined);
  });

  test('a buffered body is sent with its exact length in bytes, whatever the request said', async () => {
    answer = echo;
    // A filter replaced the entity; the client's Content-Length is stale.
    const response = await client().send(request('POST', '/b', ['Content-Length', '999'], 'é€'));
    assert.equal(headersSeen()['content-length'], '5');
    assert.equal(Buffer.from(seen[0]!.body, 'latin1').toString('utf8'), 'é€');
    assert.equal(await bodyOf(response), seen[0]!.body);
  });

  test('a request with no body is sent with neither Content-Length nor chunked encoding', async () => {
    answer = echo;
    await bodyOf(await client().send(request('GET', '/none')));
    assert.equal(headersSeen()['content-length'], undefined);
    assert.equal(headersSeen()['transfer-encoding'], undefined);
  });
});

describe('HttpClient: what is forwarded', () => {
  test('the method, raw path and query go upstream exactly as they are', async () => {
    answer = echo;
    await bodyOf(await client().send(request('PROPFIND', '/a%2Fb/c;v=1?q=%20x&r=1+2&s')));
    assert.equal(seen[0]?.method, 'PROPFIND');
    assert.equal(seen[0]?.url, '/a%2Fb/c;v=1?q=%20x&r=1+2&s');
  });

  test('hop-by-hop request headers, and those Connection names, are not sent; Host is the upstream’s', async () => {
    answer = echo;
    const sent = request('GET', '/hop', [
      'Host',
      'gateway.example',
      'Connection',
      'X-Private, keep-alive',
      'X-Private',
      'secret',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Upgrade',
      'websocket',
      'Proxy-Authorization',
      'Basic eA==',
      'X-Kept',
      'yes',
    ]);
    await bodyOf(await client().send(sent));
    const headers = headersSeen();
    assert.equal(headers.host, base.slice('http://'.length));
    assert.equal(headers['x-kept'], 'yes');
    for (const name of ['x-private', 'te', 'upgrade', 'proxy-authorization']) {
      assert.equal(headers[name], undefined, name);
    }
  });

  test('hop-by-hop response headers, and those Connection names, are not passed on', async () => {
    answer = (_req, res) => {
      res.writeHead(200, [
        'Connection',
        'X-Internal',
        'X-Internal',
        'upstream secret',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Authenticate',
        'Basic realm="x"',
        'X-Kept',
        'yes',
      ]);
      res.end('ok');
    };
    const response = await client().send(request('GET', '/hop'));
    await bodyOf(response);
    assert.equal(response.headers.first('x-kept'), 'yes');
    for (const name of [
      'connection',
      'x-internal',
      'keep-alive',
      'proxy-authenticate',
      'transfer-encoding',
    ]) {
      assert.equal(response.headers.has(name), false, name);
    }
  });

  test('response headers keep each repeated value apart, and their bytes as latin1', async () => {
    answer = (_req, res) => {
      res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Latin1', 'caf\u00e9']);
      res.end();
    };
    const response = await client().send(request('GET', '/h'));
    assert.deepEqual(response.headers.get('set-cookie'), ['a=1', 'b=2']);
    assert.equal(response.headers.first('x-latin1'), 'caf\u00e9');
  });

  test('an interim 1xx answer is not the response', async () => {
    answer = (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.writeHead(201, { 'X-Final': 'yes' });
      res.end('made');
    };
    const response = await client().send(request('POST', '/hints'));
    assert.equal(response.status, 201);
    assert.equal(response.headers.first('x-final'), 'yes');
    assert.equal(response.headers.has('link'), false);
    assert.equal(await bodyOf(response), 'made');
  });
});

describe('HttpClient: failures are coded', () => {
  test('no answer within soTimeout is TG_UPSTREAM_TIMEOUT (504), naming the call', async () => {
    answer = () => undefined;
    const started = Date.now();
    const error = await rejection(client({ soTimeoutMs: 150 }).send(request('GET', '/silent')));
    assert.equal(error.code, 'TG_UPSTREAM_TIMEOUT');
    assert.equal(error.status, 504);
    assert.ok(error.detail?.startsWith(`GET ${base}: `), error.detail);
    assert.ok(Date.now() - started >= 140, 'not before the time-out');
  });

  test('a body that stops arriving for soTimeout fails its reader with TG_UPSTREAM_TIMEOUT', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('only part of it');
    };
    const response = await client({ soTimeoutMs: 150 }).send(request('GET', '/stalls'));
    assert.equal(response.status, 200);
    const error = await rejection(bodyOf(response));
    assert.equal(error.code, 'TG_UPSTREAM_TIMEOUT');
  });

  test('a refused connection is TG_UPSTREAM_UNREACHABLE (502), naming the reason', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const refused = new Request({ method: 'GET', uri: RequestUri.parse(`http://127.0.0.1:${port}/`) });
    const error = await rejection(client().send(refused));
    assert.equal(error.code, 'TG_UPSTREAM_UNREACHABLE');
    assert.equal(error.status, 502);
    assert.match(error.detail ?? '', new RegExp(`^GET http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  test('a connection dropped in the middle of the body fails its reader with TG_UPSTREAM_UNREACHABLE', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('part', () => res.socket?.destroy());
    };
    const response = await client().send(request('GET', '/reset'));
    const error = await rejection(bodyOf(response));
    assert.equal(error.code, 'TG_UPSTREAM_UNREACHABLE');
  });
});

describe('HttpClient: cancellation', () => {
  test('cancelling a waiting call rejects it with the reason and drops its connection', async () => {
    let dropped: () => void = () => undefined;
    const droppedUpstream = new Promise<void>((done) => (dropped = done));
    let arrived: () => void = () => undefined;
    const arrivedUpstream = new Promise<void>((done) => (arrived = done));
    answer = (req) => {
      req.socket.once('close', () => dropped());
      arrived();
    };
    const cancellation = new Cancellation();
    const sending = client().send(request('GET', '/wait'), cancellation);
    await arrivedUpstream;
    const gone = new TollgateError('TG_CLIENT_GONE');
    cancellation.cancel(gone);
    assert.equal(await sending.catch((error: unknown) => error), gone);
    await droppedUpstream;
  });

  test('a call cancelled before it starts fails with the reason', async () => {
    answer = echo;
    const cancellation = new Cancellation();
    const gone = new TollgateError('TG_CLIENT_GONE');
    cancellation.cancel(gone);
    assert.equal(
      await client()
        .send(request('GET', '/late'), cancellation)
        .catch((error: unknown) => error),
      gone,
    );
  });

  test('a call that completed leaves no listener on the cancellation', async () => {
    answer = echo;
    const cancellation = new Cancellation();
    const response = await client().send(request('POST', '/done', [], 'x'), cancellation);
    assert.equal(await bodyOf(response), 'x');
    assert.equal(cancellation.listenerCount, 0);
  });
});

describe('upstreamError', () => {
  const call = new Request({ method: 'POST', uri: RequestUri.parse('https://as.example/token') });

  test('time-outs of every kind are TG_UPSTREAM_TIMEOUT with the cause kept', () => {
    for (const cause of [
      new undiciErrors.ConnectTimeoutError(),
      new undiciErrors.HeadersTimeoutError(),
      new undiciErrors.BodyTimeoutError(),
      new DOMException('The operation timed out', 'TimeoutError'),
    ]) {
      const error = upstreamError(cause, call);
      assert.equal(error.code, 'TG_UPSTREAM_TIMEOUT', cause.name);
      assert.equal(error.cause, cause);
      assert.equal(error.detail, `POST https://as.example:443: ${cause.message}`);
    }
  });

  test('anything else is TG_UPSTREAM_UNREACHABLE; a coded error is kept as it is', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    assert.equal(
      upstreamError(reset, call).detail,
      'POST https://as.example:443: ECONNRESET read ECONNRESET',
    );
    assert.equal(upstreamError('odd', call).detail, 'POST https://as.example:443: odd');
    assert.equal(
      upstreamError(new DOMException('aborted', 'AbortError'), call).code,
      'TG_UPSTREAM_UNREACHABLE',
    );
    const coded = new TollgateError('TG_CLIENT_GONE');
    assert.equal(upstreamError(coded, call), coded);
  });
});
