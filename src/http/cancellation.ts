type CancelListener = (reason: Error) => void;

/**
 * Tells, once, with a reason, that a request's upstream calls should stop: its client went
 * away, or a sub-exchange's time-out passed. Not an AbortController, nor even an EventEmitter:
 * every request has one, and most never fire, so it is a field and a list made on first use.
 */
export class Cancellation {
  #reason: Error | undefined;
  #listeners: CancelListener[] | undefined;

  /** Why it fired; undefined until then. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** Calls `listener` when it fires (once: it fires only once). */
  onCancel(listener: CancelListener): void {
    (this.#listeners ??= []).push(listener);
  }

  offCancel(listener: CancelListener): void {
    const listeners = this.#listeners;
    const index = listeners?.indexOf(listener) ?? -1;
    if (index >= 0) listeners!.splice(index, 1);
  }

  get listenerCount(): number {
    return this.#listeners?.length ?? 0;
  }

  /**
   * Fires after `ms` with the error `timeout` makes, unless the returned function is called
   * first: the time-out of one call, to be released when the call is over.
   */
  cancelAfter(ms: number, timeout: () => Error): () => void {
    const timer = setTimeout(() => this.cancel(timeout()), ms);
    return () => clearTimeout(timer);
  }

  cancel(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    for (const listener of listeners ?? []) listener(reason);
  }
}
