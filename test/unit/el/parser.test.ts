import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compileCondition,
  compileTemplate,
  createBuiltinFunctions,
  parseExpression,
} from '../../../src/el/index.js';
import type { CompiledTemplate, Node } from '../../../src/el/index.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { collecting, testExchange } from './fixtures.js';

const place = { file: 'routes/10-api.json', pointer: '/heap/0/config/entity' };
const functions = createBuiltinFunctions();

function compileError(source: string): TollgateError {
  try {
    compileTemplate(source, { place, functions });
  } catch (error) {
    assert.ok(error instanceof TollgateError, `a TollgateError, not ${String(error)}`);
    return error;
  }
  assert.fail(`${source} compiled`);
}

/** A compact, readable form of a tree, for precedence assertions. */
function show(node: Node): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'identifier':
      return node.name;
    case 'member':
      return `${show(node.object)}[${show(node.property)}]`;
    case 'call':
      return `${node.name}(${node.args.map(show).join(', ')})`;
    case 'method':
      return `${show(node.target)}.${node.name}(${node.args.map(show).join(', ')})`;
    case 'unary':
      return `(${node.operator} ${show(node.operand)})`;
    case 'binary':
    case 'logical':
      return `(${show(node.left)} ${node.operator} ${show(node.right)})`;
    case 'conditional':
      return `(${show(node.test)} ? ${show(node.consequent)} : ${show(node.alternate)})`;
  }
}

describe('precedence and shape', () => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['a div b mod c', '((a / b) % c)'],
    ['-a.b', '(- a["b"])'],
    ['!a == b', '((! a) == b)'],
    ['not a and b or c', '(((! a) && b) || c)'],
    ['a or b and c', '(a || (b && c))'],
    ['a < b == c > d', '((a < b) == (c > d))'],
    ['a lt b eq c gt d', '((a < b) == (c > d))'],
    ['a le b ne c ge d', '((a <= b) != (c >= d))'],
    ['empty a.b ? 1 : 2', '((empty a["b"]) ? 1 : 2)'],
    ['a ? b : c ? d : e', '(a ? b : (c ? d : e))'],
    ['a ? b ? 1 : 2 : 3', '(a ? (b ? 1 : 2) : 3)'],
    ["a['b'].c[0]", 'a["b"]["c"][0]'],
    ["f(x, 'y')[1]", 'f(x, "y")[1]'],
    ["a.b.startsWith('x')", 'a["b"].startsWith("x")'],
    ["a['trim']()", 'a.trim()'],
    ["'s'.length()", '"s".length()'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    ['- - 1', '(- (- 1))'],
    ['$x + _y', '($x + _y)'],
  ];
  for (const [body, expected] of cases) {
    test(`${body} parses as ${expected}`, () => {
      assert.equal(show(parseExpression(body)), expected);
    });
  }
});

describe('parse errors are TG_CONFIG_BAD_EXPRESSION with file, pointer and column', () => {
  const cases: [source: string, column: number, code?: string][] = [
    ['${a + )}', 7],
    ["${'abc", 3],
    ['${foo(1)}', 3],
    ['${1 +}', 6],
    ['${a.empty}', 5],
    ["${'\\d'}", 4],
    ['abc ${x', 5],
    ['${}', 3],
    ['${a b}', 5],
    ['${a = 1}', 5],
    ['${a instanceof b}', 5],
    ["${ {'a': 1} }", 4],
    ['${fn:foo(1)}', 5],
    ['${a[}', 5],
    ['${((1)}', 7],
    ['${99999999999999999999}', 3],
    ['${a.(b)}', 5],
    ['${a[b](1)}', 5],
    ['${1 ? 2}', 8],
    ['text ${ok} then ${bad +}', 24],
    ["${find(x, '[')}", 3, 'TG_CONFIG_BAD_REGEX'],
    ["${find(x, 'a++')}", 3, 'TG_CONFIG_BAD_REGEX'],
    ["${'x'.split('(')}", 13, 'TG_CONFIG_BAD_REGEX'],
    ['${find(x)}', 3],
    ["${trim('a', 'b')}", 3],
    ["${ipMatch(x, 'nope')}", 3, 'TG_CONFIG_BAD_VALUE'],
  ];
  for (const [source, column, code = 'TG_CONFIG_BAD_EXPRESSION'] of cases) {
    test(`${source} → ${code} at column ${column}`, () => {
      const error = compileError(source);
      assert.equal(error.code, code);
      assert.deepEqual(error.place, place);
      assert.match(error.message, /routes\/10-api\.json#\/heap\/0\/config\/entity/);
      assert.match(error.detail ?? '', new RegExp(`at column ${column} of `));
    });
  }

  test('nesting past the limit is an error, not a stack overflow', () => {
    const deep = `\${${'('.repeat(200)}1${')'.repeat(200)}}`;
    assert.equal(compileError(deep).code, 'TG_CONFIG_BAD_EXPRESSION');
    const negations = `\${${'-'.repeat(5000)}1}`;
    assert.equal(compileError(negations).code, 'TG_CONFIG_BAD_EXPRESSION');
    const chain = `\${${Array.from({ length: 5000 }, () => '1').join(' + ')}}`;
    assert.equal(compileError(chain).code, 'TG_CONFIG_BAD_EXPRESSION');
    const members = `\${a${'.b'.repeat(5000)}}`;
    assert.equal(compileError(members).code, 'TG_CONFIG_BAD_EXPRESSION');
  });

  test('a condition must be a boolean or exactly one expression', () => {
    for (const source of ['yes', '${a} ', 'x${a}', '${a}${b}', '']) {
      assert.throws(
        () => compileCondition(source, { place, functions }),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_EXPRESSION',
        source,
      );
    }
  });
});

/** EL tokens, including the ones that can go wrong together. */
const TOKENS = [
  'request',
  'attributes',
  'contexts',
  'env',
  'foo',
  'list',
  'map',
  '.',
  '[',
  ']',
  '(',
  ')',
  ',',
  '?',
  ':',
  '+',
  '-',
  '*',
  '/',
  '%',
  'div',
  'mod',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  'eq',
  'ne',
  'lt',
  'gt',
  'le',
  'ge',
  '&&',
  '||',
  '!',
  'and',
  'or',
  'not',
  'empty',
  'true',
  'false',
  'null',
  'instanceof',
  '0',
  '1',
  '2.5',
  '1e3',
  "'a'",
  '"b"',
  "'}'",
  "'\\''",
  "'${'",
  '{',
  '}',
  '${',
  '#{',
  '\\',
  '$',
  '#',
  'find',
  'split',
  'length',
  'trim',
  'toUpperCase',
  'substring',
  'constructor',
  '__proto__',
  'headers',
  'uri',
  'path',
  "'^/a'",
];

/** Expressions cannot change what they read (only lvalues write), so one exchange serves every run. */
const exchange = testExchange();

function checkCompiles(source: string): void {
  const { options, errors } = collecting();
  let evaluate: CompiledTemplate['evaluate'];
  try {
    evaluate = compileTemplate(source, options).evaluate;
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return;
  }
  evaluate(exchange);
  for (const error of errors) assert.equal(error.code, 'TG_EL_EVALUATION');
}

describe('property: any input compiles or throws a TollgateError, and never hangs', () => {
  test('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), checkCompiles), { numRuns: 1000 });
  });

  test('arbitrary strings around ${', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) =>
        checkCompiles(`${a}\${${b}`),
      ),
      { numRuns: 500 },
    );
  });

  test('arbitrary expressions built from EL tokens', () => {
    const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 });
    fc.assert(
      fc.property(tokens, fc.constantFrom(' ', ''), fc.constantFrom('${', '#{'), (parts, gap, open) =>
        checkCompiles(`${open}${parts.join(gap)}}`),
      ),
      { numRuns: 2000 },
    );
  });

  test('well-formed binary expressions always compile and evaluate without throwing', () => {
    const leaf = fc.constantFrom(
      '1',
      "'2'",
      'null',
      'true',
      'attributes.foo',
      'attributes.list',
      "request.headers['X-Multi']",
    );
    const operator = fc.constantFrom('+', '-', '*', 'div', 'mod', '==', '!=', '<', '>=', 'and', 'or');
    const expression = fc
      .tuple(leaf, fc.array(fc.tuple(operator, leaf), { maxLength: 10 }))
      .map(([first, rest]) => rest.reduce<string>((text, [op, right]) => `${text} ${op} ${right}`, first));
    fc.assert(
      fc.property(expression, (body) => {
        const { options } = collecting();
        compileTemplate(`\${${body}}`, options).evaluate(exchange);
      }),
      { numRuns: 500 },
    );
  });
});
