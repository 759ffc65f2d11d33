/** The expression language: compile config strings once, evaluate them safely per request. */
export type {
  CompiledCondition,
  CompiledLValue,
  CompiledTemplate,
  CompileOptions,
  ElFunction,
  FunctionTable,
} from './api.js';
export {
  elGet,
  elKeys,
  elSet,
  elText,
  isElMap,
  isElReadable,
  isElText,
  isElWritable,
  type ElMap,
  type ElReadable,
  type ElText,
  type ElWritable,
} from './host.js';
export { compileCondition, compileLValue, compileTemplate } from './template.js';
export {
  createBuiltinFunctions,
  elPrepare,
  extendFunctions,
  isBuiltinFunction,
  isPreparable,
  type ArgumentShape,
  type PreparableFunction,
} from './functions.js';
export { parseExpression } from './parser.js';
export type { Node } from './ast.js';
export { REGEX_INPUT_LIMIT } from './regex.js';
