import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigErrors, type Place } from '../../../src/errors/tollgate-error.js';
import { compileRebase } from '../../../src/heap/base-uri.js';
import { FILE, harness } from '../filters/harness.js';

const PLACE: Place = { file: FILE, pointer: '/baseURI' };

/** Compiles `base` in a fresh harness and rebases a request for `url` with it. */
function rebased(base: string, url: string, headers: Record<string, string> = {}) {
  const h = harness();
  const rebase = compileRebase(base, PLACE, h.contextFor([]));
  const exchange = h.incoming({ url, headers });
  return { done: rebase(exchange), uri: exchange.request.uri, logs: h.logs };
}

describe('compileRebase', () => {
  test('a fixed base replaces scheme, host and port, and keeps path, query and fragment', () => {
    const { done, uri } = rebased(
      'https://backend.test:8443/ignored?ignored',
      'http://gateway.test/api/x?q=1#top',
    );
    assert.equal(done, true);
    assert.equal(uri.toString(), 'https://backend.test:8443/api/x?q=1#top');
  });

  test("a base without a port leaves the request on its scheme's default port", () => {
    const { uri } = rebased('http://backend.test', 'https://gateway.test:8080/a');
    assert.equal(uri.toString(), 'http://backend.test/a');
    assert.equal(uri.effectivePort, 80);
  });

  test('a fixed base that is not an absolute URI fails the build at its place', () => {
    const context = harness().contextFor([]);
    for (const base of ['not a uri', '/relative/path', '', 'urn:isbn:0451450523']) {
      assert.throws(
        () => compileRebase(base, PLACE, context),
        (error: unknown) =>
          error instanceof ConfigErrors &&
          error.errors.length === 1 &&
          error.errors[0]!.code === 'TG_CONFIG_BAD_VALUE' &&
          error.errors[0]!.place?.pointer === '/baseURI',
        JSON.stringify(base),
      );
    }
  });

  test('a base with an expression is evaluated for each request', () => {
    const h = harness();
    const rebase = compileRebase("${request.headers['X-Base'][0]}", PLACE, h.contextFor([]));
    const uris = ['http://one.test:1', 'https://two.test'].map((base) => {
      const exchange = h.incoming({ url: 'http://gateway.test/p', headers: { 'X-Base': base } });
      assert.equal(rebase(exchange), true);
      return exchange.request.uri.toString();
    });
    assert.deepEqual(uris, ['http://one.test:1/p', 'https://two.test/p']);
  });

  test('an expression that gives null or no absolute URI leaves the request as it was and logs TG_BASE_URI_INVALID', () => {
    const cases: Record<string, string>[] = [{}, { 'X-Base': '/just/a/path' }];
    for (const headers of cases) {
      const { done, uri, logs } = rebased(
        "${request.headers['X-Base'][0]}",
        'http://gateway.test/p',
        headers,
      );
      assert.equal(done, false);
      assert.equal(uri.toString(), 'http://gateway.test/p');
      const line = logs.find((l) => l.code === 'TG_BASE_URI_INVALID');
      assert.equal(line?.level, 50, 'logged as an error');
      assert.match(String(line?.msg), /routes\/r\.json#\/baseURI/);
    }
  });
});
