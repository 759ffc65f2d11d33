// The examples/<name>/README.md walkthroughs, step by step: each example's routes run in the demo
// (dev authorization server, sample API, gateway) on ephemeral ports, over real sockets.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startDemo, type Demo } from '../../examples/demo/start.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

async function call(
  url: string,
  options: {
    method?: 'GET' | 'POST' | 'OPTIONS';
    headers?: Record<string, string>;
    form?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const res = await request(url, {
    method: options.method ?? (options.form ? 'POST' : 'GET'),
    headers: {
      ...(options.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      ...options.headers,
    },
    ...(options.form && { body: new URLSearchParams(options.form).toString() }),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const json = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>;
const basic = (credentials: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
});
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** What the sample API answers: what the authorization server says about the token it received. */
interface ApiAnswer {
  readonly path: string;
  readonly token: Record<string, unknown>;
}

/**
 * Sits between the gateway and the sample API and records every request that reaches the API,
 * so a test can say the API was never called (and what it was sent).
 */
interface BackendSpy {
  readonly url: string;
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Where requests are forwarded: the sample API, known once the demo has started. */
  target: string;
  close(): Promise<void>;
}

async function startBackendSpy(): Promise<BackendSpy> {
  const requests: BackendSpy['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    void request(`${spy.target}${req.url ?? '/'}`, {
      headers: req.headers.authorization ? { authorization: req.headers.authorization } : {},
    }).then(
      async (answer) => {
        res.writeHead(answer.statusCode, { 'content-type': 'application/json' });
        res.end(await answer.body.text());
      },
      () => {
        res.writeHead(502);
        res.end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const spy: BackendSpy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    target: '',
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  return spy;
}

/** A port nothing listens on: opened, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Example {
  readonly demo: Demo;
  readonly gateway: string;
  readonly amUrl: string;
  readonly spy: BackendSpy | undefined;
  close(): Promise<void>;
}

/**
 * `npm start` with the example's routes. With `spy`, the routes' BACKEND_URL is the spy, which
 * forwards to the sample API; without it startDemo sets AM_URL, BACKEND_URL and the secrets alone.
 */
async function startExample(
  name: string,
  options: { spy?: boolean; env?: Record<string, string> } = {},
): Promise<Example> {
  const spy = options.spy ? await startBackendSpy() : undefined;
  const demo = await startDemo({
    ports: { gateway: 0, authorizationServer: 0, backend: 0 },
    routesDir: join(root, 'examples', name, 'routes'),
    logLevel: 'silent',
    env: { ...(spy && { BACKEND_URL: spy.url }), ...options.env },
  });
  if (spy) spy.target = demo.backend!.url;
  return {
    demo,
    gateway: demo.gateway.urls[0]!,
    amUrl: demo.authorizationServer!.url,
    spy,
    async close() {
      await demo.close();
      await spy?.close();
    },
  };
}

/** Step 1 of every README: a token for demo from client-application (password grant). */
async function userToken(amUrl: string, scope = 'mail employeenumber'): Promise<string> {
  const answer = await call(`${amUrl}oauth2/access_token`, {
    headers: basic('client-application:password'),
    form: { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope },
  });
  assert.equal(answer.status, 200, answer.text);
  return json(answer).access_token as string;
}

async function introspect(amUrl: string, token: string, client: string): Promise<Record<string, unknown>> {
  const answer = await call(`${amUrl}oauth2/realms/root/introspect`, {
    form: { token, client_id: client, client_secret: 'password' },
  });
  assert.equal(answer.status, 200, answer.text);
  return json(answer);
}

describe('examples/impersonation', () => {
  let ex: Example;
  before(async () => {
    ex = await startExample('impersonation');
  });
  after(() => ex.close());

  test('subject token, introspection, exchange through the gateway, introspection of the issued token', async () => {
    const subjectToken = await userToken(ex.amUrl);

    const subject = await introspect(ex.amUrl, subjectToken, 'client-application');
    assert.equal(subject.active, true);
    assert.equal(subject.client_id, 'client-application');
    assert.equal(subject.scope, 'mail employeenumber');
    assert.deepEqual(subject.may_act, { client_id: 'serviceConfidentialClient' });

    const exchanged = await call(`${ex.gateway}/token-exchange`, { form: { subject_token: subjectToken } });
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.equal(exchanged.headers['content-type'], 'application/json');
    const issued = json(exchanged);
    assert.equal(issued.issued_token_type, ACCESS_TOKEN_TYPE);
    assert.notEqual(issued.access_token, subjectToken);

    const info = await introspect(ex.amUrl, issued.access_token as string, 'serviceConfidentialClient');
    assert.equal(info.active, true);
    assert.equal(info.sub, 'demo');
    assert.equal(info.client_id, 'serviceConfidentialClient');
    assert.equal(info.scope, 'mail');
    assert.deepEqual(info.may_act, { client_id: 'serviceConfidentialClient' });
    assert.equal(info.act, undefined);
  });

  test("failures get the seed's failure handler: 400 and `error: description`", async () => {
    const bad = await call(`${ex.gateway}/token-exchange`, { form: { subject_token: 'nope' } });
    assert.equal(bad.status, 400);
    assert.equal(
      bad.text,
      'invalid_grant: subject_token is invalid, expired, or was not issued by this server',
    );
    const none = await call(`${ex.gateway}/token-exchange`, { form: { other: '1' } });
    assert.equal(none.status, 400);
    assert.equal(none.text, 'invalid_request: no subject token');
  });
});

describe('examples/delegation', () => {
  let ex: Example;
  let subjectToken: string;
  let actorToken: string;
  before(async () => {
    ex = await startExample('delegation', { spy: true });
    subjectToken = await userToken(ex.amUrl);
    const actor = await call(`${ex.amUrl}oauth2/access_token`, {
      headers: basic('actorClient:password'),
      form: { grant_type: 'client_credentials' },
    });
    assert.equal(actor.status, 200, actor.text);
    actorToken = json(actor).access_token as string;
  });
  after(() => ex.close());

  test("the actor token is actorClient's own", async () => {
    const info = await introspect(ex.amUrl, actorToken, 'actorClient');
    assert.equal(info.active, true);
    assert.equal(info.sub, 'actorClient');
    assert.equal(info.client_id, 'actorClient');
  });

  test('the sample API gets a token for demo whose act names actorClient; neither input token reaches it', async () => {
    const res = await call(`${ex.gateway}/delegated/orders`, {
      headers: { ...bearer(subjectToken), 'x-actor-token': actorToken },
    });
    assert.equal(res.status, 200, res.text);
    const seen = JSON.parse(res.text) as ApiAnswer;
    assert.equal(seen.path, '/delegated/orders');
    assert.deepEqual(seen.token, {
      sub: 'demo',
      client_id: 'serviceConfidentialClient',
      scope: 'mail',
      aud: 'sample-api',
      act: { sub: 'actorClient' },
      may_act: { client_id: 'serviceConfidentialClient' },
    });
    const sent = ex.spy!.requests.at(-1)!;
    assert.equal(sent.headers['x-actor-token'], undefined);
    assert.match(sent.headers.authorization!, /^Bearer /);
    assert.notEqual(sent.headers.authorization, `Bearer ${subjectToken}`);
    assert.notEqual(sent.headers.authorization, `Bearer ${actorToken}`);
  });

  test('no actor token, a bad actor token, a subject token without may_act: refused, the API not called', async () => {
    const before = ex.spy!.requests.length;
    const noActor = await call(`${ex.gateway}/delegated/orders`, { headers: bearer(subjectToken) });
    assert.equal(noActor.status, 400);
    assert.deepEqual(json(noActor), { error: 'invalid_request', error_description: 'no actor token' });

    const badActor = await call(`${ex.gateway}/delegated/orders`, {
      headers: { ...bearer(subjectToken), 'x-actor-token': 'nope' },
    });
    assert.equal(badActor.status, 401);
    assert.deepEqual(json(badActor), {
      error: 'invalid_grant',
      error_description: 'actor_token is invalid, expired, or was not issued by this server',
    });

    const noMayAct = await call(`${ex.gateway}/delegated/orders`, {
      headers: { ...bearer(actorToken), 'x-actor-token': actorToken },
    });
    assert.equal(noMayAct.status, 401);
    assert.deepEqual(json(noMayAct), {
      error: 'invalid_grant',
      error_description: 'the subject token has no may_act claim, so nobody may exchange it',
    });
    assert.equal(ex.spy!.requests.length, before);
  });
});

describe('examples/audiences', () => {
  const AUDIENCES = [
    'sample-api',
    'reports-api',
    'https://reports.example.com/v1/',
    'https://archive.example.com/reports',
  ];
  let ex: Example;
  let subjectToken: string;
  before(async () => {
    ex = await startExample('audiences');
    subjectToken = await userToken(ex.amUrl);
  });
  after(() => ex.close());

  test("the sample API sees every audience and resource in the issued token's aud", async () => {
    const res = await call(`${ex.gateway}/reports/2026-q3`, { headers: bearer(subjectToken) });
    assert.equal(res.status, 200, res.text);
    const seen = JSON.parse(res.text) as ApiAnswer;
    assert.deepEqual(seen.token.aud, AUDIENCES);
    assert.equal(seen.token.scope, 'mail');
    assert.equal(seen.token.client_id, 'serviceConfidentialClient');
  });

  test('the issued token from /audiences/token, introspected, has the same aud', async () => {
    const res = await call(`${ex.gateway}/audiences/token`, { form: { subject_token: subjectToken } });
    assert.equal(res.status, 200, res.text);
    const issued = json(res);
    assert.equal(issued.scope, 'mail');
    assert.equal(typeof issued.expires_in, 'number');
    const info = await introspect(ex.amUrl, issued.access_token as string, 'serviceConfidentialClient');
    assert.equal(info.active, true);
    assert.deepEqual(info.aud, AUDIENCES);
  });

  test('no token: the default failure handler, 400 with its Bearer challenge and no body', async () => {
    const res = await call(`${ex.gateway}/reports/2026-q3`);
    assert.equal(res.status, 400);
    assert.equal(
      res.headers['www-authenticate'],
      'Bearer error="invalid_request", error_description="no subject token"',
    );
    assert.equal(res.text, '');
  });
});

describe('examples/dynamic-scopes', () => {
  let ex: Example;
  before(async () => {
    ex = await startExample('dynamic-scopes');
  });
  after(() => ex.close());

  test('the JSONata ResourceAccess picks the scopes by path', async () => {
    const token = await userToken(ex.amUrl);
    const scopeAt = async (path: string): Promise<unknown> => {
      const res = await call(`${ex.gateway}${path}`, { headers: bearer(token) });
      assert.equal(res.status, 200, res.text);
      return (JSON.parse(res.text) as ApiAnswer).token.scope;
    };
    assert.equal(await scopeAt('/rs/mail'), 'mail');
    assert.equal(await scopeAt('/rs/employee/42'), 'mail employeenumber');
    assert.equal(await scopeAt('/rs/employee'), 'mail employeenumber');
    assert.equal(await scopeAt('/rs/employees'), 'mail');
    assert.equal(await scopeAt('/rs/mail/inbox'), 'mail');
  });

  test('a token with mail only may read /rs/mail, not /rs/employee (403 invalid_scope)', async () => {
    const mailOnly = await userToken(ex.amUrl, 'mail');
    const mail = await call(`${ex.gateway}/rs/mail`, { headers: bearer(mailOnly) });
    assert.equal(mail.status, 200, mail.text);
    assert.equal((JSON.parse(mail.text) as ApiAnswer).token.scope, 'mail');
    const employee = await call(`${ex.gateway}/rs/employee/42`, { headers: bearer(mailOnly) });
    assert.equal(employee.status, 403);
    assert.deepEqual(json(employee), {
      error: 'invalid_scope',
      error_description: "scope employeenumber is not within the subject token's scope",
    });
  });

  test('the scopes are part of the cache key: repeated calls are served from the cache', async () => {
    const token = await userToken(ex.amUrl);
    const before = ex.demo.authorizationServer!.tokenRequests();
    for (const path of ['/rs/mail', '/rs/employee/1', '/rs/mail', '/rs/employee/2']) {
      const res = await call(`${ex.gateway}${path}`, { headers: bearer(token) });
      assert.equal(res.status, 200, res.text);
    }
    assert.equal(ex.demo.authorizationServer!.tokenRequests() - before, 2);
  });
});

describe('examples/failure-handling', () => {
  let ex: Example;
  let goodToken: string;
  let employeeOnlyToken: string;
  before(async () => {
    ex = await startExample('failure-handling', {
      spy: true,
      env: { AS_DOWN_URL: `http://127.0.0.1:${await closedPort()}/openam/` },
    });
    goodToken = await userToken(ex.amUrl);
    employeeOnlyToken = await userToken(ex.amUrl, 'employeenumber');
  });
  after(() => ex.close());

  /** Calls `path` as `who`, and checks whether the sample API was called. */
  async function attempt(path: string, who: Record<string, string>): Promise<Answer & { reached: boolean }> {
    const before = ex.spy!.requests.length;
    const res = await call(`${ex.gateway}${path}`, { headers: who });
    return { ...res, reached: ex.spy!.requests.length > before };
  }
  const NO_TOKEN = {};
  const BAD_TOKEN = bearer('nope');

  test('the default failure handler: the failure table status, a Bearer challenge, an empty body', async () => {
    for (const [who, status, challenge] of [
      [NO_TOKEN, 400, 'Bearer error="invalid_request", error_description="no subject token"'],
      [
        BAD_TOKEN,
        401,
        'Bearer error="invalid_token", error_description="subject_token is invalid, expired, or was not issued by this server"',
      ],
      [
        bearer(employeeOnlyToken),
        403,
        'Bearer error="insufficient_scope", error_description="scope mail is not within the subject token\'s scope"',
      ],
    ] as const) {
      const res = await attempt('/default/hello', who);
      assert.equal(res.status, status);
      assert.equal(res.headers['www-authenticate'], challenge);
      assert.equal(res.text, '');
      assert.equal(res.reached, false);
    }
    const ok = await attempt('/default/hello', bearer(goodToken));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.reached, true);
    assert.equal((JSON.parse(ok.text) as ApiAnswer).token.scope, 'mail');
  });

  test('a JSON body from contexts.oauth2Failure, with its status', async () => {
    const cases = [
      [NO_TOKEN, 400, { error: 'invalid_request', error_description: 'no subject token' }],
      [
        BAD_TOKEN,
        401,
        {
          error: 'invalid_grant',
          error_description: 'subject_token is invalid, expired, or was not issued by this server',
        },
      ],
      [
        bearer(employeeOnlyToken),
        403,
        { error: 'invalid_scope', error_description: "scope mail is not within the subject token's scope" },
      ],
    ] as const;
    for (const [who, status, body] of cases) {
      const res = await attempt('/json/hello', who);
      assert.equal(res.status, status);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.headers['retry-after'], undefined);
      assert.deepEqual(json(res), body);
      assert.equal(res.reached, false);
    }
    const ok = await attempt('/json/hello', bearer(goodToken));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.reached, true);
  });

  test('a DispatchHandler: RFC 6750 challenges chosen by the error', async () => {
    const none = await attempt('/dispatch/hello', NO_TOKEN);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="tollgate"');
    assert.equal(none.text, '');

    const bad = await attempt('/dispatch/hello', BAD_TOKEN);
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['www-authenticate'], 'Bearer realm="tollgate", error="invalid_token"');
    assert.equal(json(bad).error, 'invalid_token');

    const narrow = await attempt('/dispatch/hello', bearer(employeeOnlyToken));
    assert.equal(narrow.status, 403);
    assert.equal(
      narrow.headers['www-authenticate'],
      'Bearer realm="tollgate", error="insufficient_scope", scope="mail"',
    );
    assert.deepEqual(json(narrow), {
      error: 'insufficient_scope',
      error_description: "scope mail is not within the subject token's scope",
    });
    for (const res of [none, bad, narrow]) assert.equal(res.reached, false);

    const ok = await attempt('/dispatch/hello', bearer(goodToken));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.reached, true);
  });

  test('authorization server down: 502 temporarily_unavailable, Retry-After from the ConditionalFilter', async () => {
    const res = await attempt('/as-down/hello', bearer(goodToken));
    assert.equal(res.status, 502);
    assert.equal(res.headers['retry-after'], '30');
    assert.deepEqual(json(res), {
      error: 'temporarily_unavailable',
      error_description: 'the authorization server cannot be reached',
    });
    assert.equal(res.reached, false);
  });

  test('a gateway without CLIENT_SECRET_ID: 500 server_error (JSON), 503 (dispatch), 500 (default)', async () => {
    const misconfigured = await startDemo({
      gatewayOnly: true,
      ports: { gateway: 0 },
      routesDir: join(root, 'examples/failure-handling/routes'),
      logLevel: 'silent',
      env: { AM_URL: ex.amUrl, BACKEND_URL: ex.spy!.url },
    });
    try {
      const gateway = misconfigured.gateway.urls[0]!;
      const before = ex.spy!.requests.length;
      const asJson = await call(`${gateway}/json/hello`, { headers: bearer(goodToken) });
      assert.equal(asJson.status, 500);
      assert.deepEqual(json(asJson), {
        error: 'server_error',
        error_description: 'the token exchange could not be performed',
      });
      const dispatched = await call(`${gateway}/dispatch/hello`, { headers: bearer(goodToken) });
      assert.equal(dispatched.status, 503);
      assert.equal(dispatched.headers['retry-after'], '30');
      assert.deepEqual(json(dispatched), { error: 'temporarily_unavailable' });
      const byDefault = await call(`${gateway}/default/hello`, { headers: bearer(goodToken) });
      assert.equal(byDefault.status, 500);
      assert.equal(byDefault.text, '');
      assert.equal(ex.spy!.requests.length, before);
    } finally {
      await misconfigured.close();
    }
  });
});

describe('examples/protected-api', () => {
  let ex: Example;
  before(async () => {
    ex = await startExample('protected-api', { spy: true });
  });
  after(() => ex.close());

  const jwtToken = async (scope: string): Promise<string> => {
    const answer = await call(`${ex.amUrl}oauth2/access_token`, {
      headers: basic('client-application:password'),
      form: {
        grant_type: 'password',
        username: 'demo',
        password: 'Ch4ng31t',
        scope,
        resource: ex.demo.authorizationServer!.jwtResource,
      },
    });
    assert.equal(answer.status, 200, answer.text);
    return json(answer).access_token as string;
  };

  for (const variant of ['introspected', 'jwt'] as const) {
    test(`${variant}: the caller's token is checked, then exchanged; the API gets the narrower one`, async () => {
      const token = variant === 'jwt' ? await jwtToken('mail employeenumber') : await userToken(ex.amUrl);
      const res = await call(`${ex.gateway}/${variant}/orders`, { headers: bearer(token) });
      assert.equal(res.status, 200, res.text);
      const seen = JSON.parse(res.text) as ApiAnswer;
      assert.equal(seen.path, `/${variant}/orders`);
      assert.equal(seen.token.sub, 'demo');
      assert.equal(seen.token.client_id, 'serviceConfidentialClient');
      assert.equal(seen.token.scope, 'mail');
      assert.equal(seen.token.aud, 'sample-api');
      assert.notEqual(ex.spy!.requests.at(-1)!.headers.authorization, `Bearer ${token}`);
    });

    test(`${variant}: no token, a bad token, a token without mail: refused, the API not called`, async () => {
      const before = ex.spy!.requests.length;
      const none = await call(`${ex.gateway}/${variant}/orders`);
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="sample-api"');
      const bad = await call(`${ex.gateway}/${variant}/orders`, { headers: bearer('nope') });
      assert.equal(bad.status, 401);
      assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
      const narrow =
        variant === 'jwt' ? await jwtToken('employeenumber') : await userToken(ex.amUrl, 'employeenumber');
      const refused = await call(`${ex.gateway}/${variant}/orders`, { headers: bearer(narrow) });
      assert.equal(refused.status, 403);
      assert.match(String(refused.headers['www-authenticate']), /error="insufficient_scope"/);
      assert.equal(ex.spy!.requests.length, before);
    });
  }
});

describe('examples/rate-limited-api', () => {
  const APP = 'https://app.example.com';
  const URL_PATH = '/limited/orders';
  // The tests share the gateway's buckets, one per client: only the burst test spends
  // client-application's, and the partner test counts actorClient's from its first request.
  let ex: Example;
  let appToken: string;
  let partnerToken: string;
  /** When actorClient's bucket was made: at its first request. */
  let partnerSince: number | undefined;
  before(async () => {
    ex = await startExample('rate-limited-api', { spy: true });
    appToken = await userToken(ex.amUrl, 'mail');
    const partner = await call(`${ex.amUrl}oauth2/access_token`, {
      headers: basic('actorClient:password'),
      form: { grant_type: 'client_credentials', scope: 'mail' },
    });
    assert.equal(partner.status, 200, partner.text);
    partnerToken = json(partner).access_token as string;
  });
  after(() => ex.close());

  /** Calls the route, and checks whether the sample API was called. */
  async function attempt(
    headers: Record<string, string>,
    method: 'GET' | 'OPTIONS' = 'GET',
  ): Promise<Answer & { reached: boolean }> {
    const before = ex.spy!.requests.length;
    const res = await call(`${ex.gateway}${URL_PATH}`, { method, headers });
    return { ...res, reached: ex.spy!.requests.length > before };
  }
  async function asPartner(headers: Record<string, string> = {}): Promise<Answer & { reached: boolean }> {
    partnerSince ??= performance.now();
    return attempt({ ...bearer(partnerToken), ...headers });
  }
  const preflight = (origin: string, method: string, headers?: string): Record<string, string> => ({
    origin,
    'access-control-request-method': method,
    ...(headers !== undefined && { 'access-control-request-headers': headers }),
  });

  test('a preflight from the accepted origin: 200 with the Access-Control-* headers, from the gateway', async () => {
    const res = await attempt(preflight(APP, 'GET', 'Authorization, Content-Type'), 'OPTIONS');
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    assert.equal(res.headers['access-control-allow-methods'], 'GET');
    assert.equal(res.headers['access-control-allow-headers'], 'authorization, content-type');
    assert.equal(res.headers['access-control-max-age'], '600');
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.equal(res.headers.vary, 'Origin');
    assert.equal(res.reached, false);
  });

  test('a preflight from another origin, for another method or header: 403 without CORS headers', async () => {
    for (const headers of [
      preflight('https://other.example.com', 'GET', 'authorization'),
      preflight(APP, 'DELETE'),
      preflight(APP, 'GET', 'authorization, x-debug'),
    ]) {
      const res = await attempt(headers, 'OPTIONS');
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      assert.equal(res.reached, false);
    }
  });

  test('an actual request: the accepted origin gets its CORS headers, another origin 403, none passes as is', async () => {
    const res = await asPartner({ origin: APP });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.reached, true);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    assert.equal(res.headers['access-control-expose-headers'], 'Retry-After, WWW-Authenticate');
    assert.equal(res.headers.vary, 'Origin');
    assert.equal((JSON.parse(res.text) as ApiAnswer).token.client_id, 'actorClient');

    const other = await asPartner({ origin: 'https://other.example.com' });
    assert.equal(other.status, 403);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.reached, false);

    const noOrigin = await asPartner();
    assert.equal(noOrigin.status, 200, noOrigin.text);
    assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
    assert.equal(noOrigin.reached, true);
  });

  test('no token: 401 with the challenge, readable cross-origin, never throttled, the API not called', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await attempt({ origin: APP });
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="sample-api"');
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.equal(res.reached, false);
    }
  });

  test('client-application: 3 a minute, then 429 with Retry-After and the CORS headers; the API not called', async () => {
    const since = performance.now();
    for (let i = 0; i < 3; i++) {
      const res = await attempt({ ...bearer(appToken), origin: APP });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.reached, true);
    }
    const throttled = await attempt({ ...bearer(appToken), origin: APP });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.text, '');
    assert.equal(throttled.reached, false);
    assert.equal(throttled.headers['access-control-allow-origin'], APP);
    assert.equal(throttled.headers['access-control-expose-headers'], 'Retry-After, WWW-Authenticate');
    // One request comes back every 20 seconds, counted from the bucket's first request.
    const retryAfter = Number(throttled.headers['retry-after']);
    const elapsed = Math.ceil((performance.now() - since) / 1000);
    assert.ok(retryAfter <= 20 && retryAfter >= 20 - elapsed, `Retry-After: ${retryAfter}`);
  });

  test('actorClient has its own bucket and rate: it passes while client-application is throttled, 10 a minute', async () => {
    assert.equal((await attempt(bearer(appToken))).status, 429);
    let passed = 0;
    for (;;) {
      const res = await asPartner();
      if (res.status !== 200) {
        assert.equal(res.status, 429);
        assert.equal(res.reached, false);
        assert.ok(Number(res.headers['retry-after']) <= 6, String(res.headers['retry-after']));
        break;
      }
      assert.equal(res.reached, true);
      passed += 1;
      assert.ok(passed <= 12, 'actorClient was not throttled');
    }
    // Two of the earlier test's requests were actorClient's and passed; its 403 took nothing, as
    // the CorsFilter refuses before the ThrottlingFilter counts. A token comes back every 6 seconds.
    const refilled = Math.floor((performance.now() - partnerSince!) / 6000);
    assert.ok(passed + 2 >= 10 && passed + 2 <= 10 + refilled, `${passed + 2} of actorClient's passed`);
  });

  test('a client not in the mapping gets the default rate, 1 a minute', async () => {
    const exchanged = await call(`${ex.amUrl}oauth2/access_token`, {
      headers: basic('serviceConfidentialClient:password'),
      form: {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: appToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        scope: 'mail',
      },
    });
    assert.equal(exchanged.status, 200, exchanged.text);
    const other = json(exchanged).access_token as string;
    const first = await attempt(bearer(other));
    assert.equal(first.status, 200, first.text);
    assert.equal((JSON.parse(first.text) as ApiAnswer).token.client_id, 'serviceConfidentialClient');
    const second = await attempt(bearer(other));
    assert.equal(second.status, 429);
    assert.equal(second.reached, false);
    assert.ok(Number(second.headers['retry-after']) > 50, String(second.headers['retry-after']));
  });
});
