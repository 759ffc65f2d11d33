import { childrenOf, type BinaryOperator, type Node } from './ast.js';
import { ElSyntaxError, Lexer, type Token } from './lexer.js';

/**
 * A precedence-climbing parser for Unified EL (JSR-245) as JUEL accepts it. Precedence, lowest
 * first: `?:` · `||` `or` · `&&` `and` · `==` `!=` `eq` `ne` · `<` `>` `<=` `>=` `lt` `gt` `le` `ge`
 * · `+` `-` · `*` `/` `div` `%` `mod` · unary `-` `!` `not` `empty` · `.` `[]` `()`.
 */

/** Parentheses, unary operators and arguments may nest this deep: far beyond any real route. */
const MAX_NESTING = 64;
/** No tree may be deeper (long `a + b + …` chains), so compiling and evaluating never overflow the stack. */
const MAX_DEPTH = 128;

interface BinaryInfo {
  readonly operator: BinaryOperator | '&&' | '||';
  readonly precedence: number;
}

const BINARY: ReadonlyMap<string, BinaryInfo> = new Map<string, BinaryInfo>([
  ['||', { operator: '||', precedence: 1 }],
  ['or', { operator: '||', precedence: 1 }],
  ['&&', { operator: '&&', precedence: 2 }],
  ['and', { operator: '&&', precedence: 2 }],
  ['==', { operator: '==', precedence: 3 }],
  ['eq', { operator: '==', precedence: 3 }],
  ['!=', { operator: '!=', precedence: 3 }],
  ['ne', { operator: '!=', precedence: 3 }],
  ['<', { operator: '<', precedence: 4 }],
  ['lt', { operator: '<', precedence: 4 }],
  ['>', { operator: '>', precedence: 4 }],
  ['gt', { operator: '>', precedence: 4 }],
  ['<=', { operator: '<=', precedence: 4 }],
  ['le', { operator: '<=', precedence: 4 }],
  ['>=', { operator: '>=', precedence: 4 }],
  ['ge', { operator: '>=', precedence: 4 }],
  ['+', { operator: '+', precedence: 5 }],
  ['-', { operator: '-', precedence: 5 }],
  ['*', { operator: '*', precedence: 6 }],
  ['/', { operator: '/', precedence: 6 }],
  ['div', { operator: '/', precedence: 6 }],
  ['%', { operator: '%', precedence: 6 }],
  ['mod', { operator: '%', precedence: 6 }],
]);

export interface EmbeddedExpression {
  readonly node: Node;
  /** Index just past the closing `}`. */
  readonly end: number;
}

/**
 * Parses the expression that starts at `start` (just after `${` or `#{`) and ends with `}`.
 * Quotes are respected, so `${'}'}` is the string `}`. Throws ElSyntaxError.
 */
export function parseEmbedded(source: string, start: number): EmbeddedExpression {
  const parser = new Parser(source, start);
  const node = parser.expression();
  const end = parser.expectClosingBrace(start);
  checkDepth(node);
  return { node, end };
}

/** Parses a whole string as one expression body (the text that would sit inside `${…}`). */
export function parseExpression(body: string): Node {
  const parser = new Parser(body, 0);
  const node = parser.expression();
  parser.expectEnd();
  checkDepth(node);
  return node;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return 'a string';
    case 'number':
      return `the number ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}

class Parser {
  readonly #lexer: Lexer;
  #token: Token;
  #nesting = 0;

  constructor(source: string, start: number) {
    this.#lexer = new Lexer(source, start);
    this.#token = this.#lexer.next();
  }

  expression(): Node {
    this.#enter();
    const test = this.#binary(1);
    let node = test;
    if (this.#isOperator('?')) {
      this.#advance();
      const consequent = this.expression();
      this.#expect(':');
      const alternate = this.expression();
      node = { kind: 'conditional', at: test.at, test, consequent, alternate };
    }
    this.#nesting--;
    return node;
  }

  expectClosingBrace(expressionStart: number): number {
    const token = this.#token;
    if (this.#isOperator('}')) return token.end;
    if (token.kind === 'eof')
      throw new ElSyntaxError("unterminated expression: no closing '}'", expressionStart - 2);
    throw new ElSyntaxError(`expected an operator or '}' but found ${describe(token)}`, token.start);
  }

  expectEnd(): void {
    const token = this.#token;
    if (token.kind !== 'eof') {
      throw new ElSyntaxError(`expected an operator or the end but found ${describe(token)}`, token.start);
    }
  }

  #enter(): void {
    if (++this.#nesting > MAX_NESTING) {
      throw new ElSyntaxError('the expression is nested too deeply', this.#token.start);
    }
  }

  #advance(): Token {
    const token = this.#token;
    this.#token = this.#lexer.next();
    return token;
  }

  /** True when the current token is the punctuator or keyword `text` (never a string that spells it). */
  #isOperator(text: string): boolean {
    const token = this.#token;
    return (token.kind === 'punctuator' || token.kind === 'keyword') && token.text === text;
  }

  #expect(text: string): Token {
    if (!this.#isOperator(text)) {
      throw new ElSyntaxError(`expected '${text}' but found ${describe(this.#token)}`, this.#token.start);
    }
    return this.#advance();
  }

  #binary(minPrecedence: number): Node {
    let left = this.#unary();
    for (;;) {
      const token = this.#token;
      const info =
        token.kind === 'punctuator' || token.kind === 'keyword' ? BINARY.get(token.text) : undefined;
      if (info === undefined || info.precedence < minPrecedence) return left;
      this.#advance();
      const right = this.#binary(info.precedence + 1);
      left =
        info.operator === '&&' || info.operator === '||'
          ? { kind: 'logical', at: left.at, operator: info.operator, left, right }
          : { kind: 'binary', at: left.at, operator: info.operator, left, right };
    }
  }

  #unary(): Node {
    const token = this.#token;
    const operator = this.#isOperator('-')
      ? '-'
      : this.#isOperator('!') || this.#isOperator('not')
        ? '!'
        : undefined;
    if (operator !== undefined || this.#isOperator('empty')) {
      this.#advance();
      this.#enter();
      const operand = this.#unary();
      this.#nesting--;
      return { kind: 'unary', at: token.start, operator: operator ?? 'empty', operand };
    }
    return this.#postfix(this.#primary());
  }

  #primary(): Node {
    const token = this.#token;
    switch (token.kind) {
      case 'string':
        this.#advance();
        return { kind: 'literal', at: token.start, value: token.text };
      case 'number':
        this.#advance();
        return { kind: 'literal', at: token.start, value: token.number };
      case 'identifier':
        this.#advance();
        if (this.#isOperator('(')) {
          return { kind: 'call', at: token.start, name: token.text, args: this.#arguments() };
        }
        return { kind: 'identifier', at: token.start, name: token.text };
      case 'keyword':
        if (token.text === 'true' || token.text === 'false' || token.text === 'null') {
          this.#advance();
          const value = token.text === 'null' ? null : token.text === 'true';
          return { kind: 'literal', at: token.start, value };
        }
        if (token.text === 'instanceof') {
          throw new ElSyntaxError("'instanceof' is not supported", token.start);
        }
        break;
      case 'punctuator':
        if (token.text === '(') {
          this.#advance();
          const inner = this.expression();
          this.#expect(')');
          return inner;
        }
        if (token.text === '{') {
          throw new ElSyntaxError("'{' is not part of the expression language", token.start);
        }
        break;
      case 'eof':
        break;
    }
    throw new ElSyntaxError(`expected a value but found ${describe(token)}`, token.start);
  }

  #postfix(start: Node): Node {
    let node = start;
    for (;;) {
      if (this.#isOperator('.')) {
        this.#advance();
        const name = this.#token;
        if (name.kind !== 'identifier') {
          throw new ElSyntaxError(
            `expected a property name after '.' but found ${describe(name)}`,
            name.start,
          );
        }
        this.#advance();
        node = this.#isOperator('(')
          ? { kind: 'method', at: node.at, target: node, name: name.text, args: this.#arguments() }
          : {
              kind: 'member',
              at: node.at,
              object: node,
              property: { kind: 'literal', at: name.start, value: name.text },
            };
      } else if (this.#isOperator('[')) {
        this.#advance();
        const property = this.expression();
        this.#expect(']');
        if (this.#isOperator('(')) {
          if (property.kind !== 'literal' || typeof property.value !== 'string') {
            throw new ElSyntaxError('a method name in brackets must be a string literal', property.at);
          }
          node = { kind: 'method', at: node.at, target: node, name: property.value, args: this.#arguments() };
        } else {
          node = { kind: 'member', at: node.at, object: node, property };
        }
      } else {
        return node;
      }
    }
  }

  #arguments(): Node[] {
    this.#expect('(');
    const args: Node[] = [];
    if (!this.#isOperator(')')) {
      for (;;) {
        args.push(this.expression());
        if (!this.#isOperator(',')) break;
        this.#advance();
      }
    }
    this.#expect(')');
    return args;
  }
}

/** Rejects trees deeper than MAX_DEPTH, walking with an explicit stack so the check itself cannot overflow. */
function checkDepth(root: Node): void {
  const stack: [Node, number][] = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (depth > MAX_DEPTH) throw new ElSyntaxError('the expression is nested too deeply', node.at);
    for (const child of childrenOf(node)) stack.push([child, depth + 1]);
  }
}
