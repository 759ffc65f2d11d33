import type { TollgateError, Place } from '../errors/tollgate-error.js';
import type { ElReadable } from './host.js';

/** A function callable from expressions. Arguments arrive already evaluated. */
export type ElFunction = (...args: unknown[]) => unknown;

/** name → function; frozen once built (see functions.ts for the built-ins and how to add more). */
export type FunctionTable = Readonly<Record<string, ElFunction>>;

export interface CompileOptions {
  /** Where the string sits in its config file, for parse and evaluation errors. */
  readonly place: Place;
  /** Functions the expression may call: the table of the gateway the expression belongs to. */
  readonly functions: FunctionTable;
  /** Receives each evaluation error (the expression then yields null). */
  readonly onError?: (error: TollgateError) => void;
  /**
   * Top-level names the evaluation scope does not give, with their values: PingGateway's `openig`
   * and the `properties` of the heaps the expression is declared in. A name the scope gives wins.
   */
  readonly globals?: Readonly<Record<string, unknown>>;
}

/** A config string with zero or more `${…}` / `#{…}` parts, compiled once. */
export interface CompiledTemplate {
  readonly source: string;
  /** true when the string holds no expression: `evaluate` returns the literal at no cost. */
  readonly constant: boolean;
  /** true when evaluation reads `request.entity` (the caller loads the body first). */
  readonly readsRequestEntity: boolean;
  /** true when evaluation reads `response.entity`. */
  readonly readsResponseEntity: boolean;
  /**
   * A string that is exactly one expression gives that expression's value (any type); a string
   * mixing text and expressions gives a string. Never throws: an error gives null and is reported.
   */
  evaluate(scope: ElReadable): unknown;
}

/** A condition: true only when the expression gives exactly boolean true. */
export interface CompiledCondition {
  readonly source: string;
  readonly readsRequestEntity: boolean;
  readonly readsResponseEntity: boolean;
  test(scope: ElReadable): boolean;
}

/** A target such as `${attributes.user}` or `${request.method}` that a value can be assigned to. */
export interface CompiledLValue {
  readonly source: string;
  /** Returns false when the target is read-only or missing (the write is then ignored). */
  assign(scope: ElReadable, value: unknown): boolean;
}
