// The access log end to end: a real gateway writing it to a file, an echo backend and a small
// authorization server on 127.0.0.1, and requests that carry every kind of credential.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/requests.js';
import { basicAuthEndpointHandler } from '../fixtures/exchange-routes.js';

interface AccessLine {
  readonly time: string;
  readonly transactionId: string;
  readonly client: string;
  readonly method: string;
  readonly path: string | null;
  readonly route: string | null;
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly upstreamMs: number | null;
  readonly tokenExchangeMs: number | null;
  readonly tokenExchangeSource: string | null;
}

const SUBJECT = 'subject-token-SECRET-1';
const ISSUED = 'issued-token-SECRET-2';
const COOKIE = 'session-SECRET-3';
const QUERY = 'query-SECRET-4';
const API_KEY = 'api-key-SECRET-5';
const BODY = 'client_secret=body-SECRET-6';
const USERINFO = 'userinfo-SECRET-7';
const CLIENT_SECRET = 'client-SECRET-8';

/** A token endpoint that issues the same token to every exchange. */
async function startTokenEndpoint(): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          access_token: ISSUED,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 300,
        }),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    calls: () => calls,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe('access log', () => {
  let backend: Backend;
  let as: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let tg: TestGateway;
  const accessFile = (): string => join(tg.dir, 'logs', 'access.log');

  async function accessLines(count: number): Promise<AccessLine[]> {
    let lines: AccessLine[] = [];
    await eventually(async () => {
      const text = await readFile(accessFile(), 'utf8').catch(() => '');
      lines = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AccessLine);
      assert.ok(lines.length >= count, `${lines.length} lines of ${count}`);
    });
    return lines;
  }

  before(async () => {
    backend = await startBackend();
    as = await startTokenEndpoint();
    tg = await startTestGateway({
      files: { 'admin.json': { accessLog: { enabled: true, file: 'logs/access.log' } } },
      env: { CLIENT_SECRET_ID: Buffer.from(CLIENT_SECRET).toString('base64') },
      routes: {
        'api.json': {
          name: 'api',
          baseURI: backend.url,
          condition: "${find(request.uri.path, '^/api/')}",
          heap: [{ name: 'Env', type: 'SystemAndEnvSecretStore' }],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'OAuth2TokenExchangeFilter',
                  config: {
                    endpoint: as.url,
                    subjectToken: "${request.headers['Authorization'][0].substring(7)}",
                    scopes: ['mail'],
                    cache: { enabled: true },
                    endpointHandler: basicAuthEndpointHandler({
                      clientId: 'gw',
                      handler: { type: 'ClientHandler' },
                    }),
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    remove: ['Authorization'],
                    add: { Authorization: ['Bearer ${contexts.oauth2TokenExchange.issuedToken}'] },
                  },
                },
              ],
              handler: { type: 'ReverseProxyHandler' },
            },
          },
        },
        'down.json': {
          name: 'down',
          baseURI: 'http://127.0.0.1:1',
          condition: "${request.uri.path == '/down'}",
          handler: { type: 'ReverseProxyHandler' },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await as.close();
    await backend.close();
  });

  test('one line per request, with what happened to it, and never a credential', async () => {
    const started = Date.now();
    const target = `/api/orders?access_token=${QUERY}&page=2`;
    const bytes =
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SUBJECT}\r\n` +
      `Cookie: session=${COOKIE}\r\nX-Api-Key: ${API_KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`;
    const answer = await sendRaw(Number(new URL(tg.url).port), bytes);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.ok(backend.requests.at(-1)?.headers.authorization === `Bearer ${ISSUED}`);

    // The same request again, through a kept-alive connection twice: the second exchange is a cache hit.
    const headers = { authorization: `Bearer ${SUBJECT}`, cookie: `session=${COOKIE}` };
    for (let i = 0; i < 2; i++) {
      const res = await request(`${tg.url}/api/items?q=${QUERY}`, { headers });
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
    const missing = await request(`${tg.url}/nowhere?secret=${QUERY}`);
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
    const refused = await sendRaw(
      Number(new URL(tg.url).port),
      `GET http://user:${USERINFO}@127.0.0.1/api/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    assert.match(refused, /^HTTP\/1\.1 400 /);

    const lines = await accessLines(5);
    assert.equal(lines.length, 5);
    const [first, second, third, notFound, badTarget] = lines as [
      AccessLine,
      AccessLine,
      AccessLine,
      AccessLine,
      AccessLine,
    ];
    assert.deepEqual(
      { ...first, time: undefined, transactionId: undefined, durationMs: undefined, upstreamMs: undefined },
      {
        time: undefined,
        transactionId: undefined,
        client: '127.0.0.1',
        method: 'POST',
        path: '/api/orders?access_token=…&page=…',
        route: 'api',
        status: 200,
        bytesIn: Buffer.byteLength(bytes),
        bytesOut: Buffer.byteLength(answer, 'latin1'),
        durationMs: undefined,
        upstreamMs: undefined,
        tokenExchangeMs: first.tokenExchangeMs,
        tokenExchangeSource: 'exchanged',
      },
    );
    assert.match(first.transactionId, /^[0-9a-f-]{36}$/);
    assert.ok(Date.parse(first.time) >= started - 1000 && Date.parse(first.time) <= Date.now());
    assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(first.upstreamMs! > 0 && first.tokenExchangeMs! > 0);
    assert.ok(first.durationMs >= first.upstreamMs! + first.tokenExchangeMs!);

    assert.equal(second.path, '/api/items?q=…');
    assert.deepEqual([second.tokenExchangeSource, third.tokenExchangeSource], ['cached', 'cached']);
    assert.equal(as.calls(), 1);
    // The same request twice on one connection: each line counts its own bytes, not the connection's.
    assert.equal(third.bytesIn, second.bytesIn);
    assert.ok(third.bytesOut < second.bytesOut * 1.5, `${third.bytesOut} vs ${second.bytesOut}`);

    assert.deepEqual(
      [notFound.route, notFound.status, notFound.path, notFound.upstreamMs, notFound.tokenExchangeSource],
      [null, 404, '/nowhere?secret=…', null, null],
    );
    assert.deepEqual([badTarget.status, badTarget.path, badTarget.route], [400, null, null]);

    const text = await readFile(accessFile(), 'utf8');
    const logs = JSON.stringify(tg.logs);
    for (const secret of [SUBJECT, ISSUED, COOKIE, QUERY, API_KEY, 'body-SECRET', USERINFO, CLIENT_SECRET]) {
      assert.ok(!text.includes(secret), `${secret} in the access log`);
      assert.ok(!logs.includes(secret), `${secret} in the logs`);
    }
    assert.ok(!text.includes(Buffer.from(`gw:${CLIENT_SECRET}`).toString('base64')));
  });

  test("a request's log lines carry its route and transaction id, as its access line does", async () => {
    const res = await request(`${tg.url}/down`);
    assert.equal(res.statusCode, 502);
    await res.body.dump();
    let access: AccessLine | undefined;
    await eventually(async () => {
      access = (await accessLines(1)).find((line) => line.path === '/down');
      assert.ok(access);
    });
    const warning = tg.logs.find((line) => line.code === 'TG_UPSTREAM_UNREACHABLE');
    assert.deepEqual(
      { route: warning?.route, transactionId: warning?.transactionId },
      { route: 'down', transactionId: access!.transactionId },
    );
    assert.deepEqual([access!.route, access!.status, typeof access!.upstreamMs], ['down', 502, 'number']);
  });
});
