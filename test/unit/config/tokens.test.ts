import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveTokens, resolveTokensInString, type TokenOptions } from '../../../src/config/tokens.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

const place = { file: 'config/routes/10-api.json', pointer: '' };

function options(overrides: Partial<TokenOptions> = {}): TokenOptions {
  return {
    place,
    properties: [
      {
        host: 'route.example',
        port: 8443,
        secure: true,
        urls: { am: 'https://am.example/' },
        'flat.key': 'flat',
      },
      { host: 'config.example', only: { in: { config: 'c' } }, https: { port: '443' } },
      { admin: 'a', selfRef: 'x&{selfRef}', chainA: '&{chainB}', chainB: 'end', scheme: 'https' },
    ],
    env: { LISTEN_PORT: '9090', HOST: 'env.example', REALM_NAME: 'alpha' },
    ...overrides,
  };
}

function resolve(text: string, overrides: Partial<TokenOptions> = {}): string {
  return resolveTokensInString(text, options(overrides));
}

describe('configuration tokens', () => {
  const cases: [source: string, expected: string][] = [
    ['&{host}', 'route.example'],
    ['&{host}.internal', 'route.example.internal'],
    ['https://&{host}:&{port}/', 'https://route.example:8443/'],
    ['&{secure}', 'true'],
    ['&{urls.am}', 'https://am.example/'],
    ['&{flat.key}', 'flat'],
    ['&{only.in.config}', 'c'],
    ['&{admin}', 'a'],
    ['&{listen.port}', '9090'],
    ['&{realm.name}', 'alpha'],
    ['&{missing|fallback}', 'fallback'],
    ['&{missing|}', ''],
    ['&{host|fallback}', 'route.example'],
    ['&{missing|a|b}', 'a|b'],
    ['&{missing|&{host}}', 'route.example'],
    ['&{&{scheme|http}.port|8080}', '443'],
    ['&{&{nothing|http}.port|8080}', '8080'],
    ['&{chainA}', 'end'],
    ['\\&{host}', '&{host}'],
    ['a \\&{b} &{host}', 'a &{b} route.example'],
    ['no tokens', 'no tokens'],
    ['${request.method}', '${request.method}'],
    ['&', '&'],
    ['{host}', '{host}'],
    ['&{ host }', 'route.example'],
  ];
  for (const [source, expected] of cases) {
    test(`${source} → ${expected}`, () => {
      assert.equal(resolve(source), expected);
    });
  }

  test('property maps are searched in order: route, config, admin, then the environment', () => {
    assert.equal(resolve('&{host}'), 'route.example');
    assert.equal(resolve('&{host}', { properties: [{}, { host: 'config.example' }] }), 'config.example');
    assert.equal(resolve('&{host}', { properties: [] }), 'env.example');
    assert.equal(resolve('&{java.home}', { properties: [], system: { 'java.home': '/jdk' } }), '/jdk');
  });

  test('an unresolved token without a default names the file and the JSON pointer', () => {
    const document = { handler: { config: { baseURI: 'https://&{backend.host}/' } } };
    assert.throws(
      () => resolveTokens(document, options()),
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_CONFIG_UNRESOLVED_TOKEN' &&
        error.place?.file === 'config/routes/10-api.json' &&
        error.place.pointer === '/handler/config/baseURI' &&
        /BACKEND_HOST/.test(error.message),
    );
  });

  test('a property that refers to itself is an error, not a loop', () => {
    assert.throws(
      () => resolve('&{selfRef}'),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_UNRESOLVED_TOKEN',
    );
  });

  test('unterminated and empty tokens are bad values', () => {
    for (const source of ['&{host', '&{a|b', '&{}', '&{|x}']) {
      assert.throws(
        () => resolve(source),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_VALUE',
        source,
      );
    }
  });

  test('a whole document is walked, keeping its shape; results are strings', () => {
    const document = {
      name: '&{host}',
      port: '&{port}',
      list: ['&{admin}', 1, true, null, { deep: '&{urls.am}' }],
      untouched: 42,
      'key-&{host}': 'keys are not resolved',
    };
    assert.deepEqual(resolveTokens(document, options()), {
      name: 'route.example',
      port: '8443',
      list: ['a', 1, true, null, { deep: 'https://am.example/' }],
      untouched: 42,
      'key-&{host}': 'keys are not resolved',
    });
  });

  test('the input is not modified, and a "__proto__" key stays an ordinary key', () => {
    const document = JSON.parse('{"__proto__": {"polluted": "&{host}"}, "a": "&{host}"}') as Record<
      string,
      unknown
    >;
    const resolved = resolveTokens(document, options()) as Record<string, unknown>;
    assert.equal(document.a, '&{host}');
    assert.deepEqual(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value, {
      polluted: 'route.example',
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
