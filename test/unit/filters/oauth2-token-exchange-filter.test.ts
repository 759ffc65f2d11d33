import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import type {
  OAuth2FailureContext,
  OAuth2TokenExchangeContext,
} from '../../../src/filters/oauth2-token-exchange-filter.js';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, json, recordingNext, run, type Respond } from './harness.js';

const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ISSUED = {
  access_token: 'issued-1',
  issued_token_type: ACCESS,
  token_type: 'Bearer',
  expires_in: 60,
  scope: 'mail',
};

/** A route heap with the filter under test named "x" and the Stub as its endpoint handler. */
function filterHeap(config: Record<string, unknown>, extra: unknown[] = []): unknown[] {
  return [
    ...extra,
    {
      name: 'x',
      type: 'OAuth2TokenExchangeFilter',
      config: { endpoint: 'http://as.test/token', endpointHandler: 'Stub', ...config },
    },
    { name: 'Stub', type: 'Stub' },
  ];
}

const formRequest = (token: string): { headers: Record<string, string>; body: string } => ({
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: `subject_token=${encodeURIComponent(token)}`,
});

const seedConfig = { subjectToken: "#{request.entity.form['subject_token'][0]}", scopes: ['mail'] };

describe('OAuth2TokenExchangeFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: Record<string, unknown>, extra: unknown[] = []): string[] =>
    harness().errorsOf([{ name: 'x', type: 'OAuth2TokenExchangeFilter', config }, ...extra]);

  test('neither amService nor endpoint', () => {
    assert.deepEqual(errorsOf({ subjectToken: '${x}' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/amService`,
    ]);
  });

  test('subjectToken is required', () => {
    assert.deepEqual(errorsOf({ endpoint: 'http://as.test/token' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/subjectToken`,
    ]);
  });

  test('actorTokenType without actorToken', () => {
    assert.deepEqual(
      errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', actorTokenType: ACCESS }),
      [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/actorToken`],
    );
  });

  test('a typo is an unknown property, never a default', () => {
    assert.deepEqual(errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', scopse: ['a'] }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/scopse`,
    ]);
  });

  test('an endpoint that is not an http(s) URL', () => {
    assert.deepEqual(errorsOf({ subjectToken: '${x}', endpoint: 'as.test/token' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/endpoint`,
    ]);
  });

  test('a resource with a fragment, pointed at by its index', () => {
    assert.deepEqual(
      errorsOf({
        subjectToken: '${x}',
        endpoint: 'http://as.test/token',
        resource: ['https://api.test/a', 'https://api.test/b#frag'],
      }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/resource/1`],
    );
  });

  test('a fixed scope with a character RFC 6749 forbids, pointed at by its index', () => {
    assert.deepEqual(
      errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', scopes: ['mail', 'bad"scope'] }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/scopes/1`],
    );
  });

  test('a token type that is not a URI', () => {
    assert.deepEqual(
      errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', subjectTokenType: 'access token' }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/subjectTokenType`],
    );
  });

  test('a bad timeout and an unbounded cache lifetime', () => {
    assert.deepEqual(errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', timeout: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/timeout`,
    ]);
    assert.deepEqual(
      errorsOf({
        subjectToken: '${x}',
        endpoint: 'http://as.test/token',
        cache: { enabled: true, maxTtl: 'unlimited' },
      }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/cache/maxTtl`],
    );
  });

  test('a missing endpointHandler and a scopes name that is not a ResourceAccess', () => {
    assert.deepEqual(
      errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', endpointHandler: 'Nope' }),
      [`TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/endpointHandler`],
    );
    assert.deepEqual(
      errorsOf({ subjectToken: '${x}', endpoint: 'http://as.test/token', scopes: 'ClientHandler' }),
      [`TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/scopes`],
    );
  });

  test('a bad secretsProvider reference in the client authentication filter', () => {
    const auth = (secretsProvider: unknown): string[] =>
      harness().errorsOf([
        {
          name: 'auth',
          type: 'ClientSecretBasicAuthenticationFilter',
          config: { clientId: 'c', clientSecretId: 'c.secret', secretsProvider },
        },
        { name: 'store', type: 'Base64EncodedSecretStore', config: { secrets: {} } },
      ]);
    assert.deepEqual(auth('NoSuchStore'), [`TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/secretsProvider`]);
    assert.deepEqual(auth(['store', 'NoSuchStore']), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/secretsProvider/1`,
    ]);
    assert.deepEqual(auth('ClientHandler'), [`TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/secretsProvider`]);
    assert.deepEqual(auth([]), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/secretsProvider`]);
  });
});

describe('the request the filter sends', () => {
  async function sent(
    config: Record<string, unknown>,
    extra: unknown[] = [],
    init = formRequest('subject-1'),
  ) {
    const h = harness({ respond: () => json(200, ISSUED) });
    const filter = h.build<Filter>(filterHeap(config, extra), 'x', 'Filter');
    const { response } = await run(filter, h.incoming(init));
    assert.equal(response.status, 200);
    assert.equal(h.seen.length, 1);
    return h.seen[0]!;
  }

  test("the seed's config: RFC 8693 form, defaults for the token types, POST to the endpoint", async () => {
    const seen = await sent(seedConfig);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.uri, 'http://as.test/token');
    assert.equal(seen.headers.first('content-type'), 'application/x-www-form-urlencoded');
    assert.deepEqual(
      [...seen.form],
      [
        ['grant_type', GRANT],
        ['subject_token', 'subject-1'],
        ['subject_token_type', ACCESS],
        ['requested_token_type', ACCESS],
        ['scope', 'mail'],
      ],
    );
  });

  test('requestedTokenType null sends none; PingGateway constant names are URIs', async () => {
    const seen = await sent({ ...seedConfig, requestedTokenType: null, subjectTokenType: 'URN_ID_TOKEN' });
    assert.equal(seen.form.get('requested_token_type'), null);
    assert.equal(seen.form.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:id_token');
  });

  test('audiences and resources repeat; scopes from expressions and lists are joined', async () => {
    const seen = await sent(
      {
        subjectToken: "#{request.entity.form['subject_token'][0]}",
        scopes: ['mail', "${request.headers['X-Scope']}", '${null}'],
        audience: ['orders', 'billing'],
        resource: 'https://api.test/orders',
      },
      [],
      { ...formRequest('s'), headers: { ...formRequest('s').headers, 'X-Scope': 'profile' } },
    );
    assert.deepEqual(seen.form.getAll('audience'), ['orders', 'billing']);
    assert.deepEqual(seen.form.getAll('resource'), ['https://api.test/orders']);
    assert.equal(seen.form.get('scope'), 'mail profile');
  });

  test('an actor token is sent with its type, the access token URN by default', async () => {
    const seen = await sent({ ...seedConfig, actorToken: "${request.headers['X-Actor'][0]}" }, [], {
      ...formRequest('s'),
      headers: { ...formRequest('s').headers, 'X-Actor': 'actor-1' },
    });
    assert.equal(seen.form.get('actor_token'), 'actor-1');
    assert.equal(seen.form.get('actor_token_type'), ACCESS);
  });

  test('amService wins over endpoint', async () => {
    const seen = await sent({ ...seedConfig, amService: 'am' }, [
      { name: 'am', type: 'AmService', config: { url: 'http://am.test/openam', realm: '/alpha' } },
    ]);
    assert.equal(seen.uri, 'http://am.test/openam/oauth2/realms/root/realms/alpha/access_token');
  });

  test('scopes from a ScriptableResourceAccess', async () => {
    const seen = await sent({ ...seedConfig, scopes: 'scopes' }, [
      {
        name: 'scopes',
        type: 'ScriptableResourceAccess',
        config: {
          type: 'application/x-jsonata',
          source: "request.method = 'POST' ? ['mail', args.extra] : []",
          args: { extra: 'employeenumber' },
        },
      },
    ]);
    assert.equal(seen.form.get('scope'), 'mail employeenumber');
  });

  test('the client authentication filters of an endpointHandler Chain', async () => {
    const store = {
      name: 'store',
      type: 'Base64EncodedSecretStore',
      config: { secrets: { 'client.secret': Buffer.from('pa:ss').toString('base64') } },
    };
    const chain = (type: string): unknown => ({
      name: 'chain',
      type: 'Chain',
      config: {
        handler: 'Stub',
        filters: [
          {
            type,
            config: { clientId: 'svc client', clientSecretId: 'client.secret', secretsProvider: 'store' },
          },
        ],
      },
    });
    const basic = await sent({ ...seedConfig, endpointHandler: 'chain' }, [
      store,
      chain('ClientSecretBasicAuthenticationFilter'),
    ]);
    // RFC 6749 §2.3.1: id and secret form-urlencoded before base64.
    assert.equal(
      basic.headers.first('authorization'),
      `Basic ${Buffer.from('svc+client:pa%3Ass').toString('base64')}`,
    );
    assert.equal(basic.form.get('client_secret'), null);

    const post = await sent({ ...seedConfig, endpointHandler: 'chain' }, [
      store,
      chain('ClientSecretPostAuthenticationFilter'),
    ]);
    assert.equal(post.form.get('client_id'), 'svc client');
    assert.equal(post.form.get('client_secret'), 'pa:ss');
    assert.equal(post.form.get('subject_token'), 'subject-1');
    assert.equal(post.headers.first('content-length'), String(Buffer.byteLength(post.body)));
    assert.equal(post.headers.has('authorization'), false);
  });
});

describe('success and failure', () => {
  test('success fills contexts.oauth2TokenExchange and calls the next handler', async () => {
    const h = harness({ respond: () => json(200, ISSUED) });
    const filter = h.build<Filter>(filterHeap(seedConfig), 'x', 'Filter');
    const exchange = h.incoming(formRequest('subject-1'));
    const next = recordingNext();
    const { body } = await run(filter, exchange, next);
    assert.equal(body, 'next');
    assert.equal(next.calls.length, 1);
    const context = exchange.contexts.oauth2TokenExchange as OAuth2TokenExchangeContext;
    assert.ok(Object.isFrozen(context));
    assert.deepEqual(
      { ...context, rawInfo: { ...context.rawInfo } },
      {
        issuedToken: 'issued-1',
        issuedTokenType: ACCESS,
        scopes: ['mail'],
        tokenType: 'Bearer',
        expiresIn: 60,
        rawInfo: ISSUED,
      },
    );
  });

  /** Runs one request against a stub answer; returns status, body, the failure context and the logs. */
  async function failing(
    respond: Respond,
    config: Record<string, unknown> = {},
    init = formRequest('subject-secret'),
  ) {
    const h = harness({ respond });
    const filter = h.build<Filter>(filterHeap({ ...seedConfig, ...config }), 'x', 'Filter');
    const exchange = h.incoming(init);
    const next = recordingNext();
    const { response, body } = await run(filter, exchange, next);
    assert.equal(next.calls.length, 0, 'the next handler must not be called');
    return {
      status: response.status,
      challenge: response.headers.first('www-authenticate'),
      body,
      failure: exchange.contexts.oauth2Failure as OAuth2FailureContext,
      logs: h.logs.filter((line) => line.code === 'TG_OAUTH2_EXCHANGE_FAILED'),
      raw: h.raw,
      calls: h.seen.length,
    };
  }

  test("an OAuth error: the server's error and description, the table's status, an empty body", async () => {
    const result = await failing(() =>
      json(400, { error: 'invalid_grant', error_description: 'token expired' }),
    );
    assert.equal(result.status, 401);
    assert.equal(result.challenge, 'Bearer error="invalid_token", error_description="token expired"');
    assert.equal(result.body, '');
    assert.equal(result.failure.error, 'invalid_grant');
    assert.equal(result.failure.description, 'token expired');
    assert.equal(result.failure.upstreamStatus, 400);
    assert.ok(result.failure.exception instanceof Error);
    assert.ok(Object.isFrozen(result.failure));
    assert.equal(result.logs.length, 1);
    assert.equal(result.logs[0]!.error, 'invalid_grant');
    assert.ok(!result.raw.some((line) => line.includes('subject-secret')), 'no token in the logs');
  });

  test('an answer repeating the tokens sent: no log line and no failure field holds them', async () => {
    const actor = { actorToken: "${request.headers['X-Actor'][0]}" };
    const init = {
      ...formRequest('subject-secret'),
      headers: { ...formRequest('s').headers, 'X-Actor': 'actor-secret' },
    };
    const echo = (seen: { body: string }): string => `could not parse ${seen.body}`;
    const answers: Respond[] = [
      (seen) => json(500, echo(seen), { 'Content-Type': 'text/plain' }),
      (seen) => json(400, echo(seen), { 'Content-Type': 'text/html' }),
      (seen) => json(400, { error: 'invalid_grant', error_description: echo(seen) }),
      (seen) => json(401, { message: echo(seen) }),
    ];
    for (const respond of answers) {
      const result = await failing(respond, actor, init);
      assert.equal(result.logs.length, 1);
      const failure = JSON.stringify({ ...result.failure, exception: result.failure.exception.message });
      for (const text of [...result.raw, failure]) assert.doesNotMatch(text, /subject-secret|actor-secret/);
    }
    const described = await failing(
      () => json(400, { error: 'invalid_grant', error_description: 'subject-secret is expired' }),
      {},
    );
    assert.equal(described.logs[0]!.description, '[REDACTED] is expired');
    assert.equal(described.failure.description, '[REDACTED] is expired');
    assert.equal(described.logs[0]!.detail, 'the authorization server answered 400 invalid_grant');
  });

  test("the server refusing the gateway's own client or request: 500, logged as a configuration problem", async () => {
    const refusals = [
      { error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' },
      { error: 'invalid_request', error_description: 'unsupported subject_token_type urn:x' },
      { error: 'invalid_request' },
      { error: 'invalid_client', error_description: 'client authentication failed' },
      { error: 'unauthorized_client' },
      { error: 'unsupported_grant_type' },
    ];
    for (const body of refusals) {
      const result = await failing(() => json(400, body));
      assert.equal(result.status, 500, body.error_description);
      assert.equal(result.failure.situation, 'as_configuration_error');
      assert.equal(result.failure.error, body.error);
      const [line] = result.logs;
      assert.equal(line!.level, 50, 'logged at error');
      assert.equal(line!.situation, 'as_configuration_error');
      assert.equal(
        line!.msg,
        "token exchange failed: the gateway's client registration or configuration is wrong",
      );
    }
    const unusable = await failing(() => json(401, 'Unauthorized', { 'Content-Type': 'text/plain' }));
    assert.deepEqual([unusable.status, unusable.logs[0]!.level], [500, 50]);
  });

  test("an invalid_request about the subject or actor token is the caller's: 400, logged at info", async () => {
    const result = await failing(() =>
      json(400, { error: 'invalid_request', error_description: 'the subject_token is not a JWT' }),
    );
    assert.equal(result.status, 400);
    assert.equal(result.failure.situation, 'as_oauth_error');
    assert.deepEqual([result.logs[0]!.level, result.logs[0]!.msg], [30, 'token exchange failed']);
  });

  test('a failureHandler answers instead, reading contexts.oauth2Failure', async () => {
    const result = await failing(
      () => json(400, { error: 'invalid_grant', error_description: 'bad token' }),
      {
        failureHandler: {
          type: 'StaticResponseHandler',
          config: {
            status: 400,
            entity: '${contexts.oauth2Failure.error}: ${contexts.oauth2Failure.description}',
          },
        },
      },
    );
    assert.equal(result.status, 400);
    assert.equal(result.body, 'invalid_grant: bad token');
    assert.equal(result.challenge, undefined, 'a failureHandler decides its own headers');
  });

  test('the default answer: a Bearer challenge for each 4xx, none for a 5xx', async () => {
    const cases: [Respond, number, string | undefined][] = [
      [
        () => json(400, { error: 'invalid_grant', error_description: 'Jeton expiré: "subject-secret"' }),
        401,
        'Bearer error="invalid_token", error_description="Jeton expire: \'[REDACTED]\'"',
      ],
      [() => json(400, { error: 'invalid_grant' }), 401, 'Bearer error="invalid_token"'],
      [
        () => json(400, { error: 'invalid_request', error_description: 'subject_token is not a JWT' }),
        400,
        'Bearer error="invalid_request", error_description="subject_token is not a JWT"',
      ],
      [
        () => json(400, { error: 'invalid_target', error_description: 'unknown audience hr' }),
        403,
        'Bearer error="insufficient_scope", error_description="unknown audience hr"',
      ],
      [() => json(400, { error: 'access_denied' }), 403, 'Bearer error="insufficient_scope"'],
      [() => json(400, { error: 'unauthorized_client' }), 500, undefined],
      [() => json(503, { error: 'temporarily_unavailable' }), 502, undefined],
    ];
    for (const [respond, status, challenge] of cases) {
      const result = await failing(respond);
      assert.deepEqual([result.status, result.challenge], [status, challenge]);
    }
    const missing = await failing(() => json(200, ISSUED), {}, { headers: {}, body: '' });
    assert.equal(missing.challenge, 'Bearer error="invalid_request", error_description="no subject token"');
  });

  test('no subject token: invalid_request 400 without calling the server', async () => {
    const result = await failing(() => json(200, ISSUED), {}, { headers: {}, body: '' });
    assert.equal(result.status, 400);
    assert.equal(result.failure.error, 'invalid_request');
    assert.equal(result.calls, 0);
  });

  test('delegation configured but no actor token: 400 without calling the server', async () => {
    const result = await failing(() => json(200, ISSUED), { actorToken: "${request.headers['X-Actor'][0]}" });
    assert.equal(result.status, 400);
    assert.equal(result.failure.description, 'no actor token');
    assert.equal(result.calls, 0);
  });

  test('transport failures thrown by the handler are mapped, not propagated', async () => {
    const down = await failing(() => {
      throw new TollgateError('TG_UPSTREAM_UNREACHABLE', 'POST http://as.test:80: ECONNREFUSED');
    });
    assert.equal(down.status, 502);
    assert.equal(down.failure.error, 'temporarily_unavailable');
    const html = await failing(() => json(200, '<html>', { 'Content-Type': 'text/html' }));
    assert.equal(html.status, 502);
    assert.equal(html.failure.error, 'server_error');
  });

  test('the filter time-out holds even against a handler that never answers', async () => {
    const started = Date.now();
    // AbortSignal.timeout does not keep the process alive; a gateway's listening socket does.
    const keepAlive = setTimeout(() => undefined, 5000);
    const result = await failing(() => new Promise(() => undefined), { timeout: '50 ms' });
    clearTimeout(keepAlive);
    assert.equal(result.status, 504);
    assert.equal(result.failure.error, 'temporarily_unavailable');
    assert.ok(Date.now() - started < 2000);
  });

  test('lenient by default on a missing issued_token_type; strict when asked', async () => {
    const { issued_token_type: _omitted, ...withoutType } = ISSUED;
    const h = harness({ respond: () => json(200, withoutType) });
    const filter = h.build<Filter>(filterHeap(seedConfig), 'x', 'Filter');
    assert.equal((await run(filter, h.incoming(formRequest('s')))).response.status, 200);
    const strict = await failing(() => json(200, withoutType), { lenient: false });
    assert.equal(strict.status, 502);
    assert.equal(strict.failure.situation, 'response_check');
  });

  test('a missing client secret fails with server_error; the log names the secret id', async () => {
    const result = await failing(() => json(200, ISSUED), {
      endpointHandler: {
        type: 'Chain',
        config: {
          handler: 'Stub',
          filters: [
            {
              type: 'ClientSecretPostAuthenticationFilter',
              config: {
                clientId: 'c',
                clientSecretId: 'missing.secret',
                secretsProvider: { type: 'SystemAndEnvSecretStore' },
              },
            },
          ],
        },
      },
    });
    assert.equal(result.status, 500);
    assert.equal(result.failure.error, 'server_error');
    assert.equal(result.calls, 0);
    assert.match(String(result.logs[0]!.detail), /missing\.secret/);
  });
});

describe('cache', () => {
  test('concurrent requests with one subject token make one call; different tokens never share', async () => {
    const h = harness({
      respond: async (seen) => {
        await new Promise((done) => setTimeout(done, 20));
        return json(200, { ...ISSUED, access_token: `issued-for-${seen.form.get('subject_token')}` });
      },
    });
    const filter = h.build<Filter>(filterHeap({ ...seedConfig, cache: { enabled: true } }), 'x', 'Filter');
    const sources: string[] = [];
    const issued = async (token: string): Promise<string> => {
      const exchange = h.incoming(formRequest(token));
      await run(filter, exchange);
      sources.push(String(exchange.timing.tokenExchangeSource));
      assert.equal(typeof exchange.timing.tokenExchangeMs, 'number');
      return (exchange.contexts.oauth2TokenExchange as OAuth2TokenExchangeContext).issuedToken;
    };
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issued(i % 2 === 0 ? 'alice' : 'bob')),
    );
    assert.equal(h.seen.length, 2);
    burst.forEach((token, i) => assert.equal(token, i % 2 === 0 ? 'issued-for-alice' : 'issued-for-bob'));
    assert.deepEqual(
      [...new Set(sources)].sort(),
      ['exchanged', 'shared'],
      'the first of each token called, the others waited on its call',
    );
    assert.equal(sources.filter((source) => source === 'exchanged').length, 2);
    assert.equal(await issued('alice'), 'issued-for-alice');
    assert.equal(sources.at(-1), 'cached');
    assert.equal(h.seen.length, 2, 'served from the cache');
    await h.stop();
  });

  test('without cache.enabled every request calls the server', async () => {
    const h = harness({ respond: () => json(200, ISSUED) });
    const filter = h.build<Filter>(filterHeap(seedConfig), 'x', 'Filter');
    await run(filter, h.incoming(formRequest('s')));
    const second = h.incoming(formRequest('s'));
    await run(filter, second);
    assert.equal(h.seen.length, 2);
    assert.equal(second.timing.tokenExchangeSource, 'exchanged');
  });
});
