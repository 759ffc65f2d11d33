import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Cancellation } from '../../../src/http/cancellation.js';
import type { Filter } from '../../../src/heap/types.js';
import type { AccessTokenResolver } from '../../../src/oauth2/access-token.js';
import { accessTokenOf } from '../../../src/services/scriptable-access-token-resolver.js';
import { FILE, harness, json, recordingNext, run, type Harness, type Respond } from '../filters/harness.js';

const TOKEN = 'opaque-token-0123456789';

const js = (source: string[], more: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'application/javascript',
  source,
  ...more,
});

async function resolverOf(
  config: unknown,
  respond?: Respond,
): Promise<{ h: Harness; resolver: AccessTokenResolver }> {
  const h = harness({ respond });
  const resolver = h.build<AccessTokenResolver>(
    [
      { name: 'Stub', type: 'Stub' },
      { name: 'r', type: 'ScriptableAccessTokenResolver', config },
    ],
    'r',
    'AccessTokenResolver',
  );
  await h.start();
  return { h, resolver };
}

describe('ScriptableAccessTokenResolver', () => {
  test('a returned object is the token: scopes, expiresAt in milliseconds and info; token and args are bound', async () => {
    const expiresAt = Date.now() + 60_000;
    const { h, resolver } = await resolverOf(
      js(
        [
          "if (token !== 'opaque-token-0123456789') return null;",
          "attributes.checked = 'yes';",
          'return { scopes: [args.scope, "write"], expiresAt: expiresAt, info: { sub: "demo", tx: contexts.transactionId.transactionId.value } };',
        ],
        { args: { scope: 'read', expiresAt } },
      ),
    );
    const exchange = h.incoming();
    const resolution = await resolver.resolve(TOKEN, exchange);
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token, {
      token: TOKEN,
      scopes: ['read', 'write'],
      expiresAt,
      info: { sub: 'demo', tx: 'tx-1' },
    });
    assert.equal(exchange.attributes.checked, 'yes');
    await h.stop();
  });

  test('null or nothing is an invalid token; so is an expiry that has passed', async () => {
    for (const source of ['return null;', 'return;', 'return { scopes: [], expiresAt: Date.now() - 1 };']) {
      const { h, resolver } = await resolverOf(js([source]));
      const resolution = await resolver.resolve(TOKEN, h.incoming());
      assert.equal(resolution.valid, false, source);
      await h.stop();
    }
  });

  test('introspects with http.send through clientHandler, and resolves what the promise gives', async () => {
    const exp = Math.floor(Date.now() / 1000) + 120;
    const { h, resolver } = await resolverOf(
      js(
        [
          'var answer = await http.send({',
          "  method: 'POST', uri: 'http://as.test/introspect',",
          "  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },",
          "  entity: 'token=' + encodeURIComponent(token),",
          '});',
          'var claims = JSON.parse(answer.entity);',
          'if (!claims.active) return null;',
          "return { scopes: claims.scope.split(' '), expiresAt: claims.exp * 1000, info: claims };",
        ],
        { clientHandler: 'Stub' },
      ),
      (seen) =>
        json(
          200,
          seen.form.get('token') === TOKEN ? { active: true, scope: 'mail profile', exp } : { active: false },
        ),
    );
    const resolution = await resolver.resolve(TOKEN, h.incoming());
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token.scopes, ['mail', 'profile']);
    assert.equal(resolution.token.expiresAt, exp * 1000);
    assert.equal(resolution.token.info.active, true);
    assert.equal((await resolver.resolve('other-token', h.incoming())).valid, false);
    assert.equal(h.seen.length, 2);
    await h.stop();
  });

  test('a send goes on when the client that asked leaves: the verdict may serve other requests', async () => {
    const server = createServer((_req, res) => {
      setTimeout(() => res.end(JSON.stringify({ scope: 'mail' })), 300);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
    try {
      const { h, resolver } = await resolverOf(
        js(
          [
            'var answer = await http.send({ uri: args.url });',
            'return { scopes: JSON.parse(answer.entity).scope };',
          ],
          {
            args: { url },
          },
        ),
      );
      const cancellation = new Cancellation();
      const resolving = resolver.resolve(TOKEN, h.incoming({}, cancellation));
      setTimeout(() => cancellation.cancel(new Error('client gone')), 50);
      const resolution = await resolving;
      assert.ok(resolution.valid);
      assert.deepEqual(resolution.token.scopes, ['mail']);
      await h.stop();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  test('a throw, a time-out or an unusable answer rejects with a coded error that never holds the token', async () => {
    const cases: [string, string][] = [
      ["throw new Error('bad ' + token);", 'TG_SCRIPT_FAILED'],
      ['while (true) {}', 'TG_SCRIPT_TIMEOUT'],
      ["return 'yes';", 'TG_SCRIPT_FAILED'],
      ['return { scope: "mail" };', 'TG_SCRIPT_FAILED'],
      ['return { scopes: ["mail"], expiresAt: Math.floor(Date.now() / 1000) + 60 };', 'TG_SCRIPT_FAILED'],
      ['return { scopes: ["mail"], info: "x" };', 'TG_SCRIPT_FAILED'],
      ["logger.info('token ' + token); return new Promise(function () {});", 'TG_SCRIPT_FAILED'],
    ];
    for (const [source, code] of cases) {
      const { h, resolver } = await resolverOf(js([source], { limits: { timeMs: 30 } }));
      await assert.rejects(
        resolver.resolve(TOKEN, h.incoming({ headers: { Authorization: `Bearer ${TOKEN}` } })),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, code, source);
          assert.doesNotMatch(error.message, /opaque-token/, source);
          return true;
        },
      );
      assert.doesNotMatch(h.raw.join('\n'), /opaque-token/, source);
      await h.stop();
    }
  });

  test('in OAuth2ResourceServerFilter: accepted → next with contexts.oauth2, refused → 401, failed → 500', async () => {
    const h = harness();
    const filter = h.build<Filter>(
      [
        {
          name: 'rs',
          type: 'OAuth2ResourceServerFilter',
          config: {
            requireHttps: false,
            scopes: ['mail'],
            accessTokenResolver: {
              type: 'ScriptableAccessTokenResolver',
              config: js([
                "if (token === 'good-token') return { scopes: ['mail'] };",
                "if (token === 'narrow-token') return { scopes: ['other'] };",
                "if (token === 'broken-token') throw new Error('broken');",
                'return null;',
              ]),
            },
          },
        },
      ],
      'rs',
      'Filter',
    );
    await h.start();
    const statusFor = async (token: string): Promise<number> => {
      const next = recordingNext();
      const exchange = h.incoming({ headers: { Authorization: `Bearer ${token}` } });
      const { response } = await run(filter, exchange, next);
      if (response.status === 200) {
        assert.deepEqual(
          (exchange.contexts.oauth2 as { accessToken: { scopes: string[] } }).accessToken.scopes,
          ['mail'],
        );
      }
      return response.status;
    };
    assert.equal(await statusFor('good-token'), 200);
    assert.equal(await statusFor('narrow-token'), 403);
    assert.equal(await statusFor('unknown-token'), 401);
    assert.equal(await statusFor('broken-token'), 500);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED'));
    await h.stop();
  });

  test('accessTokenOf takes a space-separated scope string and dedupes', () => {
    const resolution = accessTokenOf({ scopes: 'a b  a' }, 't', Date.now());
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token.scopes, ['a', 'b']);
    assert.equal(resolution.token.expiresAt, null);
    assert.deepEqual(resolution.token.info, {});
  });

  test('config errors: Groovy, an argument named token, a source and a file', () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 'r', type: 'ScriptableAccessTokenResolver', config }]);
    assert.deepEqual(errorsOf({ type: 'application/x-groovy', source: 'return null' }), [
      `TG_CONFIG_GROOVY_UNSUPPORTED ${FILE}#/heap/0/config/type`,
    ]);
    assert.deepEqual(errorsOf(js(['return null;'], { args: { token: 'x' } })), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/args/token`,
    ]);
    assert.deepEqual(errorsOf(js(['return null;'], { file: 'x.js' })), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/source`,
    ]);
  });

  test('has no request or session: naming them is a ReferenceError', async () => {
    const { h, resolver } = await resolverOf(js(['return { scopes: [request.method] };']));
    await assert.rejects(resolver.resolve(TOKEN, h.incoming()), /ReferenceError/);
    await h.stop();
  });
});
