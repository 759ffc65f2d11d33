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

describe('configuration token limits', () => {
  const limitOf = (fn: () => unknown): TollgateError => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof TollgateError);
      return error;
    }
    assert.fail('no limit was reached');
  };

  test('properties that refer to each other many times over stop at the token count', () => {
    const laughs: Record<string, string> = { l0: 'lol' };
    for (let level = 1; level <= 6; level++) laughs[`l${level}`] = `&{l${level - 1}}`.repeat(10);
    const error = limitOf(() => resolveTokens({ a: { b: '&{l6}' } }, options({ properties: [laughs] })));
    assert.equal(error.code, 'TG_CONFIG_LIMIT');
    assert.equal(error.place?.pointer, '/a/b');
    assert.match(error.message, /more than 10000 configuration tokens/);
  });

  test('tokens nested 5,000 deep stop at the nesting limit, without exhausting the stack', () => {
    const text = `${'&{'.repeat(5000)}x${'}'.repeat(5000)}`;
    const error = limitOf(() => resolve(text));
    assert.equal(error.code, 'TG_CONFIG_LIMIT');
    assert.match(error.message, /nest deeper than 32/);
  });

  test('a chain of properties counts towards the nesting limit too', () => {
    const chain: Record<string, string> = { p40: 'end' };
    for (let i = 0; i < 40; i++) chain[`p${i}`] = `&{p${i + 1}}`;
    assert.equal(limitOf(() => resolve('&{p0}', { properties: [chain] })).code, 'TG_CONFIG_LIMIT');
    assert.equal(resolve('&{p30}', { properties: [chain] }), 'end');
  });

  test('what tokens add to one file is bounded', () => {
    const big = { p: 'x'.repeat(300_000) };
    assert.equal(resolve('&{p}&{p}&{p}', { properties: [big] }).length, 900_000);
    const error = limitOf(() => resolveTokens(['&{p}&{p}', '&{p}&{p}'], options({ properties: [big] })));
    assert.equal(error.code, 'TG_CONFIG_LIMIT');
    assert.equal(error.place?.pointer, '/1');
  });

  test('a value without tokens is returned as it is, and one with tokens is a copy', () => {
    const untouched = { a: [1, { b: 'plain' }], c: 'text' };
    assert.equal(resolveTokens(untouched, options()), untouched);
    const touched = { a: [1, { b: '&{host}' }], c: 'text' };
    const resolved = resolveTokens(touched, options()) as typeof touched;
    assert.notEqual(resolved, touched);
    assert.equal(resolved.a[1], resolved.a[1]);
    assert.deepEqual(touched.a[1], { b: '&{host}' });
  });
});

test('the strings that were one token and nothing else are reported by their paths', () => {
  const wholeTokens: (string | number)[][] = [];
  const resolved = resolveTokens(
    {
      port: '&{port|8085}',
      url: 'http://&{host|h}',
      list: ['&{a|1}', 'x&{a|1}', '\\&{a}'],
      nested: '&{a|&{b|2}}',
    },
    { place: { file: 'f', pointer: '' }, properties: [], env: {}, wholeTokens },
  );
  assert.deepEqual(resolved, { port: '8085', url: 'http://h', list: ['1', 'x1', '&{a}'], nested: '2' });
  assert.deepEqual(wholeTokens, [['port'], ['list', 0], ['nested']]);
});

test('a string with text after its first token is resolved whole, its tokens counted once', () => {
  const wholeTokens: (string | number)[][] = [];
  const options = { place: { file: 'f', pointer: '' }, properties: [], env: {}, wholeTokens };
  assert.equal(resolveTokens('&{a|1}-&{b|2}', options), '1-2');
  assert.deepEqual(wholeTokens, []);
  assert.throws(
    () =>
      resolveTokens('&{a|1}&{b|2}', {
        ...options,
        limits: { maxTokens: 1, maxTokenDepth: 8, maxTokenOutput: 100 },
      }),
    /more than 1 configuration tokens/,
  );
  assert.equal(
    resolveTokens('&{a|1}&{b|2}', {
      ...options,
      limits: { maxTokens: 2, maxTokenDepth: 8, maxTokenOutput: 100 },
    }),
    '12',
  );
});
