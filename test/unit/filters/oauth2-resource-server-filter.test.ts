import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OAuth2Context } from '../../../src/filters/oauth2-resource-server-filter.js';
import type { Filter } from '../../../src/heap/types.js';
import { testExchange } from '../../fixtures/exchange.js';
import { FILE, harness, json, recordingNext, run, type Respond } from './harness.js';

const SOON = Math.floor(Date.now() / 1000) + 600;

/** An introspection endpoint that knows `good` (mail, profile) and `narrow` (profile). */
const introspect: Respond = (seen) => {
  const token = seen.form.get('token');
  if (token === 'good') return json(200, { active: true, scope: 'mail profile', exp: SOON, sub: 'demo' });
  if (token === 'narrow') return json(200, { active: true, scope: 'profile', exp: SOON });
  if (token === 'boom') return json(503, { error: 'temporarily_unavailable' });
  return json(200, { active: false });
};

function filterHeap(config: Record<string, unknown>): unknown[] {
  return [
    {
      name: 'x',
      type: 'OAuth2ResourceServerFilter',
      config: {
        accessTokenResolver: {
          type: 'TokenIntrospectionAccessTokenResolver',
          config: { endpoint: 'http://as.test/introspect', providerHandler: 'Stub' },
        },
        scopes: ['mail'],
        requireHttps: false,
        ...config,
      },
    },
    { name: 'Stub', type: 'Stub' },
  ];
}

async function call(config: Record<string, unknown>, headers: Record<string, string>, url?: string) {
  const h = harness({ respond: introspect });
  const filter = h.build<Filter>(filterHeap(config), 'x', 'Filter');
  const next = recordingNext();
  const exchange = h.incoming({ method: 'GET', headers, url });
  const { response } = await run(filter, exchange, next);
  await h.stop();
  return { response, next, exchange, h };
}

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

describe('OAuth2ResourceServerFilter outcomes (RFC 6750 §3)', () => {
  test('no token: 401 with the realm alone; the default realm is OpenIG', async () => {
    const { response, next, h } = await call({}, {});
    assert.equal(response.status, 401);
    assert.equal(response.headers.first('www-authenticate'), 'Bearer realm="OpenIG"');
    assert.equal(next.calls.length, 0);
    assert.equal(h.seen.length, 0, 'nothing to introspect');
  });

  test('other credentials are no token; a malformed bearer token is invalid_token', async () => {
    const basic = await call({ realm: 'api' }, { Authorization: 'Basic dTpw' });
    assert.equal(basic.response.headers.first('www-authenticate'), 'Bearer realm="api"');
    const malformed = await call({}, { Authorization: 'Bearer a b' });
    assert.equal(malformed.response.status, 401);
    assert.match(malformed.response.headers.first('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('an inactive token: 401 invalid_token, the next handler not called', async () => {
    const { response, next, h } = await call({}, bearer('revoked'));
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.first('www-authenticate'),
      'Bearer realm="OpenIG", error="invalid_token", error_description="the token is not active"',
    );
    assert.equal(next.calls.length, 0);
    assert.equal(h.seen[0]?.form.get('token_type_hint'), 'access_token');
  });

  test('a token without a required scope: 403 insufficient_scope naming the scopes', async () => {
    const { response, next } = await call({ scopes: ['mail', 'profile'] }, bearer('narrow'));
    assert.equal(response.status, 403);
    assert.match(response.headers.first('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.match(response.headers.first('www-authenticate') ?? '', /scope="mail profile"/);
    assert.equal(next.calls.length, 0);
  });

  test('a valid token with the scopes: contexts.oauth2.accessToken for the handlers behind', async () => {
    const { response, next } = await call({ scopes: ['mail', '${"profile"}'] }, bearer('good'));
    assert.equal(response.status, 200);
    assert.equal(next.calls.length, 1);
    const context = next.calls[0]!.contexts.oauth2 as OAuth2Context;
    assert.equal(context.accessToken.token, 'good');
    assert.deepEqual(context.accessToken.scopes, ['mail', 'profile']);
    assert.equal(context.accessToken.expiresAt, SOON * 1000);
    assert.equal(context.accessToken.info.sub, 'demo');
  });

  test('a resolver that cannot answer: a coded 502, never a pass, no token in the log', async () => {
    const { response, next, h } = await call({}, bearer('boom'));
    assert.equal(response.status, 502);
    assert.equal(next.calls.length, 0);
    const line = h.logs.find((entry) => entry.code === 'TG_OAUTH2_RESOLVER_FAILED');
    assert.ok(line, 'the failure is logged with its code');
    assert.ok(!h.raw.some((text) => text.includes('boom')), 'the token is not logged');
  });

  test('a scope expression that gives nothing: a coded 500', async () => {
    const { response, next, h } = await call({ scopes: ['${request.headers["X-None"][0]}'] }, bearer('good'));
    assert.equal(response.status, 500);
    assert.equal(next.calls.length, 0);
    assert.ok(h.logs.some((entry) => entry.code === 'TG_OAUTH2_REQUIRED_SCOPES'));
  });

  test('requireHttps (the default) refuses a request not over TLS with 403, before its token', async () => {
    // The URI may already be rebased onto the backend: how the request came is what counts.
    const plain = await call({ requireHttps: undefined }, bearer('good'), 'https://backend.test/api');
    assert.equal(plain.response.status, 403);
    assert.equal(plain.h.seen.length, 0);
    assert.ok(plain.h.logs.some((line) => line.code === 'TG_OAUTH2_HTTPS_REQUIRED'));

    const h = harness({ respond: introspect });
    const filter = h.build<Filter>(filterHeap({ requireHttps: undefined }), 'x', 'Filter');
    const secure = testExchange({ url: 'http://backend.test/api', headers: bearer('good'), isSecure: true });
    const { response } = await run(filter, secure);
    assert.equal(response.status, 200);
  });

  test('two Authorization headers: 400 invalid_request', async () => {
    const h = harness({ respond: introspect });
    const filter = h.build<Filter>(filterHeap({}), 'x', 'Filter');
    const exchange = h.incoming({ method: 'GET' });
    exchange.request.headers.add('Authorization', 'Bearer good');
    exchange.request.headers.add('Authorization', 'Bearer other');
    const { response } = await run(filter, exchange);
    assert.equal(response.status, 400);
    assert.match(response.headers.first('www-authenticate') ?? '', /error="invalid_request"/);
  });

  test('cache.enabled: the second request with a token is answered without introspection', async () => {
    const h = harness({ respond: introspect });
    const filter = h.build<Filter>(filterHeap({ cache: { enabled: true } }), 'x', 'Filter');
    for (let i = 0; i < 2; i += 1) {
      const { response } = await run(filter, h.incoming({ method: 'GET', headers: bearer('good') }));
      assert.equal(response.status, 200);
    }
    assert.equal(h.seen.length, 1);
    await h.stop();
  });
});

describe('OAuth2ResourceServerFilter configuration', () => {
  const errorsOf = (config: Record<string, unknown>): string[] =>
    harness().errorsOf([{ name: 'x', type: 'OAuth2ResourceServerFilter', config }]);

  test('accessTokenResolver and scopes are required', () => {
    assert.deepEqual(errorsOf({ scopes: [] }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/accessTokenResolver`,
    ]);
  });

  test('the resolver must be an AccessTokenResolver', () => {
    assert.deepEqual(errorsOf({ accessTokenResolver: { type: 'ClientHandler' }, scopes: [] }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/accessTokenResolver`,
    ]);
  });

  test('OAuth2RSFilter is an alias', () => {
    const h = harness({ respond: introspect });
    const heap = filterHeap({});
    (heap[0] as { type: string }).type = 'OAuth2RSFilter';
    assert.ok(h.build<Filter>(heap, 'x', 'Filter'));
  });
});
