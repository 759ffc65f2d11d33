/**
 * The expression tree the parser builds and the evaluator compiles. Our own closed set of node
 * kinds: the evaluator switches over `kind` and nothing else can appear. `at` is the index of the
 * node's first character in the config string, for error messages.
 */
export type Node =
  | LiteralNode
  | IdentifierNode
  | MemberNode
  | CallNode
  | MethodNode
  | UnaryNode
  | BinaryNode
  | LogicalNode
  | ConditionalNode;

export interface LiteralNode {
  readonly kind: 'literal';
  readonly at: number;
  readonly value: string | number | boolean | null;
}

/** A top-level name (`request`, `attributes`…), read from the scope. */
export interface IdentifierNode {
  readonly kind: 'identifier';
  readonly at: number;
  readonly name: string;
}

/** `a.b` (property is the literal 'b') or `a[expr]`. */
export interface MemberNode {
  readonly kind: 'member';
  readonly at: number;
  readonly object: Node;
  readonly property: Node;
}

/** `name(args)`: a function of the function table, resolved when the expression is compiled. */
export interface CallNode {
  readonly kind: 'call';
  readonly at: number;
  readonly name: string;
  readonly args: readonly Node[];
}

/** `target.name(args)`: one of the whitelisted methods (see methods.ts). */
export interface MethodNode {
  readonly kind: 'method';
  readonly at: number;
  readonly target: Node;
  readonly name: string;
  readonly args: readonly Node[];
}

export type UnaryOperator = '-' | '!' | 'empty';

export interface UnaryNode {
  readonly kind: 'unary';
  readonly at: number;
  readonly operator: UnaryOperator;
  readonly operand: Node;
}

/** Word operators are normalised: `div` → `/`, `mod` → `%`, `eq` → `==`, `lt` → `<`, … */
export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '>' | '<=' | '>=';

export interface BinaryNode {
  readonly kind: 'binary';
  readonly at: number;
  readonly operator: BinaryOperator;
  readonly left: Node;
  readonly right: Node;
}

/** `&&`/`and` and `||`/`or`, kept apart from BinaryNode because they short-circuit. */
export interface LogicalNode {
  readonly kind: 'logical';
  readonly at: number;
  readonly operator: '&&' | '||';
  readonly left: Node;
  readonly right: Node;
}

export interface ConditionalNode {
  readonly kind: 'conditional';
  readonly at: number;
  readonly test: Node;
  readonly consequent: Node;
  readonly alternate: Node;
}

/** The children of a node, in source order. */
export function childrenOf(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'literal':
    case 'identifier':
      return [];
    case 'member':
      return [node.object, node.property];
    case 'call':
      return node.args;
    case 'method':
      return [node.target, ...node.args];
    case 'unary':
      return [node.operand];
    case 'binary':
    case 'logical':
      return [node.left, node.right];
    case 'conditional':
      return [node.test, node.consequent, node.alternate];
  }
}
