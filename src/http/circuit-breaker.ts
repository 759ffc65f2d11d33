export interface CircuitBreakerOptions {
  /** Failures among the last `windowSize` outcomes that open the circuit. */
  readonly maxFailures: number;
  readonly openMs: number;
  /** PingGateway's slidingCounter `size`: how many recent outcomes are counted. */
  readonly windowSize: number;
  readonly now?: () => number;
}

/**
 * PingGateway's circuit breaker on a client: once `maxFailures` of the last `windowSize` calls
 * failed, calls are refused for `openMs`; then the circuit closes with its count cleared. Time is
 * read when a call asks, so no timer runs.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  /** The last outcomes, true for a failure, oldest first. */
  #outcomes: boolean[] = [];
  #failures = 0;
  #openUntil: number | undefined;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether a call may go ahead now. */
  get isOpen(): boolean {
    if (this.#openUntil === undefined) return false;
    if (this.#now() < this.#openUntil) return true;
    this.#openUntil = undefined;
    this.#outcomes = [];
    this.#failures = 0;
    return false;
  }

  record(failed: boolean): void {
    if (this.#openUntil !== undefined) return;
    this.#outcomes.push(failed);
    if (failed) this.#failures++;
    if (this.#outcomes.length > this.#options.windowSize && this.#outcomes.shift()) this.#failures--;
    if (this.#failures >= this.#options.maxFailures) this.#openUntil = this.#now() + this.#options.openMs;
  }
}
