import cluster, { type Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { SHARED_SWEEP_INTERVAL_MS, SharedThrottleBuckets } from '../services/throttling-rate.js';
import type { GatewayPhase } from './admin-endpoints.js';
import { startedMessage } from './gateway.js';
import { aggregateUnitMetrics } from './unit-metrics.js';
import { isUnitMessage, UNIT_VARIABLE, type UnitOrder, type UnitReport, type UnitServing } from './units.js';

/** The first restart of a unit waits this long, each quick failure after it twice as long. */
const RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** A unit that served this long before it died is restarted at once again, its failures forgotten. */
const STABLE_AFTER_MS = 10_000;
/** How long a drained unit may take past the grace period before it is killed. */
const EXIT_MARGIN_MS = 10_000;

interface Slot {
  readonly unit: number;
  worker: Worker | undefined;
  /** Whether the worker listens for orders yet (it is still loading until it says so). */
  listening: boolean;
  serving: boolean;
  servingSince: number;
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/** How the instance's start ended: every unit serves, a unit failed to start, or a signal came first. */
export type StartOutcome = 'serving' | 'failed' | 'closed';

/**
 * The primary of `gatewayUnits` worker processes (node:cluster; the primary accepts each
 * connection and hands it to a worker in turn). It starts unit 1 alone, so that a configuration
 * error is printed once and ends the instance, then the others together; it logs the start-up
 * line once for the instance; restarts a unit that dies, with a backoff, while the others serve;
 * answers the units' health (ready when every unit serves) and metrics (every unit's, summed by
 * prom-client's aggregator); holds the instance's ThrottlingFilter buckets, from which the units
 * take their tokens; and drains them all on close. Each unit builds its own generation and
 * watches the routes directory itself.
 */
export class UnitSupervisor {
  readonly #logger: Logger;
  readonly #slots: Slot[];
  #phase: GatewayPhase = 'starting';
  #serving: UnitServing | undefined;
  #nextGather = 0;
  readonly #gathers = new Map<number, { metrics: UnitReport[]; pending: Set<Worker>; finish: () => void }>();
  #connectionsCut = 0;
  #closing: Promise<void> | undefined;
  #startChanged: () => void = () => undefined;
  #failedToStart = false;
  /** Whether every unit has served once: from then on a unit that dies is restarted. */
  #up = false;
  readonly #throttling = new SharedThrottleBuckets();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(units: number, logger: Logger) {
    this.#logger = logger;
    this.#slots = Array.from({ length: units }, (_, index) => ({
      unit: index + 1,
      worker: undefined,
      listening: false,
      serving: false,
      servingSince: 0,
      failures: 0,
      restart: undefined,
    }));
  }

  /** Starts the units; resolves once they all serve, one of them failed to, or close() was called. */
  async start(): Promise<StartOutcome> {
    if (this.#closing !== undefined) return 'closed';
    this.#sweeper = setInterval(() => this.#throttling.sweep(), SHARED_SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
    const [first, ...others] = this.#slots;
    this.#fork(first!);
    const firstOutcome = await this.#until(() => first!.serving);
    if (firstOutcome !== 'serving') return firstOutcome;
    for (const slot of others) this.#fork(slot);
    const outcome = await this.#until(() => this.#slots.every((slot) => slot.serving));
    if (outcome !== 'serving') return outcome;
    const serving = this.#serving!;
    this.#logger.info(
      {
        urls: serving.urls,
        listening: serving.listening,
        routes: serving.routes,
        mode: serving.mode,
        routesLoaded: serving.routesLoaded,
        routesFailed: serving.routesFailed,
        units: this.#slots.length,
      },
      startedMessage(serving.routesLoaded, serving.routesFailed, serving.listening),
    );
    this.#up = true;
    this.#setPhase('serving');
    return 'serving';
  }

  /**
   * Drains every unit (each as a single gateway drains, within the grace period) and resolves once
   * the last has exited; no unit is restarted from the first moment.
   */
  close(): Promise<void> {
    return this.#stop(async () => {
      const started = performance.now();
      this.#setPhase('draining');
      const gracePeriodMs = this.#serving?.gracePeriodMs;
      this.#logger.info({ gracePeriodMs, units: this.#slots.length }, 'tollgate is draining');
      await this.#drainAll(gracePeriodMs);
      this.#logger.info(
        { connectionsCut: this.#connectionsCut, ms: Math.round(performance.now() - started) },
        'tollgate is drained',
      );
      this.#logger.info('tollgate stopped');
    });
  }

  /** After a unit failed to start: the others are stopped, and the instance is not said to drain. */
  abort(): Promise<void> {
    return this.#stop(() => this.#drainAll(this.#serving?.gracePeriodMs));
  }

  #stop(run: () => Promise<void>): Promise<void> {
    if (this.#closing === undefined) {
      clearInterval(this.#sweeper);
      this.#closing = run();
      // A start() still waiting for its units ends here.
      this.#startChanged();
    }
    return this.#closing;
  }

  /** Tells every unit to drain and waits for the last to exit; one still running well after the grace period is killed. */
  async #drainAll(gracePeriodMs: number | undefined): Promise<void> {
    for (const slot of this.#slots) clearTimeout(slot.restart);
    const running = this.#slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]));
    const exited = running.map((worker) => new Promise<void>((done) => worker.once('exit', () => done())));
    // A unit still loading gets its order once it listens.
    for (const slot of this.#slots) {
      if (slot.worker && slot.listening) this.#order(slot.worker, { tollgate: 'drain' });
    }
    const limit =
      gracePeriodMs === undefined || !Number.isFinite(gracePeriodMs)
        ? undefined
        : gracePeriodMs + EXIT_MARGIN_MS;
    const stragglers =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            for (const worker of running) {
              if (worker.isDead()) continue;
              this.#logger.warn(
                { pid: worker.process.pid },
                'a unit did not exit after draining: it is killed',
              );
              worker.process.kill('SIGKILL');
            }
          }, limit);
    await Promise.all(exited);
    clearTimeout(stragglers);
  }

  #until(reached: () => boolean): Promise<StartOutcome> {
    return new Promise<StartOutcome>((done) => {
      const check = (): void => {
        if (this.#closing !== undefined) done('closed');
        else if (this.#failedToStart) done('failed');
        else if (reached()) done('serving');
        else return;
        this.#startChanged = () => undefined;
      };
      this.#startChanged = check;
      check();
    });
  }

  #fork(slot: Slot): void {
    slot.restart = undefined;
    const worker = cluster.fork({ [UNIT_VARIABLE]: String(slot.unit) });
    slot.worker = worker;
    slot.listening = false;
    slot.serving = false;
    worker.on('message', (message: unknown) => {
      if (isUnitMessage(message)) this.#report(slot, worker, message as UnitReport);
    });
    worker.once('exit', (code, signal) => this.#exited(slot, worker, code, signal));
  }

  #report(slot: Slot, worker: Worker, report: UnitReport): void {
    switch (report.tollgate) {
      case 'listening':
        slot.listening = true;
        if (this.#closing !== undefined) this.#order(worker, { tollgate: 'drain' });
        return;
      case 'serving': {
        slot.serving = true;
        slot.servingSince = performance.now();
        this.#serving ??= report.serving;
        if (this.#closing !== undefined) return;
        this.#logger.info({ unit: slot.unit, pid: worker.process.pid }, `unit ${slot.unit} is serving`);
        // Until the instance is up, start() sets the phase, once every unit serves.
        if (this.#up) this.#setPhase(this.#allServing() ? 'serving' : 'starting');
        else this.#order(worker, { tollgate: 'phase', phase: this.#phase });
        this.#startChanged();
        return;
      }
      case 'drained':
        this.#connectionsCut += report.connectionsCut;
        return;
      case 'metrics-wanted':
        this.#gather(worker, report.id);
        return;
      case 'throttle-take': {
        const waitMs = this.#throttling.take(report.filter, report.partition, report.rate);
        this.#order(worker, { tollgate: 'throttle-wait', id: report.id, waitMs });
        return;
      }
      case 'metrics': {
        const gather = this.#gathers.get(report.id);
        if (gather === undefined) return;
        gather.metrics.push(report);
        gather.pending.delete(worker);
        if (gather.pending.size === 0) gather.finish();
        return;
      }
    }
  }

  /** Asks every unit for its metrics, and answers `asker` with their sum; a unit that does not answer in time is left out. */
  #gather(asker: Worker, askerId: number): void {
    const id = this.#nextGather++;
    const pending = new Set(this.#slots.flatMap((slot) => (slot.worker?.isConnected() ? [slot.worker] : [])));
    const metrics: UnitReport[] = [];
    const timeout = setTimeout(() => finish(), 5_000);
    const finish = (): void => {
      clearTimeout(timeout);
      this.#gathers.delete(id);
      void aggregateUnitMetrics(
        metrics.flatMap((report) => (report.tollgate === 'metrics' ? [report.metrics] : [])),
      ).then(
        (text) => this.#order(asker, { tollgate: 'metrics-text', id: askerId, text }),
        (error: unknown) => {
          this.#logger.warn({ err: error }, 'the units’ metrics could not be summed');
          this.#order(asker, { tollgate: 'metrics-text', id: askerId, text: '' });
        },
      );
    };
    this.#gathers.set(id, { metrics, pending, finish });
    for (const worker of pending) this.#order(worker, { tollgate: 'metrics-gather', id });
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const wasServing = slot.serving;
    slot.serving = false;
    for (const gather of this.#gathers.values()) {
      gather.pending.delete(worker);
      if (gather.pending.size === 0) gather.finish();
    }
    if (this.#closing !== undefined) return;
    if (!this.#up) {
      // Still starting: the unit printed why (a configuration error, a port in use), and the
      // instance does not start.
      this.#logger.error(
        { unit: slot.unit, pid: worker.process.pid, exitCode: code, signal },
        `unit ${slot.unit} exited while starting`,
      );
      this.#failedToStart = true;
      this.#startChanged();
      return;
    }
    const stable = wasServing && performance.now() - slot.servingSince >= STABLE_AFTER_MS;
    slot.failures = stable ? 0 : slot.failures + 1;
    const delayMs = Math.min(RESTART_DELAY_MS * 2 ** Math.max(slot.failures - 1, 0), MAX_RESTART_DELAY_MS);
    this.#logger.warn(
      { unit: slot.unit, pid: worker.process.pid, exitCode: code, signal, restartInMs: delayMs },
      `unit ${slot.unit} exited (${signal ?? `code ${code}`}): it restarts in ${delayMs} ms`,
    );
    this.#setPhase('starting');
    slot.restart = setTimeout(() => this.#fork(slot), delayMs);
  }

  #allServing(): boolean {
    return this.#slots.every((slot) => slot.serving);
  }

  #setPhase(phase: GatewayPhase): void {
    this.#phase = phase;
    for (const slot of this.#slots) if (slot.worker) this.#order(slot.worker, { tollgate: 'phase', phase });
  }

  #order(worker: Worker, order: UnitOrder): void {
    if (worker.isConnected()) worker.send(order, undefined, () => undefined);
  }
}
