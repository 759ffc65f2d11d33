import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileCondition,
  compileTemplate,
  createBuiltinFunctions,
  elGet,
  elPrepare,
  extendFunctions,
  type ArgumentShape,
  type ElFunction,
  type ElReadable,
} from '../../../src/el/index.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { collecting, testExchange } from './fixtures.js';

const place = { file: 'routes/t.json', pointer: '/handler/config/entity' };
const builtins = createBuiltinFunctions();

function scopeOf(values: Record<string, unknown>): ElReadable {
  return { [elGet]: (name: string) => (Object.hasOwn(values, name) ? values[name] : undefined) };
}

function evaluate(source: string, scope: ElReadable = testExchange()): unknown {
  return compileTemplate(source, { place, functions: builtins }).evaluate(scope);
}

describe('literal text and escaping', () => {
  const cases: [source: string, expected: string][] = [
    ['plain', 'plain'],
    ['', ''],
    ['\\${x}', '${x}'],
    ['\\#{x}', '#{x}'],
    ['price: \\${cost}', 'price: ${cost}'],
    // JUEL: in a run of backslashes before ${ only the last one escapes, the others stay.
    ['\\\\${x}', '\\${x}'],
    ['C:\\path\\to', 'C:\\path\\to'],
    ['trailing\\', 'trailing\\'],
    ['{"json": true}', '{"json": true}'],
    ['$$ # {}', '$$ # {}'],
  ];
  for (const [source, expected] of cases) {
    test(`${JSON.stringify(source)} is the constant ${JSON.stringify(expected)}`, () => {
      const template = compileTemplate(source, { place, functions: builtins });
      assert.equal(template.constant, true);
      assert.equal(template.evaluate(scopeOf({})), expected);
    });
  }

  test('an unterminated ${ is a parse error, not text', () => {
    assert.throws(
      () => compileTemplate('$ # { } ${', { place, functions: builtins }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_EXPRESSION',
    );
  });

  test("quoting the opener: ${'${'}true} gives the text ${true}", () => {
    assert.equal(evaluate("${'${'}true}"), '${true}');
  });

  test("a literal backslash before an expression: realm${'\\\\'}${…}", () => {
    assert.equal(evaluate("realm${'\\\\'}${request.headers['username'][0]}"), 'realm\\Myname');
  });
});

describe('values', () => {
  test('one expression keeps its type', () => {
    assert.equal(evaluate('${1 + 1}'), 2);
    assert.equal(evaluate('${true}'), true);
    assert.deepEqual(evaluate('${attributes.list}'), ['a', 'b']);
    assert.equal(evaluate('${attributes.missing}'), null);
    assert.equal(evaluate('${null}'), null);
  });

  test('mixed text concatenates, null as empty text', () => {
    assert.equal(evaluate('${attributes.foo}bar'), 'foobar');
    assert.equal(evaluate('x${null}y'), 'xy');
    assert.equal(evaluate('${1}${2}'), '12');
    assert.equal(evaluate('n=${1 / 2}'), 'n=0.5');
    assert.equal(evaluate('${attributes.list}!'), '[a, b]!');
    assert.equal(evaluate('${true} '), 'true ');
    assert.equal(evaluate('#{attributes.foo}-${attributes.foo}'), 'foo-foo');
  });

  test('an error in any part makes the whole mixed string null, reported once', () => {
    const { options, errors } = collecting();
    assert.equal(compileTemplate("a${'x' + 1}b", options).evaluate(testExchange()), null);
    assert.equal(errors.length, 1);
  });

  test('a value that has no string form fails the mixed string', () => {
    const { options, errors } = collecting();
    assert.equal(compileTemplate('${request}!', options).evaluate(testExchange()), null);
    assert.equal(errors[0]?.code, 'TG_EL_EVALUATION');
  });

  test('the token-exchange entity template', () => {
    const source =
      '{"access_token": "${contexts.oauth2TokenExchange.issuedToken}", "issued_token_type": "${contexts.oauth2TokenExchange.issuedTokenType}"}';
    const text = evaluate(source);
    assert.deepEqual(JSON.parse(String(text)), {
      access_token: 'issued-token',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
  });

  test('evaluation never throws, even without onError', () => {
    const template = compileTemplate("${'a' * 2}", { place, functions: builtins });
    assert.equal(template.evaluate(testExchange()), null);
  });

  test('evaluation errors carry the place and the source, never the values', () => {
    const exchange = testExchange();
    exchange.attributes.secret = 's3cr3t-token-value';
    const { options, errors } = collecting();
    assert.equal(compileTemplate('${attributes.secret + 1}', options).evaluate(exchange), null);
    const [error] = errors;
    assert.ok(error);
    assert.equal(error.code, 'TG_EL_EVALUATION');
    assert.deepEqual(error.place, { file: 'routes/test.json', pointer: '/condition' });
    assert.match(error.message, /attributes\.secret \+ 1/);
    assert.doesNotMatch(error.message, /s3cr3t/);
  });
});

describe('entity reads are found at compile time', () => {
  const cases: [source: string, request: boolean, response: boolean][] = [
    ["${request.entity.form['subject_token'][0]}", true, false],
    ['#{request.entity.string}', true, false],
    ["${request['entity'].json}", true, false],
    ['${request[attributes.key]}', true, false],
    ['${toString(request)}', true, false],
    ['${request.method}', false, false],
    ["${request.headers['entity'][0]}", false, false],
    ['${response.entity.json.access_token}', false, true],
    ['${response.status.code}', false, false],
    ['plain text', false, false],
    ["a ${request.uri.path} b ${response['entity'].string}", false, true],
  ];
  for (const [source, request, response] of cases) {
    test(`${source}: request ${request}, response ${response}`, () => {
      const template = compileTemplate(source, { place, functions: builtins });
      assert.equal(template.readsRequestEntity, request);
      assert.equal(template.readsResponseEntity, response);
    });
  }

  test('conditions report the same', () => {
    const condition = compileCondition("${request.entity.form['a'][0] == 'b'}", {
      place,
      functions: builtins,
    });
    assert.equal(condition.readsRequestEntity, true);
    assert.equal(condition.readsResponseEntity, false);
  });
});

describe('conditions', () => {
  test('JSON booleans and the strings "true"/"false"', () => {
    const scope = testExchange();
    assert.equal(compileCondition(true, { place, functions: builtins }).test(scope), true);
    assert.equal(compileCondition(false, { place, functions: builtins }).test(scope), false);
    assert.equal(compileCondition('true', { place, functions: builtins }).test(scope), true);
    assert.equal(compileCondition('false', { place, functions: builtins }).test(scope), false);
  });

  test('true only for boolean true', () => {
    const scope = testExchange();
    const test_ = (source: string): boolean =>
      compileCondition(source, { place, functions: builtins }).test(scope);
    assert.equal(test_("${find(request.uri.path, '^/path')}"), true);
    assert.equal(test_('${1 == 1}'), true);
    assert.equal(test_("${'true'}"), false);
    assert.equal(test_('${1}'), false);
    assert.equal(test_('${null}'), false);
    assert.equal(test_('${attributes.flag}'), true);
  });

  test('a failing condition is false and reported', () => {
    const { options, errors } = collecting();
    assert.equal(compileCondition("${'x' < 1}", options).test(testExchange()), false);
    assert.equal(errors.length, 1);
  });
});

describe('function tables', () => {
  test('the built-in table is frozen and has every documented function', () => {
    assert.ok(Object.isFrozen(builtins));
    const documented = [
      'array',
      'bool',
      'contains',
      'decodeBase64',
      'decodeBase64url',
      'derCertificate',
      'digestSha256',
      'encodeBase64',
      'encodeBase64url',
      'escapeJson',
      'fileToUrl',
      'find',
      'findGroups',
      'formDecodeParameterNameOrValue',
      'formEncodeParameterNameOrValue',
      'indexOf',
      'integer',
      'integerWithRadix',
      'ipMatch',
      'join',
      'keyMatch',
      'lastElement',
      'length',
      'matches',
      'matchesWithRegex',
      'matchingGroups',
      'pathToUrl',
      'pemCertificate',
      'read',
      'readProperties',
      'readWithCharset',
      'split',
      'toJson',
      'toLowerCase',
      'toString',
      'toUpperCase',
      'trim',
      'urlDecode',
      'urlDecodeFragment',
      'urlDecodePathElement',
      'urlDecodeQueryParameterNameOrValue',
      'urlDecodeUserInfo',
      'urlEncode',
      'urlEncodeFragment',
      'urlEncodePathElement',
      'urlEncodeQueryParameterNameOrValue',
      'urlEncodeUserInfo',
    ];
    assert.deepEqual(Object.keys(builtins).sort(), documented.sort());
  });

  test('only registered functions can be called', () => {
    assert.throws(
      () => compileTemplate("${hello('x')}", { place, functions: builtins }),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_EXPRESSION',
    );
    assert.throws(() => compileTemplate('${constructor(1)}', { place, functions: builtins }), TollgateError);
    assert.throws(
      () => compileTemplate('${hasOwnProperty(1)}', { place, functions: builtins }),
      TollgateError,
    );
  });

  test('extendFunctions adds functions to a new frozen table', () => {
    const functions = extendFunctions(builtins, {
      hello: (name: unknown) => `hello ${String(name)}`,
    });
    assert.ok(Object.isFrozen(functions));
    assert.equal(compileTemplate("${hello('x')}", { place, functions }).evaluate(scopeOf({})), 'hello x');
    assert.equal(compileTemplate("${trim(' y ')}", { place, functions }).evaluate(scopeOf({})), 'y');
    assert.equal(Object.hasOwn(builtins, 'hello'), false);
  });

  test('extendFunctions refuses duplicates and names EL cannot call', () => {
    const noop: ElFunction = () => null;
    for (const name of ['find', 'not', 'empty', '1x', 'a-b', '__proto__', 'constructor', '']) {
      assert.throws(
        () => extendFunctions(builtins, { [name]: noop }),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_EL_FUNCTION_REGISTRATION',
        name,
      );
    }
  });

  test('createBuiltinFunctions gives an independent table', () => {
    const table = createBuiltinFunctions();
    assert.notEqual(table, builtins);
    assert.equal(
      compileTemplate("${find('abc', 'b')}", { place, functions: table }).evaluate(scopeOf({})),
      true,
    );
  });

  test('a preparable function is prepared once per call site, with its literal arguments', () => {
    const seen: (readonly ArgumentShape[])[] = [];
    const twice = Object.assign((value: unknown) => `${String(value)}${String(value)}`, {
      [elPrepare](shapes: readonly ArgumentShape[]): ElFunction {
        seen.push(shapes);
        return (value: unknown) => `${String(value)}!`;
      },
    });
    const functions = extendFunctions(builtins, { twice });
    const template = compileTemplate("${twice('a')}-${twice(attributes.foo)}", { place, functions });
    assert.deepEqual(seen, [[{ literal: true, value: 'a' }], [{ literal: false }]]);
    const exchange = testExchange();
    assert.equal(template.evaluate(exchange), 'a!-foo!');
    template.evaluate(exchange);
    assert.equal(seen.length, 2);
  });

  test('a function that throws yields null and is reported', () => {
    const functions = extendFunctions(builtins, {
      boom: () => {
        throw new Error('boom');
      },
    });
    const { options, errors } = collecting();
    assert.equal(compileTemplate('${boom()}', { ...options, functions }).evaluate(scopeOf({})), null);
    assert.match(errors[0]?.message ?? '', /boom/);
  });
});
