import type { FunctionTable } from '../el/api.js';
import type { Node } from '../el/ast.js';
import { isBuiltinFunction, parseExpression } from '../el/index.js';

/** Characters that stand for themselves in a regular expression and in a path. */
const LITERAL = /^[A-Za-z0-9/_~-]*/;

function isRequestUriPath(node: Node): boolean {
  if (node.kind !== 'member' || node.property.kind !== 'literal' || node.property.value !== 'path')
    return false;
  const uri = node.object;
  if (uri.kind !== 'member' || uri.property.kind !== 'literal' || uri.property.value !== 'uri') return false;
  return uri.object.kind === 'identifier' && uri.object.name === 'request';
}

/** The literal start every match of `pattern` must have, or undefined when there is none. */
function anchoredLiteral(pattern: string): string | undefined {
  if (!pattern.startsWith('^') || pattern.includes('|')) return undefined;
  let literal = LITERAL.exec(pattern.slice(1))![0];
  // `^/ab?` does not require the `b`: a quantifier that may repeat zero times drops its character.
  const next = pattern.charAt(1 + literal.length);
  if (next === '?' || next === '*' || next === '{') literal = literal.slice(0, -1);
  return literal === '' ? undefined : literal;
}

/**
 * For a route condition that is exactly `${find(request.uri.path, '^/literal…')}` or
 * `${request.uri.path.startsWith('/literal')}`, the prefix every matching path starts with. The
 * Router's RouteTable never tries a route whose prefix the path lacks, nor evaluates its
 * condition; when the prefix is there, the condition itself still decides. Anything else, or a
 * function table whose `find` is not the built-in one, gives undefined.
 */
export function conditionPathPrefix(condition: unknown, functions: FunctionTable): string | undefined {
  if (typeof condition !== 'string') return undefined;
  const source = condition.trim();
  if (!source.startsWith('${') || !source.endsWith('}') || source.indexOf('${', 2) >= 0) return undefined;
  let node: Node;
  try {
    node = parseExpression(source.slice(2, -1));
  } catch {
    return undefined;
  }
  if (node.kind === 'call' && node.name === 'find' && isBuiltinFunction(functions.find, 'find')) {
    const [subject, pattern] = node.args;
    if (
      subject &&
      pattern &&
      isRequestUriPath(subject) &&
      pattern.kind === 'literal' &&
      typeof pattern.value === 'string'
    ) {
      return anchoredLiteral(pattern.value);
    }
  }
  if (node.kind === 'method' && node.name === 'startsWith' && isRequestUriPath(node.target)) {
    const [prefix] = node.args;
    if (
      node.args.length === 1 &&
      prefix?.kind === 'literal' &&
      typeof prefix.value === 'string' &&
      prefix.value !== ''
    ) {
      return prefix.value;
    }
  }
  return undefined;
}
