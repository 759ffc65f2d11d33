// Sessions over real sockets: a route writes `session.x` from a request, and a second request
// that carries the cookie reads it back, with the default in-memory session, a route's own
// session, and a JwtSession shared by two gateways that hold the same key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

/** A route that stores `?x=` in session.x under `path`/write and answers session.x under `path`/read. */
function sessionRoutes(prefix: string, session?: unknown): Record<string, unknown> {
  const answer = (entity: string) => ({
    type: 'StaticResponseHandler',
    config: { status: 200, headers: { 'Content-Type': ['text/plain'] }, entity },
  });
  return {
    [`${prefix}-write.json`]: {
      condition: `\${request.uri.path == '/${prefix}/write'}`,
      ...(session === undefined ? {} : { session }),
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'AssignmentFilter',
              config: { onRequest: [{ target: '${session.x}', value: '${request.queryParams.x[0]}' }] },
            },
          ],
          handler: answer('written'),
        },
      },
    },
    [`${prefix}-read.json`]: {
      condition: `\${request.uri.path == '/${prefix}/read'}`,
      ...(session === undefined ? {} : { session }),
      handler: answer('x=${session.x}'),
    },
  };
}

async function get(
  url: string,
  cookie?: string,
): Promise<{ status: number; body: string; setCookie: string[] }> {
  const res = await request(url, { headers: cookie === undefined ? {} : { cookie } });
  const header = res.headers['set-cookie'];
  return {
    status: res.statusCode,
    body: await res.body.text(),
    setCookie: header === undefined ? [] : Array.isArray(header) ? header : [header],
  };
}

function pair(setCookie: string | undefined): string {
  assert.ok(setCookie, 'the response sets a cookie');
  return setCookie.slice(0, setCookie.indexOf(';'));
}

describe('the default session (InMemorySessionManager) and a route’s own', () => {
  let tg: TestGateway;

  before(async () => {
    tg = await startTestGateway({
      routes: { ...sessionRoutes('memory'), ...sessionRoutes('own', 'OwnSessions') },
      files: {
        'config.json': {
          heap: [
            { name: 'OwnSessions', type: 'InMemorySessionManager', config: { cookie: { name: 'OWN' } } },
          ],
        },
      },
    });
  });
  after(() => tg.close());

  test('a value written from one request is read back by the next that carries IG_SESSIONID', async () => {
    const written = await get(`${tg.url}/memory/write?x=hello`);
    assert.equal(written.body, 'written');
    assert.equal(written.setCookie.length, 1);
    assert.match(written.setCookie[0]!, /^IG_SESSIONID=[\w-]+; Path=\/; HttpOnly$/);
    const read = await get(`${tg.url}/memory/read`, pair(written.setCookie[0]));
    assert.deepEqual([read.body, read.setCookie], ['x=hello', []], 'reading sets no cookie');
    assert.equal((await get(`${tg.url}/memory/read`)).body, 'x=', 'another client has its own session');
  });

  test('routes naming a session manager share its sessions, apart from the gateway’s', async () => {
    const written = await get(`${tg.url}/own/write?x=mine`);
    assert.match(written.setCookie[0]!, /^OWN=/);
    const own = pair(written.setCookie[0]);
    const gateway = pair((await get(`${tg.url}/memory/write?x=outer`)).setCookie[0]);
    const both = `${own}; ${gateway}`;
    assert.equal((await get(`${tg.url}/own/read`, both)).body, 'x=mine');
    assert.equal((await get(`${tg.url}/memory/read`, both)).body, 'x=outer');
    assert.equal(
      (await get(`${tg.url}/own/read`, gateway)).body,
      'x=',
      'the route’s session hides the gateway’s',
    );
  });
});

describe('JwtSession on config.json, shared by two gateways with the same key', () => {
  const key = randomBytes(32).toString('base64');
  const config = {
    heap: [{ name: 'Keys', type: 'Base64EncodedSecretStore', config: { secrets: { 'session.key': key } } }],
    session: {
      type: 'JwtSession',
      config: { authenticatedEncryptedSecretId: 'session.key', secretsProvider: 'Keys' },
    },
  };
  let first: TestGateway;
  let second: TestGateway;
  let stranger: TestGateway;

  before(async () => {
    const routes = sessionRoutes('jwt');
    [first, second, stranger] = await Promise.all([
      startTestGateway({ routes, files: { 'config.json': config } }),
      startTestGateway({ routes, files: { 'config.json': config } }),
      startTestGateway({
        routes,
        files: {
          'config.json': {
            ...config,
            heap: [
              {
                name: 'Keys',
                type: 'Base64EncodedSecretStore',
                config: { secrets: { 'session.key': randomBytes(32).toString('base64') } },
              },
            ],
          },
        },
      }),
    ]);
  });
  after(() => Promise.all([first.close(), second.close(), stranger.close()]));

  test('the session one gateway writes, the other reads from the cookie', async () => {
    const written = await get(`${first.url}/jwt/write?x=shared`);
    assert.match(
      written.setCookie[0]!,
      /^openig-jwt-session=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly$/,
    );
    const cookie = pair(written.setCookie[0]);
    assert.equal((await get(`${second.url}/jwt/read`, cookie)).body, 'x=shared');
    assert.equal((await get(`${first.url}/jwt/read`, cookie)).body, 'x=shared');
  });

  test('a gateway with another key answers as if there were no session, and clears the cookie', async () => {
    const written = await get(`${first.url}/jwt/write?x=secret`);
    const read = await get(`${stranger.url}/jwt/read`, pair(written.setCookie[0]));
    assert.equal(read.status, 200);
    assert.equal(read.body, 'x=');
    assert.match(
      read.setCookie[0]!,
      /^openig-jwt-session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/,
    );
    assert.ok(stranger.logs.some((line) => line.code === 'TG_SESSION_UNREADABLE'));
  });
});
