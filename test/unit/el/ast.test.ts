import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childrenOf, type Node } from '../../../src/el/ast.js';
import { parseExpression } from '../../../src/el/parser.js';

/** The source text of each child, so a case reads as the expression it was parsed from. */
function childTexts(body: string): string[] {
  return childrenOf(parseExpression(body)).map((child) => text(child));
}

function text(node: Node): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'identifier':
      return node.name;
    default:
      return node.kind;
  }
}

test('every kind of node gives its children in source order', () => {
  const cases: [body: string, children: string[]][] = [
    ["'text'", []],
    ['request', []],
    ['a.b', ['a', '"b"']],
    ['a[c]', ['a', 'c']],
    ['f(x, 1, y)', ['x', '1', 'y']],
    ['f()', []],
    ['s.m(x, y)', ['s', 'x', 'y']],
    ['s.m()', ['s']],
    ['-x', ['x']],
    ['empty x', ['x']],
    ['a + b', ['a', 'b']],
    ['a and b', ['a', 'b']],
    ['t ? c : e', ['t', 'c', 'e']],
  ];
  for (const [body, children] of cases) assert.deepEqual(childTexts(body), children, body);
});

test('the children are the nodes themselves, so a walk through them reaches every node once', () => {
  const root = parseExpression("a.b(c[d] + -e, f ? g : h('i')) or not j");
  const seen: Node[] = [];
  const walk = (node: Node): void => {
    seen.push(node);
    for (const child of childrenOf(node)) walk(child);
  };
  walk(root);
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual(seen.filter((node) => node.kind === 'identifier').map(text), [
    'a',
    'c',
    'd',
    'e',
    'f',
    'g',
    'j',
  ]);
  const method = root.kind === 'logical' ? root.left : undefined;
  assert.ok(method?.kind === 'method');
  assert.equal(childrenOf(method)[0], method.target);
});
