import type { SharedRate, ThrottleStore } from '../heap/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { GatewayPhase } from './admin-endpoints.js';
import { isUnitMessage, UNIT_VARIABLE, type UnitOrder, type UnitReport, type UnitServing } from './units.js';

/**
 * How long a ThrottlingFilter waits for the primary's token before it counts on its own: a
 * request is held up at most this long, never failed, when the primary is slow or stuck.
 */
export const THROTTLE_ANSWER_MS = 1_000;

interface Take {
  readonly done: (waitMs: number) => void;
  readonly fail: (error: Error) => void;
  readonly timeout: NodeJS.Timeout;
}

/**
 * A worker's side of the cluster: what it tells the primary (that it serves, that it drained) and
 * what it asks of it (the instance's phase, every unit's metrics, a token from the instance's
 * ThrottlingFilter buckets), over node:cluster's IPC channel. The primary speaks for the
 * instance, so the gateway of a unit hands it the lines a single process would log about the
 * whole of it.
 */
export class UnitLink implements ThrottleStore {
  /** The instance's phase, as the primary last said it. */
  #instancePhase: GatewayPhase = 'starting';
  #metrics: GatewayMetrics | undefined;
  #nextId = 0;
  readonly #waiting = new Map<number, { done: (text: string) => void; fail: (error: Error) => void }>();
  readonly #takes = new Map<number, Take>();
  #onDrain: () => void = () => undefined;
  /** This unit's number, 1 to N, which the primary gave it. */
  readonly number = Number(process.env[UNIT_VARIABLE]);
  readonly #receive = (message: unknown): void => {
    if (isUnitMessage(message)) this.#handle(message as UnitOrder);
  };
  readonly #disconnected = (): void => {
    for (const { fail } of this.#waiting.values()) fail(new Error('the primary process is gone'));
    this.#waiting.clear();
    for (const take of this.#takes.values()) {
      clearTimeout(take.timeout);
      take.fail(new Error('the primary process is gone'));
    }
    this.#takes.clear();
    this.#onDrain();
  };

  constructor() {
    process.on('message', this.#receive);
    // The primary is gone (killed, say): nothing will restart this unit or tell it to stop.
    process.once('disconnect', this.#disconnected);
    // An order sent before this process listened would be lost: the primary holds them until now.
    this.#send({ tollgate: 'listening' });
  }

  /** What to do when the primary drains the instance, or is gone. */
  onDrain(drain: () => void): void {
    this.#onDrain = drain;
  }

  /** The metrics the primary gathers from this unit. */
  attach(metrics: GatewayMetrics): void {
    this.#metrics = metrics;
  }

  /** The instance's phase: this unit's own until it serves, then the primary's word for all of them. */
  phase(own: GatewayPhase): GatewayPhase {
    return own === 'serving' ? this.#instancePhase : own;
  }

  /** Every unit's metrics, summed by the primary. */
  metrics(): Promise<string> {
    const id = this.#nextId++;
    return new Promise<string>((done, fail) => {
      this.#waiting.set(id, { done, fail });
      this.#send({ tollgate: 'metrics-wanted', id });
    });
  }

  /**
   * Takes a token from the primary's bucket for `filter` and `partition`: 0 to pass, else the ms
   * until a token is there. Rejects when the primary is gone or has not answered within
   * THROTTLE_ANSWER_MS (an answer after that is dropped).
   */
  take(filter: string, partition: string, rate: SharedRate): Promise<number> {
    if (!process.connected) return Promise.reject(new Error('the primary process is gone'));
    const id = this.#nextId++;
    return new Promise<number>((done, fail) => {
      const timeout = setTimeout(() => {
        this.#takes.delete(id);
        fail(new Error(`the primary gave no token in ${THROTTLE_ANSWER_MS} ms`));
      }, THROTTLE_ANSWER_MS);
      this.#takes.set(id, { done, fail, timeout });
      this.#send({
        tollgate: 'throttle-take',
        id,
        filter,
        partition,
        rate: { numberOfRequests: rate.numberOfRequests, durationMs: rate.durationMs },
      });
    });
  }

  serving(serving: UnitServing): void {
    this.#send({ tollgate: 'serving', serving });
  }

  drained(connectionsCut: number): void {
    this.#send({ tollgate: 'drained', connectionsCut });
  }

  close(): void {
    process.off('message', this.#receive);
    process.off('disconnect', this.#disconnected);
  }

  #handle(order: UnitOrder): void {
    switch (order.tollgate) {
      case 'phase':
        this.#instancePhase = order.phase;
        return;
      case 'drain':
        this.#onDrain();
        return;
      case 'metrics-gather':
        void (this.#metrics?.snapshot() ?? Promise.resolve([])).then((metrics) =>
          this.#send({ tollgate: 'metrics', id: order.id, metrics }),
        );
        return;
      case 'metrics-text': {
        const waiting = this.#waiting.get(order.id);
        this.#waiting.delete(order.id);
        waiting?.done(order.text);
        return;
      }
      case 'throttle-wait': {
        const take = this.#takes.get(order.id);
        if (take === undefined) return;
        this.#takes.delete(order.id);
        clearTimeout(take.timeout);
        take.done(order.waitMs);
        return;
      }
    }
  }

  #send(report: UnitReport): void {
    // A closed channel means the primary is gone, which 'disconnect' handles.
    if (process.connected) process.send?.(report, undefined, {}, () => undefined);
  }
}
