// The `http` binding of scripts (src/services/script.ts, src/services/script-sandbox.ts): scripts
// send requests through the gateway's real ClientHandler to a real server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { Entity } from '../../../src/http/entity.js';
import { Response } from '../../../src/http/message.js';
import { MAX_HTTP_SENDS } from '../../../src/services/script.js';
import { FILE, harness, run, type Harness } from '../filters/harness.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * /echo answers what it got as JSON, with a header of two values; /big answers `?bytes=N` bytes;
 * /hold never answers (and records when the gateway gives up the connection).
 */
interface Upstream {
  readonly url: string;
  readonly seen: Seen[];
  readonly abandoned: string[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  const abandoned: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (url.pathname === '/hold') {
        res.on('close', () => abandoned.push(req.url ?? ''));
        return;
      }
      if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(Number(url.searchParams.get('bytes'))));
        return;
      }
      res.writeHead(201, 'Made', [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'one'],
        ['X-Multi', 'two'],
      ]);
      res.end(JSON.stringify({ method: req.method, body, headers: req.headers }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    abandoned,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const js = (source: string[], more: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'application/javascript',
  source,
  ...more,
});

async function handlerOf(config: unknown, h: Harness, heap: unknown[] = []): Promise<Handler> {
  const handler = h.build<Handler>(
    [...heap, { name: 'h', type: 'ScriptableHandler', config }],
    'h',
    'Handler',
  );
  await h.start();
  return handler;
}

async function answer(handler: Handler, h: Harness): Promise<{ response: Response; body: string }> {
  const response = await handler.handle(
    h.incoming({ method: 'GET', headers: { Authorization: 'Bearer caller-secret-token' } }),
  );
  await response.entity.load(1 << 22, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return { response, body: response.entity.string ?? '' };
}

describe('the http binding of scripts', () => {
  let upstream: Upstream;

  before(async () => {
    upstream = await startUpstream();
  });

  after(async () => {
    await upstream.close();
  });

  test('sends method, headers and entity, and resolves to status, reason, lower-cased headers and entity', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(
        [
          "var r = await http.send({ method: 'POST', uri: base + '/echo?q=1', headers: { 'X-One': ['a', 'b'], 'X-Two': 2 }, entity: 'hello' });",
          'var echoed = JSON.parse(r.entity);',
          'return { status: 200, entity: { status: r.status, reason: r.reason, multi: r.headers["x-multi"], type: r.headers["content-type"], echoed: echoed } };',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    const { response, body } = await answer(handler, h);
    assert.equal(response.status, 200, body);
    const got = JSON.parse(body) as Record<string, unknown>;
    assert.equal(got.status, 201);
    assert.equal(got.reason, null, 'the client keeps no reason phrase');
    assert.deepEqual(got.multi, ['one', 'two']);
    assert.deepEqual(got.type, ['application/json']);
    const sent = upstream.seen.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/echo?q=1');
    assert.equal(sent.headers['x-one'], 'a, b');
    assert.equal(sent.headers['x-two'], '2');
    assert.equal(sent.body, 'hello');
    assert.equal(sent.headers.authorization, undefined, "the caller's credentials are not sent on");
    await h.stop();
  });

  test('a JSON entity is sent as application/json; .then works without await', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(
        [
          "return http.send({ method: 'PUT', uri: base + '/echo', entity: { a: [1, 2] } }).then(function (r) {",
          '  return { status: 200, entity: r.entity };',
          '});',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    const { body } = await answer(handler, h);
    const echoed = JSON.parse(body) as { method: string; body: string; headers: IncomingHttpHeaders };
    assert.equal(echoed.method, 'PUT');
    assert.deepEqual(JSON.parse(echoed.body), { a: [1, 2] });
    assert.match(String(echoed.headers['content-type']), /^application\/json/);
    await h.stop();
  });

  test('sends run concurrently: Promise.all of two', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(
        [
          "var both = await Promise.all([http.send({ uri: base + '/echo?n=1' }), http.send({ uri: base + '/echo?n=2' })]);",
          'return { status: 200, entity: both.map(function (r) { return r.status; }) };',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    assert.equal((await answer(handler, h)).body, '[201,201]');
    await h.stop();
  });

  test('a refused connection rejects inside the script, naming the URI without its query or the token', async () => {
    const h = harness();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const handler = await handlerOf(
      js(
        [
          "try { await http.send({ uri: dead + '/x?access_token=query-secret-value' }); return { status: 204 }; }",
          'catch (e) { return { status: 200, entity: { name: e.name, message: e.message, code: e.code } }; }',
        ],
        { args: { dead } },
      ),
      h,
    );
    const { response, body } = await answer(handler, h);
    assert.equal(response.status, 200);
    const error = JSON.parse(body) as { name: string; message: string; code: string };
    assert.equal(error.name, 'Error');
    assert.equal(error.code, 'TG_UPSTREAM_UNREACHABLE');
    assert.match(error.message, new RegExp(`^http\\.send GET ${dead}/x: `));
    assert.doesNotMatch(error.message, /query-secret-value/);
    await h.stop();
  });

  test('an uncaught rejection is a coded 500, logged with the URI', async () => {
    const h = harness();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const handler = await handlerOf(
      js(["var r = await http.send({ uri: dead + '/y' });", 'return { status: 200 };'], { args: { dead } }),
      h,
    );
    assert.equal((await answer(handler, h)).response.status, 500);
    const line = h.logs.find((l) => l.code === 'TG_SCRIPT_FAILED');
    assert.ok(line);
    assert.match(String(line.msg), new RegExp(`${dead}/y`));
    await h.stop();
  });

  test('a request that is no absolute http(s) URI, or carries user information, is a TypeError in the script', async () => {
    const h = harness();
    const handler = await handlerOf(
      js([
        'var messages = [];',
        "for (var uri of ['/relative', 'ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1/x', 42]) {",
        '  try { await http.send({ uri: uri }); } catch (e) { messages.push(e.name + ": " + e.message); }',
        '}',
        "try { await http.send({ uri: 'http://127.0.0.1/', method: 'NOT A METHOD' }); } catch (e) { messages.push(e.name); }",
        'return { status: 200, entity: messages };',
      ]),
      h,
    );
    const messages = JSON.parse((await answer(handler, h)).body) as string[];
    assert.equal(messages.length, 5);
    assert.ok(
      messages.every((m) => m.startsWith('TypeError')),
      messages.join('\n'),
    );
    assert.match(messages[2]!, /user information/);
    assert.doesNotMatch(messages.join('\n'), /pw@/);
    await h.stop();
  });

  test(`more than ${MAX_HTTP_SENDS} sends in one call fail the call, even when the script catches`, async () => {
    const h = harness();
    const before = upstream.seen.length;
    const handler = await handlerOf(
      js(
        [
          'for (var i = 0; i < 20; i++) {',
          "  try { await http.send({ uri: base + '/echo?i=' + i }); } catch (e) {}",
          '}',
          'return { status: 200 };',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    assert.equal((await answer(handler, h)).response.status, 500);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED' && /more than 8/.test(String(l.msg))));
    assert.equal(upstream.seen.length - before, MAX_HTTP_SENDS);
    await h.stop();
  });

  test('a promise that nothing will settle is a coded 500 at once', async () => {
    const h = harness();
    const handler = await handlerOf(js(['return new Promise(function () {});']), h);
    const started = Date.now();
    assert.equal((await answer(handler, h)).response.status, 500);
    assert.ok(Date.now() - started < 2000);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED' && /never settled/.test(String(l.msg))));
    await h.stop();
  });

  test('a runaway loop in a .then after a send stops at the CPU limit', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(["return http.send({ uri: base + '/echo' }).then(function () { while (true) {} });"], {
        args: { base: upstream.url },
        limits: { timeMs: 50 },
      }),
      h,
    );
    const started = Date.now();
    assert.equal((await answer(handler, h)).response.status, 500);
    assert.ok(Date.now() - started < 5000);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_TIMEOUT'));
    await h.stop();
  });

  test('an answer larger than the entity limit rejects inside the script', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(
        [
          "var small = await http.send({ uri: base + '/big?bytes=1000' });",
          "try { await http.send({ uri: base + '/big?bytes=' + (1024 * 1024 + 1) }); } catch (e) {",
          '  return { status: 200, entity: { small: small.entity.length, message: e.message, code: e.code } };',
          '}',
          'return { status: 204 };',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    const got = JSON.parse((await answer(handler, h)).body) as {
      small: number;
      message: string;
      code: string;
    };
    assert.equal(got.small, 1000);
    assert.equal(got.code, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.match(got.message, /larger than 1048576 bytes/);
    await h.stop();
  });

  test('waiting past limits.waitMs is TG_SCRIPT_TIMEOUT, and the send is abandoned', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(["await http.send({ uri: base + '/hold?waited' });", 'return { status: 200 };'], {
        args: { base: upstream.url },
        limits: { waitMs: 200 },
      }),
      h,
    );
    const started = Date.now();
    assert.equal((await answer(handler, h)).response.status, 500);
    const took = Date.now() - started;
    assert.ok(took >= 190 && took < 3000, `took ${took} ms`);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_TIMEOUT' && /200 ms/.test(String(l.msg))));
    await waitFor(() => upstream.abandoned.includes('/hold?waited'));
    await h.stop();
  });

  test('the client going away stops a send: the script sees the rejection', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(
        [
          "try { await http.send({ uri: base + '/hold?left' }); return { status: 204 }; }",
          'catch (e) { return { status: 200, entity: e.code }; }',
        ],
        { args: { base: upstream.url } },
      ),
      h,
    );
    const cancellation = new Cancellation();
    const answering = handler.handle(h.incoming({ method: 'GET' }, cancellation));
    setTimeout(() => cancellation.cancel(new Error('client gone')), 100);
    const response = await answering;
    await response.entity.load(1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.equal(response.status, 200);
    assert.match(response.entity.string ?? '', /^TG_UPSTREAM_/);
    await waitFor(() => upstream.abandoned.includes('/hold?left'));
    await h.stop();
  });

  test('a filter sends in the function given to next, and the response goes on changed', async () => {
    const h = harness();
    const filter = h.build<Filter>(
      [
        {
          name: 'f',
          type: 'ScriptableFilter',
          config: js(
            [
              'return next(async function (response) {',
              "  var r = await http.send({ uri: base + '/echo', headers: { 'X-Status': String(response.status) } });",
              "  response.headers['x-lookup'] = [JSON.parse(r.entity).headers['x-status']];",
              '  return response;',
              '});',
            ],
            { args: { base: upstream.url } },
          ),
        },
      ],
      'f',
      'Filter',
    );
    await h.start();
    const next: Handler = { handle: async () => new Response({ status: 202, entity: new Entity('down') }) };
    const { response, body } = await run(filter, h.incoming({ method: 'GET' }), next);
    assert.equal(response.status, 202);
    assert.deepEqual(response.headers.get('x-lookup'), ['202']);
    assert.equal(body, 'down');
    await h.stop();
  });

  test('clientHandler names the handler sends go through', async () => {
    const h = harness();
    const handler = await handlerOf(
      js(["var r = await http.send({ uri: base + '/echo' });", 'return { status: 200, entity: r.entity };'], {
        args: { base: upstream.url },
        clientHandler: 'Tagged',
      }),
      h,
      [
        {
          name: 'Tagged',
          type: 'Chain',
          config: {
            filters: [
              { type: 'HeaderFilter', config: { messageType: 'REQUEST', add: { 'X-Via': ['tagged'] } } },
            ],
            handler: 'ClientHandler',
          },
        },
      ],
    );
    const echoed = JSON.parse((await answer(handler, h)).body) as { headers: IncomingHttpHeaders };
    assert.equal(echoed.headers['x-via'], 'tagged');
    await h.stop();
  });

  test('a script that does not name http has no http binding', async () => {
    const h = harness();
    const handler = await handlerOf(
      js([
        "return { status: 200, entity: typeof globalThis['ht' + 'tp'] + ' ' + typeof globalThis['__se' + 'nd'] };",
      ]),
      h,
    );
    assert.equal((await answer(handler, h)).body, 'undefined undefined');
    await h.stop();
  });

  test('config: an argument may not hide http; clientHandler must name a handler', () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 'h', type: 'ScriptableHandler', config }]);
    assert.deepEqual(errorsOf(js(['return { status: 200 };'], { args: { http: 1 } })), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/args/http`,
    ]);
    assert.deepEqual(errorsOf(js(['return { status: 200 };'], { limits: { waitMs: 0 } })).length, 1);
    assert.ok(
      errorsOf(js(['return http.send({});'], { clientHandler: 'NoSuchHandler' }))[0]?.endsWith(
        '#/heap/0/config/clientHandler',
      ),
    );
  });
});

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail('not within time');
    await new Promise((done) => setTimeout(done, 20));
  }
}
