import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { TollgateError } from '../errors/tollgate-error.js';

/** The limits of one script call: CPU time in the interpreter and memory its runtime may allocate. */
export interface ScriptLimits {
  readonly timeMs: number;
  readonly memoryBytes: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = Object.freeze({
  timeMs: 50,
  memoryBytes: 16 * 1024 * 1024,
});

/** QuickJS's own stack limit, so deep recursion is a script error and not a crash of the WebAssembly. */
const MAX_STACK_BYTES = 512 * 1024;

/** Loads the QuickJS WebAssembly module: once per scriptable object, when its heap starts. */
export function loadQuickJs(): Promise<QuickJSWASMModule> {
  // The variant package's types describe its CommonJS build; the ESM default export is the variant.
  return newQuickJSWASMModuleFromVariant(releaseSync as unknown as QuickJSSyncVariant);
}

/**
 * One isolated script call: a QuickJS runtime and context of its own, with the call's memory limit
 * and a CPU deadline that each `evaluate` sets afresh. Values cross as JSON text, so the script
 * never holds a gateway object. `dispose` frees the runtime; a call holds it across `next` only
 * when the script asked to see the response.
 */
export class ScriptCall {
  readonly #runtime: QuickJSRuntime;
  readonly #context: QuickJSContext;
  readonly #limits: ScriptLimits;
  readonly #name: string;

  constructor(
    quickJs: QuickJSWASMModule,
    limits: ScriptLimits,
    name: string,
    hostFunctions: Readonly<Record<string, (...args: string[]) => void>>,
  ) {
    this.#limits = limits;
    this.#name = name;
    this.#runtime = quickJs.newRuntime();
    this.#runtime.setMemoryLimit(limits.memoryBytes);
    this.#runtime.setMaxStackSize(MAX_STACK_BYTES);
    this.#context = this.#runtime.newContext();
    for (const [key, implementation] of Object.entries(hostFunctions)) {
      const fn = this.#context.newFunction(key, (...handles) => {
        implementation(...handles.map((h) => this.#context.getString(h)));
      });
      this.#context.setProp(this.#context.global, key, fn);
      fn.dispose();
    }
  }

  /**
   * Sets the global `__input` to `input` (JSON text), runs `code` and returns the string it gives.
   * A throw is TG_SCRIPT_FAILED; passing the time limit is TG_SCRIPT_TIMEOUT.
   */
  evaluate(code: string, input: string): string {
    const context = this.#context;
    const text = context.newString(input);
    context.setProp(context.global, '__input', text);
    text.dispose();
    // The process's CPU time, not the clock: a busy machine that deschedules the gateway must not
    // time out a script that did not use its share.
    const deadline = cpuMicros() + this.#limits.timeMs * 1000;
    let interrupted = false;
    this.#runtime.setInterruptHandler(() => (interrupted = cpuMicros() > deadline));
    const result = context.evalCode(code, this.#name);
    this.#runtime.removeInterruptHandler();
    if (result.error) {
      const error: unknown = context.dump(result.error);
      result.error.dispose();
      if (interrupted) {
        throw new TollgateError(
          'TG_SCRIPT_TIMEOUT',
          `the script ran past its ${this.#limits.timeMs} ms limit`,
        );
      }
      throw new TollgateError('TG_SCRIPT_FAILED', describeThrown(error));
    }
    const output = context.getString(result.value);
    result.value.dispose();
    return output;
  }

  /** Frees the interpreter; a second call does nothing. */
  dispose(): void {
    if (!this.#context.alive) return;
    this.#context.dispose();
    this.#runtime.dispose();
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** What the script threw, as its name, message and the line it came from: never the values it held. */
function describeThrown(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    const where = typeof stack === 'string' ? /:(\d+)/.exec(stack)?.[1] : undefined;
    return `${String(name ?? 'Error')}: ${String(message ?? '')}${where ? ` (line ${where})` : ''}`;
  }
  return `the script threw a ${error === null ? 'null' : typeof error}`;
}
