import { Worker } from 'node:worker_threads';
import { configError, TollgateError } from '../errors/tollgate-error.js';
import { CONFIG_LIMITS, type ConfigLimits } from './limits.js';
import type { ParseAnswer, ParseRequest } from './parse-worker.js';

/**
 * Reads and parses configuration files on one worker thread (parse-worker.ts), one file at a
 * time. The thread has its own heap limit and each file a time limit: a file that needs more is
 * a TG_CONFIG_LIMIT for that file, the thread is replaced, and the serving thread never noticed.
 * The thread is started on first use and keeps the process alive only while it works. A file
 * that is read with a warning (text after its JSON value) is handed to `onWarning` before its
 * data is returned; without one, the warning is dropped.
 */
export class ConfigFileReader {
  readonly #limits: ConfigLimits;
  readonly #onWarning: (warning: TollgateError) => void;
  #worker: Worker | undefined;
  #nextId = 0;
  /** Files are parsed one after the other, so each file's time limit is its own. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    limits: ConfigLimits = CONFIG_LIMITS,
    onWarning: (warning: TollgateError) => void = () => undefined,
  ) {
    this.#limits = limits;
    this.#onWarning = onWarning;
  }

  get limits(): ConfigLimits {
    return this.#limits;
  }

  /**
   * Reports a warning about a file this reader read that only building it finds (a key that has
   * no meaning here), through the same `onWarning` as the reading's own.
   */
  warn(warning: TollgateError): void {
    this.#onWarning(warning);
  }

  /** The file's data; throws a coded error (TG_CONFIG_READ when the file does not exist). */
  async read(file: string): Promise<unknown> {
    const answer = await this.#enqueue(file);
    if ('missing' in answer) {
      throw configError('TG_CONFIG_READ', { file, pointer: '' }, 'the file does not exist');
    }
    return answer.value;
  }

  /** Like read, but a file that does not exist (any more) gives `missing` instead of an error. */
  async readIfPresent(file: string): Promise<{ value: unknown } | 'missing'> {
    const answer = await this.#enqueue(file);
    return 'missing' in answer ? 'missing' : { value: answer.value };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail.catch(() => undefined);
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #enqueue(file: string): Promise<{ value: unknown } | { missing: true }> {
    const run = this.#tail.then(
      () => this.#parse(file),
      () => this.#parse(file),
    );
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #parse(file: string): Promise<{ value: unknown } | { missing: true }> {
    const place = { file, pointer: '' };
    if (this.#closed) return Promise.reject(configError('TG_CONFIG_READ', place, 'the loader is closed'));
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
      };
      // The thread is lost with what it was doing: the next file gets a new one.
      const discard = (error: TollgateError): void => {
        settle();
        if (this.#worker === worker) this.#worker = undefined;
        void worker.terminate();
        reject(error);
      };
      const onMessage = (answer: ParseAnswer): void => {
        if (answer.id !== id) return;
        settle();
        if ('error' in answer) {
          const { code, pointer, detail, source } = answer.error;
          reject(new TollgateError(code, detail, { place: { file, pointer }, source }));
          return;
        }
        if ('value' in answer) {
          for (const { code, pointer, detail, source } of answer.warnings)
            this.#onWarning(new TollgateError(code, detail, { place: { file, pointer }, source }));
        }
        resolve(answer);
      };
      const onError = (error: Error): void => {
        const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        discard(
          outOfMemory
            ? configError(
                'TG_CONFIG_LIMIT',
                place,
                `parsing the file needs more than ${this.#limits.parseMemoryMb} MiB`,
                error,
              )
            : configError('TG_CONFIG_PARSE', place, `the file cannot be parsed: ${error.message}`, error),
        );
      };
      const onExit = (): void =>
        discard(configError('TG_CONFIG_PARSE', place, 'the parser stopped before it answered'));
      const timer = setTimeout(
        () =>
          discard(
            configError(
              'TG_CONFIG_LIMIT',
              place,
              `parsing the file takes longer than ${this.#limits.parseTimeoutMs} ms`,
            ),
          ),
        this.#limits.parseTimeoutMs,
      );
      timer.unref();
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.ref();
      const request: ParseRequest = { id, file, limits: this.#limits };
      worker.postMessage(request);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.#limits.parseMemoryMb, stackSizeMb: 4 },
    });
    // A thread that fails or ends between files is forgotten; the next file starts a new one.
    const forget = (): void => {
      if (this.#worker === worker) this.#worker = undefined;
    };
    worker.on('error', forget);
    worker.on('exit', forget);
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
