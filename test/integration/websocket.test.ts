import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { basicAuthEndpointHandler } from '../fixtures/exchange-routes.js';
import {
  eventually,
  memoryLogger,
  startTestGateway,
  type LogLine,
  type TestGateway,
} from '../fixtures/gateway.js';
import { startGateway } from '../../src/index.js';

const tls = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');

/** A WebSocket echo server that records each handshake; plain requests get a plain 200. */
interface WsBackend {
  readonly url: string;
  readonly handshakes: IncomingMessage['headers'][];
  /** The paths (with query) of the handshakes, in order. */
  readonly paths: string[];
  /** Requests that came as plain HTTP, not as a handshake. */
  readonly plain: IncomingMessage['headers'][];
  /** Tunnels the backend has open. */
  openCount(): number;
  close(): Promise<void>;
}

async function startWsBackend(secure = false): Promise<WsBackend> {
  const handshakes: IncomingMessage['headers'][] = [];
  const paths: string[] = [];
  const plain: IncomingMessage['headers'][] = [];
  const answerPlain = (req: IncomingMessage, res: ServerResponse): void => {
    plain.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('plain backend');
  };
  const server: Server = secure
    ? createHttpsServer(
        {
          key: await readFile(join(tls, 'key.pem')),
          cert: await readFile(join(tls, 'cert.pem')),
        },
        answerPlain,
      )
    : createServer(answerPlain);
  // A handshake whose path says so is refused, as a backend that wants credentials would.
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: IncomingMessage }) => !req.url?.includes('refuse'),
  });
  wss.on('headers', (_headers, req) => {
    handshakes.push(req.headers);
    paths.push(req.url ?? '');
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo: ${String(data)}`));
    socket.send('hello from the backend');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    handshakes,
    paths,
    plain,
    openCount: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

type Handshake =
  | { readonly kind: 'open'; readonly socket: WebSocket; readonly messages: string[] }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string };

/** Opens a WebSocket through the gateway: the open socket with what it has received, or the refusal. */
function connectWs(url: string, headers: Record<string, string> = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(String(data)));
    socket.once('open', () => resolve({ kind: 'open', socket, messages }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

const wsUrl = (httpUrl: string, path: string): string => `${httpUrl.replace(/^http/, 'ws')}${path}`;

/** The messages received so far, once `count` have come. */
async function received(messages: string[], count: number): Promise<string[]> {
  await eventually(() => assert.ok(messages.length >= count, `${messages.length} messages so far`));
  return messages.slice(0, count);
}

const closed = (socket: WebSocket): Promise<number> =>
  new Promise((done) => {
    if (socket.readyState === WebSocket.CLOSED) done(-1);
    else socket.once('close', (code) => done(code));
  });

function wsRoute(
  path: string,
  config: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    condition: `\${find(request.uri.path, '^/${path}')}`,
    baseURI: '&{backend}',
    handler: { type: 'ReverseProxyHandler', config },
    ...extra,
  };
}

describe('WebSocket upgrades through the routes', () => {
  let backend: WsBackend;
  let devAs: DevAs;
  let tg: TestGateway;
  let closedPort: number;

  before(async () => {
    backend = await startWsBackend();
    devAs = await startDevAs({ port: 0 });
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    tg = await startTestGateway({
      files: {
        'config.json': {
          properties: { backend: backend.url, down: `http://127.0.0.1:${closedPort}`, am: devAs.url },
        },
      },
      env: { CLIENT_SECRET_ID: 'cGFzc3dvcmQ=' },
      routes: {
        'chat.json': {
          condition: "${find(request.uri.path, '^/chat')}",
          baseURI: '&{backend}',
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: { messageType: 'REQUEST', add: { 'X-Gateway': ['tollgate ${request.method}'] } },
                },
              ],
              handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
            },
          },
        },
        'plain.json': wsRoute('plain', {}),
        'off.json': wsRoute('off', { websocket: { enabled: false } }),
        'down.json': {
          condition: "${find(request.uri.path, '^/down')}",
          baseURI: '&{down}',
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
        'guarded.json': {
          condition: "${find(request.uri.path, '^/guarded')}",
          baseURI: '&{backend}',
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ConditionEnforcementFilter',
                  config: { condition: "${request.headers['X-Pass'][0] == 'yes'}" },
                },
              ],
              handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
            },
          },
        },
        'exchange.json': {
          condition: "${find(request.uri.path, '^/exchange')}",
          baseURI: '&{backend}',
          heap: [
            { name: 'Env', type: 'SystemAndEnvSecretStore' },
            { name: 'Am', type: 'AmService', config: { url: '&{am}' } },
          ],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'OAuth2TokenExchangeFilter',
                  config: {
                    amService: 'Am',
                    endpointHandler: basicAuthEndpointHandler(),
                    subjectToken: "${request.headers['Authorization'][0].substring(7)}",
                    scopes: ['mail'],
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
              handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
            },
          },
        },
        'static.json': {
          condition: "${find(request.uri.path, '^/static')}",
          handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'not a tunnel' } },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await devAs.close();
    await backend.close();
  });

  test('messages go both ways, and the filters shaped the handshake the backend saw', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/chat/room?id=7'));
    assert.equal(answer.kind, 'open');
    if (answer.kind !== 'open') return;
    answer.socket.send('ping');
    assert.deepEqual(await received(answer.messages, 2), ['hello from the backend', 'echo: ping']);
    const handshake = backend.handshakes.at(-1)!;
    assert.equal(handshake['x-gateway'], 'tollgate GET');
    assert.equal(backend.paths.at(-1), '/chat/room?id=7');
    assert.equal(handshake.host, new URL(backend.url).host);
    assert.equal(handshake['x-forwarded-proto'], 'http');
    answer.socket.close(1000, 'done');
    assert.equal(await closed(answer.socket), 1000);
  });

  test('a binary message comes back as it went', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/chat/binary'));
    assert.equal(answer.kind, 'open');
    if (answer.kind !== 'open') return;
    const payload = Buffer.from([0, 1, 2, 254, 255]);
    const echoed = new Promise<Buffer>((done) =>
      answer.socket.on('message', (data, isBinary) => {
        if (isBinary) done(data as Buffer);
      }),
    );
    answer.socket.send(payload);
    assert.deepEqual(await echoed, payload);
    answer.socket.close();
  });

  test('a backend that refuses the handshake has its answer relayed', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/chat/refuse'));
    assert.equal(answer.kind, 'refused');
    if (answer.kind === 'refused') assert.equal(answer.status, 401);
    const line = tg.logs.find((entry) => entry.code === 'TG_WEBSOCKET_REFUSED');
    assert.equal(line?.status, 401);
  });

  test('a request no route takes is answered 404 on the socket', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/nowhere'));
    assert.deepEqual(answer, { kind: 'refused', status: 404, body: '' });
  });

  test("a filter's refusal is the answer, and nothing reaches the backend", async () => {
    const before = backend.handshakes.length;
    const refused = await connectWs(wsUrl(tg.url, '/guarded'));
    assert.equal(refused.kind, 'refused');
    if (refused.kind === 'refused') assert.equal(refused.status, 403);
    assert.equal(backend.handshakes.length, before);
    const allowed = await connectWs(wsUrl(tg.url, '/guarded'), { 'X-Pass': 'yes' });
    assert.equal(allowed.kind, 'open');
    if (allowed.kind === 'open') allowed.socket.close();
  });

  test('a handler that is not a tunnel answers the handshake with its own response', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/static'));
    assert.deepEqual(answer, { kind: 'refused', status: 200, body: 'not a tunnel' });
  });

  test('with websocket off (the default) the handshake goes out as a plain request and is refused', async () => {
    for (const path of ['/plain', '/off']) {
      const before = backend.handshakes.length;
      const answer = await connectWs(wsUrl(tg.url, path));
      assert.deepEqual(answer, { kind: 'refused', status: 200, body: 'plain backend' }, path);
      assert.equal(backend.handshakes.length, before, path);
      const sent = backend.plain.at(-1)!;
      assert.equal(sent.upgrade, undefined, path);
    }
  });

  test('a backend that is down gets the client a coded 502, logged without the token', async () => {
    const answer = await connectWs(wsUrl(tg.url, '/down'), { Authorization: 'Bearer secret-subject-token' });
    assert.deepEqual(answer, { kind: 'refused', status: 502, body: 'the upstream server cannot be reached' });
    const line = tg.logs.find((entry) => entry.code === 'TG_UPSTREAM_UNREACHABLE');
    assert.ok(line, 'the failure is logged with its code');
    assert.ok(!JSON.stringify(tg.logs).includes('secret-subject-token'));
  });

  test('the exchanged token reaches the backend; a failed exchange sends nothing', async () => {
    const token = await passwordToken(devAs);
    const answer = await connectWs(wsUrl(tg.url, '/exchange'), { Authorization: `Bearer ${token}` });
    assert.equal(answer.kind, 'open');
    if (answer.kind === 'open') answer.socket.close();
    const sent = backend.handshakes.at(-1)!.authorization;
    assert.match(String(sent), /^Bearer \S+$/);
    assert.notEqual(sent, `Bearer ${token}`);

    const before = backend.handshakes.length + backend.plain.length;
    const failed = await connectWs(wsUrl(tg.url, '/exchange'), { Authorization: 'Bearer not-a-token' });
    assert.equal(failed.kind, 'refused');
    if (failed.kind === 'refused') assert.ok(failed.status >= 400, String(failed.status));
    assert.equal(backend.handshakes.length + backend.plain.length, before);
    assert.ok(!JSON.stringify(tg.logs).includes(token));
  });
});

/** An access token for the dev AS's demo user, by the password grant. */
async function passwordToken(devAs: DevAs): Promise<string> {
  const res = await request(devAs.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('client-application:password').toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'demo',
      password: 'Ch4ng31t',
      scope: 'mail employeenumber',
    }).toString(),
  });
  const body = await res.body.text();
  assert.equal(res.statusCode, 200, body);
  return (JSON.parse(body) as { access_token: string }).access_token;
}

test('shutdown closes an open tunnel once the grace period is over', { timeout: 30_000 }, async () => {
  const backend = await startWsBackend();
  const tg = await startTestGateway({
    files: {
      'admin.json': { connectors: [{ port: 0, host: '127.0.0.1', gracePeriod: '1500 ms' }] },
      'config.json': { properties: { backend: backend.url } },
    },
    routes: { 'chat.json': wsRoute('chat', { websocket: { enabled: true } }) },
  });
  try {
    const answer = await connectWs(wsUrl(tg.url, '/chat'));
    assert.equal(answer.kind, 'open');
    if (answer.kind !== 'open') return;
    await received(answer.messages, 1);
    const closing = tg.gateway.close();
    // Still open past the time an idle connection is closed in (500 ms): a tunnel is in flight.
    await new Promise((done) => setTimeout(done, 800));
    answer.socket.send('still there?');
    assert.deepEqual(await received(answer.messages, 2), ['hello from the backend', 'echo: still there?']);
    assert.equal(await closed(answer.socket), 1006);
    await closing;
    await eventually(() => assert.equal(backend.openCount(), 0));
    assert.ok(
      tg.logs.some((line) => line.msg === 'the grace period ended with requests in flight: they were cut'),
    );
  } finally {
    await tg.close();
    await backend.close();
  }
});

/**
 * A gateway started on its own admin.json, as `tollgate start` does: startTestGateway's port
 * override would replace the connectors, TLS included.
 */
async function startConfiguredGateway(options: {
  files: Record<string, unknown>;
  routes: Record<string, unknown>;
}): Promise<{ url: string; dir: string; logs: LogLine[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-ws-'));
  await mkdir(join(dir, 'routes'));
  for (const [name, content] of Object.entries(options.files)) {
    await writeFile(join(dir, name), JSON.stringify(content));
  }
  for (const [name, content] of Object.entries(options.routes)) {
    await writeFile(join(dir, 'routes', name), JSON.stringify(content));
  }
  const { logger, logs } = memoryLogger();
  const gateway = await startGateway({ configDir: dir, logger, env: {} });
  return {
    url: gateway.urls[0]!,
    dir,
    logs,
    async close() {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A backend that accepts connections and never answers; `sockets` are those it has open. */
async function startSilentBackend(): Promise<{ url: string; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    // Read (and drop) what comes: a paused socket would never see the gateway's end.
    socket.resume();
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('WebSocket upgrades over TLS, with time-outs and in the access log', () => {
  let backend: WsBackend;
  let secureBackend: WsBackend;
  let silent: Awaited<ReturnType<typeof startSilentBackend>>;
  let tg: { url: string; dir: string; logs: LogLine[]; close(): Promise<void> };
  let ca: Buffer;

  before(async () => {
    backend = await startWsBackend();
    secureBackend = await startWsBackend(true);
    silent = await startSilentBackend();
    ca = await readFile(join(tls, 'cert.pem'));
    tg = await startConfiguredGateway({
      files: {
        'admin.json': {
          connectors: [
            {
              port: 0,
              host: '127.0.0.1',
              tls: { keyFile: join(tls, 'key.pem'), certFile: join(tls, 'cert.pem') },
            },
          ],
          accessLog: { enabled: true, file: 'logs/access.log' },
        },
        'config.json': {
          properties: { backend: backend.url, secure: secureBackend.url, silent: silent.url },
        },
      },
      routes: {
        'chat.json': wsRoute('chat', { websocket: { enabled: true } }),
        'secure.json': {
          condition: "${find(request.uri.path, '^/secure')}",
          baseURI: '&{secure}',
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
        'silent.json': {
          condition: "${find(request.uri.path, '^/silent')}",
          baseURI: '&{silent}',
          handler: {
            type: 'ReverseProxyHandler',
            config: { soTimeout: '1 minute', websocket: { enabled: true, soTimeout: '200 ms' } },
          },
        },
        'patient.json': {
          condition: "${find(request.uri.path, '^/patient')}",
          baseURI: '&{silent}',
          handler: { type: 'ReverseProxyHandler', config: { websocket: { enabled: true } } },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await silent.close();
    await secureBackend.close();
    await backend.close();
  });

  test('a wss:// client reaches a ws:// backend, which learns the client came over https', async () => {
    const answer = await new Promise<Handshake>((done, fail) => {
      const socket = new WebSocket(wsUrl(tg.url, '/chat'), { ca });
      const messages: string[] = [];
      socket.on('message', (data) => messages.push(String(data)));
      socket.once('open', () => done({ kind: 'open', socket, messages }));
      socket.once('error', fail);
    });
    assert.equal(answer.kind, 'open');
    if (answer.kind !== 'open') return;
    answer.socket.send('over tls');
    assert.deepEqual(await received(answer.messages, 2), ['hello from the backend', 'echo: over tls']);
    assert.equal(backend.handshakes.at(-1)!['x-forwarded-proto'], 'https');
    answer.socket.close();
    assert.equal(await closed(answer.socket), 1005);
  });

  test('a wss:// backend whose certificate Node does not trust is refused with 502', async () => {
    const answer = await connectWsOver(tg.url, '/secure', ca);
    assert.deepEqual(answer, { kind: 'refused', status: 502, body: 'the upstream server cannot be reached' });
    assert.equal(secureBackend.handshakes.length, 0);
  });

  test('a backend that does not answer the handshake within websocket.soTimeout gets the client 504', async () => {
    const answer = await connectWsOver(tg.url, '/silent', ca);
    assert.deepEqual(answer, {
      kind: 'refused',
      status: 504,
      body: 'the upstream server did not answer in time',
    });
    await eventually(() => assert.equal(silent.sockets.size, 0));
  });

  test('a client that leaves during the handshake takes the backend connection with it', async () => {
    const socket = new WebSocket(wsUrl(tg.url, '/patient'), { ca });
    socket.on('error', () => undefined);
    await eventually(() => assert.equal(silent.sockets.size, 1));
    socket.terminate();
    await eventually(() => assert.equal(silent.sockets.size, 0));
    await eventually(() => assert.ok(tg.logs.some((line) => line.code === 'TG_CLIENT_GONE')));
  });

  test('each tunnel is one access log line, written when it closes, with status 101', async () => {
    const answer = await connectWsOver(tg.url, '/chat/logged', ca);
    assert.equal(answer.kind, 'open');
    if (answer.kind !== 'open') return;
    await received(answer.messages, 1);
    answer.socket.close();
    await closed(answer.socket);
    const accessFile = join(tg.dir, 'logs', 'access.log');
    await eventually(async () => {
      const lines = (await readFile(accessFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { path: string; status: number; route: string });
      const line = lines.find((entry) => entry.path === '/chat/logged');
      assert.deepEqual(line && [line.status, line.route], [101, 'chat']);
    });
  });
});

/** connectWs over TLS, trusting `ca`. */
function connectWsOver(url: string, path: string, ca: Buffer): Promise<Handshake> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(wsUrl(url, path), { ca });
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(String(data)));
    socket.once('open', () => done({ kind: 'open', socket, messages }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ kind: 'refused', status: res.statusCode ?? 0, body }));
    });
    socket.once('error', fail);
  });
}
