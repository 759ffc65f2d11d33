import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSDeferredPromise,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { TollgateError } from '../errors/tollgate-error.js';

/**
 * The limits of one script call: CPU time in the interpreter, memory its runtime may allocate, and
 * the wall-clock time a phase may spend waiting on the host calls it started (`http.send`).
 */
export interface ScriptLimits {
  readonly timeMs: number;
  readonly memoryBytes: number;
  readonly waitMs: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = Object.freeze({
  timeMs: 50,
  memoryBytes: 16 * 1024 * 1024,
  waitMs: 10_000,
});

/**
 * A host function whose answer a script awaits: it is given the script's argument as text and
 * answers text. It throws a TollgateError to fail the whole call (the script cannot catch that),
 * any other error to throw it in the script; its promise's rejection rejects the script's promise
 * with an Error of the same name, message and `code`.
 */
export type AsyncHostFunction = (input: string) => Promise<string>;

/** A host call a script started and has not been told the end of. */
interface PendingCall {
  readonly deferred: QuickJSDeferredPromise;
  readonly finished: Promise<void>;
  outcome: { readonly value: string } | { readonly error: unknown } | undefined;
}

/** QuickJS's own stack limit, so deep recursion is a script error and not a crash of the WebAssembly. */
const MAX_STACK_BYTES = 512 * 1024;

/** Loads the QuickJS WebAssembly module: once per scriptable object, when its heap starts. */
export function loadQuickJs(): Promise<QuickJSWASMModule> {
  // The variant package's types describe its CommonJS build; the ESM default export is the variant.
  return newQuickJSWASMModuleFromVariant(releaseSync as unknown as QuickJSSyncVariant);
}

/**
 * One isolated script call: a QuickJS runtime and context of its own, with the call's memory limit
 * and a CPU budget that each `evaluate` or `settle` sets afresh. Values cross as JSON text, so the
 * script never holds a gateway object. `dispose` frees the runtime; a call holds it across `next`
 * only when the script asked to see the response.
 */
export class ScriptCall {
  readonly #runtime: QuickJSRuntime;
  readonly #context: QuickJSContext;
  readonly #limits: ScriptLimits;
  readonly #name: string;
  readonly #pending = new Set<PendingCall>();
  /** What an async host function threw to end the call; checked after each step of the script. */
  #fatal: TollgateError | undefined;

  constructor(
    quickJs: QuickJSWASMModule,
    limits: ScriptLimits,
    name: string,
    hostFunctions: Readonly<Record<string, (...args: string[]) => void>>,
    asyncHostFunctions: Readonly<Record<string, AsyncHostFunction>> = {},
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
    for (const [key, implementation] of Object.entries(asyncHostFunctions)) {
      const fn = this.#context.newFunction(key, (handle) =>
        this.#start(implementation, handle === undefined ? '' : this.#context.getString(handle)),
      );
      this.#context.setProp(this.#context.global, key, fn);
      fn.dispose();
    }
  }

  /** Starts one host call and gives the script a promise of its answer. */
  #start(implementation: AsyncHostFunction, input: string): QuickJSHandle {
    let work: Promise<string>;
    try {
      work = implementation(input);
    } catch (error) {
      if (error instanceof TollgateError) this.#fatal ??= error;
      throw error;
    }
    const deferred = this.#context.newPromise();
    const pending: PendingCall = {
      deferred,
      outcome: undefined,
      finished: work.then(
        (value) => {
          pending.outcome = { value };
        },
        (error: unknown) => {
          pending.outcome = { error };
        },
      ),
    };
    this.#pending.add(pending);
    // The function's wrapper keeps its own reference to the promise and frees this handle.
    return deferred.handle;
  }

  /**
   * Sets the global `__input` to `input` (JSON text), runs `code` and returns the string it gives.
   * A throw is TG_SCRIPT_FAILED; passing the time limit is TG_SCRIPT_TIMEOUT.
   */
  evaluate(code: string, input: string): string {
    const context = this.#context;
    this.#setInput(input);
    const budget = { spentMicros: 0 };
    const value = this.#step(budget, () => context.evalCode(code, this.#name));
    try {
      return context.getString(value);
    } finally {
      value.dispose();
    }
  }

  /**
   * Runs `code`, which settles a promise of the script: it sets the global `__settled` to true
   * once it has, with `__output` (the string to return) or `__failure` (what the script threw).
   * Until then the jobs its promises queue are run, and the host calls they started are awaited
   * (at most the `waitMs` limit, all together), each answer handed to the script as it comes. The
   * CPU limit is for all the steps together: the time spent waiting is not the script's.
   */
  async settle(code: string, input: string): Promise<string> {
    const context = this.#context;
    this.#setInput(input);
    const budget = { spentMicros: 0 };
    this.#step(budget, () => context.evalCode(code, this.#name)).dispose();
    const waitUntil = Date.now() + this.#limits.waitMs;
    for (;;) {
      this.#step(budget, () => this.#runtime.executePendingJobs());
      if (this.#global('__settled') === true) {
        const output = this.#global('__output');
        if (typeof output === 'string') return output;
        throw new TollgateError('TG_SCRIPT_FAILED', describeThrown(this.#global('__failure')));
      }
      if (this.#pending.size === 0) {
        throw new TollgateError(
          'TG_SCRIPT_FAILED',
          "the script's promise never settled: it waits on nothing the gateway is doing",
        );
      }
      await this.#answerNext(waitUntil);
    }
  }

  #setInput(input: string): void {
    const context = this.#context;
    const text = context.newString(input);
    context.setProp(context.global, '__input', text);
    text.dispose();
  }

  #global(name: string): unknown {
    const context = this.#context;
    const handle = context.getProp(context.global, name);
    try {
      return context.dump(handle);
    } finally {
      // dump frees a promise's handle itself.
      if (handle.alive) handle.dispose();
    }
  }

  /**
   * Runs one piece of the script under what is left of its CPU budget and returns the value it
   * gave. A throw is TG_SCRIPT_FAILED; passing the budget is TG_SCRIPT_TIMEOUT, as is a host call
   * that ended the call.
   */
  #step<T>(
    budget: { spentMicros: number },
    run: () => { error?: QuickJSHandle; value?: T; dispose(): void },
  ): T {
    // The process's CPU time, not the clock: a busy machine that deschedules the gateway must not
    // time out a script that did not use its share.
    const started = cpuMicros();
    const deadline = started + this.#limits.timeMs * 1000 - budget.spentMicros;
    let interrupted = false;
    this.#runtime.setInterruptHandler(() => (interrupted = cpuMicros() > deadline));
    let result: { error?: QuickJSHandle; value?: T; dispose(): void };
    try {
      result = run();
    } finally {
      this.#runtime.removeInterruptHandler();
      budget.spentMicros += cpuMicros() - started;
    }
    if (interrupted) {
      result.dispose();
      throw new TollgateError('TG_SCRIPT_TIMEOUT', `the script ran past its ${this.#limits.timeMs} ms limit`);
    }
    if (this.#fatal !== undefined) {
      result.dispose();
      throw this.#fatal;
    }
    if (result.error) {
      const error: unknown = this.#context.dump(result.error);
      result.dispose();
      throw new TollgateError('TG_SCRIPT_FAILED', describeThrown(error));
    }
    return result.value as T;
  }

  /** Waits for the next host call to end, then hands the script the answers of all that have. */
  async #answerNext(waitUntil: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((done) => {
      timer = setTimeout(() => done('expired'), Math.max(0, waitUntil - Date.now()));
    });
    try {
      const first = await Promise.race([...[...this.#pending].map((call) => call.finished), expired]);
      if (first === 'expired') {
        throw new TollgateError(
          'TG_SCRIPT_TIMEOUT',
          `the script waited on http.send past its ${this.#limits.waitMs} ms limit`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
    for (const call of this.#pending) {
      if (call.outcome === undefined) continue;
      this.#pending.delete(call);
      this.#answer(call.deferred, call.outcome);
    }
  }

  #answer(
    deferred: QuickJSDeferredPromise,
    outcome: { readonly value: string } | { readonly error: unknown },
  ): void {
    const context = this.#context;
    try {
      if ('value' in outcome) {
        context.newString(outcome.value).consume((value) => deferred.resolve(value));
        return;
      }
      const { name, message, code } = (outcome.error ?? {}) as {
        name?: unknown;
        message?: unknown;
        code?: unknown;
      };
      const error = context.newError({
        name: typeof name === 'string' ? name : 'Error',
        message: typeof message === 'string' ? message : 'the host call failed',
      });
      if (typeof code === 'string')
        context.newString(code).consume((text) => context.setProp(error, 'code', text));
      error.consume((value) => deferred.reject(value));
    } catch (error) {
      // Handing over an answer allocates in the interpreter: an answer too big for the script's
      // memory limit fails the call.
      throw new TollgateError(
        'TG_SCRIPT_FAILED',
        'an http.send answer did not fit in the script memory limit',
        {
          cause: error,
        },
      );
    } finally {
      deferred.dispose();
    }
  }

  /** Frees the interpreter; a second call does nothing. */
  dispose(): void {
    if (!this.#context.alive) return;
    // Every handle into the runtime goes before it: QuickJS refuses to free a runtime that still
    // has live objects. The host calls still running end with nobody to tell.
    for (const call of this.#pending) call.deferred.dispose();
    this.#pending.clear();
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
