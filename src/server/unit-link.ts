import type { GatewayMetrics } from '../observability/metrics.js';
import type { GatewayPhase } from './admin-endpoints.js';
import { isUnitMessage, UNIT_VARIABLE, type UnitOrder, type UnitReport, type UnitServing } from './units.js';

/**
 * A worker's side of the cluster: what it tells the primary (that it serves, that it drained) and
 * what it asks of it (the instance's phase, every unit's metrics), over node:cluster's IPC
 * channel. The primary speaks for the instance, so the gateway of a unit hands it the lines a
 * single process would log about the whole of it.
 */
export class UnitLink {
  /** The instance's phase, as the primary last said it. */
  #instancePhase: GatewayPhase = 'starting';
  #metrics: GatewayMetrics | undefined;
  #nextId = 0;
  readonly #waiting = new Map<number, { done: (text: string) => void; fail: (error: Error) => void }>();
  #onDrain: () => void = () => undefined;
  /** This unit's number, 1 to N, which the primary gave it. */
  readonly number = Number(process.env[UNIT_VARIABLE]);
  readonly #receive = (message: unknown): void => {
    if (isUnitMessage(message)) this.#handle(message as UnitOrder);
  };
  readonly #disconnected = (): void => {
    for (const { fail } of this.#waiting.values()) fail(new Error('the primary process is gone'));
    this.#waiting.clear();
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
    }
  }

  #send(report: UnitReport): void {
    // A closed channel means the primary is gone, which 'disconnect' handles.
    if (process.connected) process.send?.(report, undefined, {}, () => undefined);
  }
}
