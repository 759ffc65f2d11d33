import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Exchange } from '../http/exchange.js';

export type ExchangeSource = 'exchanged' | 'cached' | 'shared' | 'uncached' | 'none';

/** Upper bounds, in seconds, of every duration histogram: from a cache hit to a slow upstream. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** PingGateway's `family` label values, indexed by status / 100; index 0 is `unknown`. */
const STATUS_FAMILIES: readonly string[] = Object.freeze([
  'unknown',
  'informational',
  'successful',
  'redirection',
  'client_error',
  'server_error',
]);

/** The route label of a request: its route's name, or `none` outside any route. */
export function routeLabel(exchange: Exchange): string {
  return (exchange.contexts.router as { route?: string } | undefined)?.route ?? 'none';
}

/**
 * Series the gateway keeps itself, in nested maps keyed by label values, and hands to prom-client
 * when the registry is scraped: prom-client hashes the label object on every update, even through
 * a labelled child, which the request path should not pay for.
 */
class KeptSeries<S> {
  readonly labelNames: readonly string[];
  readonly #create: () => S;
  readonly #root = new Map<string, unknown>();

  constructor(labelNames: readonly string[], create: () => S) {
    this.labelNames = labelNames;
    this.#create = create;
  }

  /** The series of these label values, given in `labelNames`' order; made on first use. */
  get(values: readonly string[]): S {
    let level = this.#root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(values[i]!, next);
      }
      level = next;
    }
    let series = level.get(values[last]!) as S | undefined;
    if (series === undefined) {
      series = this.#create();
      level.set(values[last]!, series);
    }
    return series;
  }

  rows(): [Record<string, string>, S][] {
    const rows: [Record<string, string>, S][] = [];
    const depth = this.labelNames.length;
    const walk = (level: Map<string, unknown>, values: string[]): void => {
      for (const [value, child] of level) {
        const path = [...values, value];
        if (path.length < depth) {
          walk(child as Map<string, unknown>, path);
          continue;
        }
        const labels: Record<string, string> = {};
        path.forEach((v, i) => (labels[this.labelNames[i]!] = v));
        rows.push([labels, child as S]);
      }
    };
    walk(this.#root, []);
    return rows;
  }
}

/** One counter's count, or a gauge's value. */
export class Count {
  value = 0;
}

/** One histogram series: a count per bucket (not cumulative), the sum and the count. */
export class HistogramCounts {
  readonly buckets = new Float64Array(DURATION_BUCKETS.length);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) {
        this.buckets[i]!++;
        return;
      }
    }
  }
}

/** A counter read from kept series at scrape. */
function keptCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => [Record<string, string>, number][],
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A gauge read at scrape. */
function keptGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => [Record<string, string>, number][],
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

/**
 * A histogram whose buckets are counted in HistogramCounts and written out at scrape. prom-client
 * has no way to set a histogram's buckets, so this one replaces what its parent would export.
 */
class KeptHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #read: () => [Record<string, string>, HistogramCounts][];

  constructor(
    registry: Registry,
    name: string,
    help: string,
    read: () => [Record<string, string>, HistogramCounts][],
  ) {
    super({ name, help, labelNames: [], buckets: [...DURATION_BUCKETS], registers: [registry] });
    this.#name = name;
    this.#help = help;
    this.#read = read;
  }

  override get(): ReturnType<Histogram['get']> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    const bucket = `${this.#name}_bucket`;
    for (const [labels, counts] of this.#read()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += counts.buckets[i]!;
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: counts.count, metricName: bucket });
      values.push({ labels, value: counts.sum, metricName: `${this.#name}_sum` });
      values.push({ labels, value: counts.count, metricName: `${this.#name}_count` });
    }
    return Promise.resolve({
      name: this.#name,
      help: this.#help,
      type: 'histogram',
      aggregator: 'sum',
      collect: undefined,
      values,
    } as unknown as Awaited<ReturnType<Histogram['get']>>);
  }

  /** What the registry's text output reads (in place of get() when present). */
  getForPromString(): ReturnType<Histogram['get']> {
    return this.get();
  }
}

/**
 * One route's request series, PingGateway's `ig_route_*`: the Router holds it for the route, so a
 * request costs no label lookup.
 */
export class RouteSeries {
  active = 0;
  /** Requests whose handler threw instead of answering. */
  errors = 0;
  /** Responses by STATUS_FAMILIES index. */
  readonly statuses = new Float64Array(STATUS_FAMILIES.length);
  readonly duration = new HistogramCounts();

  /** A request starts: returns the time to hand to `end`. */
  begin(): number {
    this.active++;
    return performance.now();
  }

  /** The request `begin` started is answered with `status`, or threw (status undefined). */
  end(started: number, status: number | undefined): void {
    this.active--;
    this.duration.observe((performance.now() - started) / 1000);
    if (status === undefined) this.errors++;
    else this.statuses[status >= 100 && status < 600 ? Math.floor(status / 100) : 0]!++;
  }
}

/** What the route-state gauge needs of a route file's status (router/route-status.ts's RouteStatus). */
export interface RouteStateRecord {
  readonly id: string;
  readonly name: string | undefined;
  readonly state: string;
}

const ROUTE_LABELS: readonly string[] = Object.freeze(['router', 'route', 'name']);
const EXCHANGE_LABELS: readonly string[] = Object.freeze(['route', 'filter', 'outcome', 'error', 'source']);
const UPSTREAM_LABELS: readonly string[] = Object.freeze(['route', 'handler', 'code']);

const ROUTE_STATES: readonly string[] = Object.freeze([
  'loaded',
  'failed',
  'loaded-with-previous-version',
  'removed',
]);

/**
 * One gateway's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several gateways in one process keep separate counts. Served at `/<prefix>/metrics/prometheus`.
 * The request path only adds to numbers the gateway keeps; prom-client reads them at scrape.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Whether prom-client's process and GC metrics are to join the registry on its first scrape. */
  #processMetrics: boolean;
  readonly #routes = new KeptSeries(ROUTE_LABELS, () => new RouteSeries());
  readonly #routers = new KeptSeries(['router'], () => new Count());
  readonly #exchanges = new KeptSeries(EXCHANGE_LABELS, () => new Count());
  readonly #exchangeDurations = new KeptSeries(['route', 'filter', 'source'], () => new HistogramCounts());
  readonly #cacheGets = new KeptSeries(['route', 'filter', 'result'], () => new Count());
  readonly #upstreamErrors = new KeptSeries(UPSTREAM_LABELS, () => new Count());
  readonly #storeErrors = new KeptSeries(['store', 'reason'], () => new Count());
  /** Read at scrape: each exchange cache's size, and each router's route statuses. */
  readonly #caches = new Set<{ route: string; filter: string; size: () => number }>();
  readonly #routeStates = new Set<{ router: string; read: () => readonly RouteStateRecord[] }>();

  /**
   * `processMetrics`: add prom-client's default process, heap, event-loop and GC metrics, on the
   * first scrape: they start a GC observer and an event-loop monitor that live as long as the
   * process, which a gateway that is never scraped (a test's, `validate`'s) should not leave behind.
   */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.#processMetrics = options.processMetrics ?? false;
    const { registry } = this;
    const routeRows = (pick: (series: RouteSeries) => number): [Record<string, string>, number][] =>
      this.#routes.rows().map(([labels, series]) => [labels, pick(series)]);
    keptGauge(registry, 'ig_route_request_active', 'Requests a route is answering now', ROUTE_LABELS, () =>
      routeRows((series) => series.active),
    );
    keptCounter(registry, 'ig_route_request_total', 'Requests a route took', ROUTE_LABELS, () =>
      routeRows((series) => series.errors + series.statuses.reduce((sum, n) => sum + n, 0)),
    );
    keptCounter(
      registry,
      'ig_route_response_error_total',
      'Requests whose handler threw instead of answering',
      ROUTE_LABELS,
      () => routeRows((series) => series.errors),
    );
    keptCounter(
      registry,
      'ig_route_response_status_total',
      'Responses by status family (informational, successful, redirection, client_error, server_error, unknown)',
      [...ROUTE_LABELS, 'family'],
      () =>
        this.#routes
          .rows()
          .flatMap(([labels, series]) =>
            STATUS_FAMILIES.flatMap((family, i): [Record<string, string>, number][] =>
              series.statuses[i]! > 0 ? [[{ ...labels, family }, series.statuses[i]!]] : [],
            ),
          ),
    );
    new KeptHistogram(
      registry,
      'ig_route_response_time_seconds',
      'Time from a route taking a request to its response (headers) coming back, in seconds',
      () => this.#routes.rows().map(([labels, series]) => [labels, series.duration]),
    );
    keptGauge(
      registry,
      'tollgate_router_request_active',
      'Requests a Router is dispatching or answering now',
      ['router'],
      () => this.#routers.rows().map(([labels, count]) => [labels, count.value]),
    );
    keptCounter(
      registry,
      'tollgate_token_exchanges_total',
      'Token exchanges by route, filter, outcome, OAuth error and where the token came from (exchanged, cached, shared in flight, uncached)',
      EXCHANGE_LABELS,
      () => this.#exchanges.rows().map(([labels, count]) => [labels, count.value]),
    );
    new KeptHistogram(
      registry,
      'tollgate_token_exchange_duration_seconds',
      'Time a token-exchange filter took to get its token (a cache hit is near 0), in seconds',
      () => this.#exchangeDurations.rows(),
    );
    keptCounter(
      registry,
      'tollgate_token_exchange_cache_gets_total',
      'Exchange cache lookups: hit (cached), miss (a call made), shared (joined a call in flight)',
      ['route', 'filter', 'result'],
      () => this.#cacheGets.rows().map(([labels, count]) => [labels, count.value]),
    );
    keptGauge(
      registry,
      'tollgate_token_exchange_cache_entries',
      'Entries in an exchange cache',
      ['route', 'filter'],
      () => [...this.#caches].map((cache) => [{ route: cache.route, filter: cache.filter }, cache.size()]),
    );
    keptCounter(
      registry,
      'tollgate_exchange_cache_store_errors_total',
      'Shared exchange cache (Redis) failures, each answered by exchanging directly: unavailable, timeout, or an unusable value',
      ['store', 'reason'],
      () => this.#storeErrors.rows().map(([labels, count]) => [labels, count.value]),
    );
    keptCounter(
      registry,
      'tollgate_upstream_errors_total',
      'Upstream requests that got no answer, by route, handler and code (TG_UPSTREAM_*)',
      UPSTREAM_LABELS,
      () => this.#upstreamErrors.rows().map(([labels, count]) => [labels, count.value]),
    );
    keptGauge(
      registry,
      'tollgate_route_state',
      'A route file state: 1 for its current state (loaded, failed, loaded-with-previous-version, removed), 0 for the others',
      ['router', 'route', 'id', 'state'],
      () =>
        [...this.#routeStates].flatMap(({ router, read }) =>
          read().flatMap((status) =>
            ROUTE_STATES.map((state): [Record<string, string>, number] => [
              { router, route: status.name ?? status.id, id: status.id, state },
              status.state === state ? 1 : 0,
            ]),
          ),
        ),
    );
  }

  /** The series of one route (`default`: the router's default handler or its empty 404). */
  route(router: string, id: string, name: string): RouteSeries {
    return this.#routes.get([router, id, name]);
  }

  /** The count of requests a Router holds now: one added when a request enters, taken when it leaves. */
  routerRequests(router: string): Count {
    return this.#routers.get([router]);
  }

  /**
   * One token exchange's result. `error` is the OAuth error, already bounded to the known codes;
   * `seconds` how long getting the token took.
   */
  tokenExchange(
    route: string,
    filter: string,
    error: string | null,
    source: ExchangeSource,
    seconds: number,
  ): void {
    this.#exchanges.get([route, filter, error === null ? 'success' : 'failure', error ?? '', source]).value++;
    this.#exchangeDurations.get([route, filter, source]).observe(seconds);
    const result = source === 'cached' ? 'hit' : source === 'exchanged' ? 'miss' : source;
    if (source === 'cached' || source === 'exchanged' || source === 'shared') {
      this.#cacheGets.get([route, filter, result]).value++;
    }
  }

  /** An upstream request that got no answer (a TG_UPSTREAM_* code). */
  upstreamError(route: string, handler: string, code: string): void {
    this.#upstreamErrors.get([route, handler, code]).value++;
  }

  /** A shared exchange cache's failure (`reason`: unavailable, timeout or unusable). */
  exchangeStoreError(store: string, reason: 'unavailable' | 'timeout' | 'unusable'): void {
    this.#storeErrors.get([store, reason]).value++;
  }

  /** Reports an exchange cache's size at each scrape until the returned function is called. */
  exchangeCache(route: string, filter: string, size: () => number): () => void {
    const entry = { route, filter, size };
    this.#caches.add(entry);
    return () => this.#caches.delete(entry);
  }

  /** Reports a router's route states at each scrape until the returned function is called. */
  routeStates(router: string, read: () => readonly RouteStateRecord[]): () => void {
    const entry = { router, read };
    this.#routeStates.add(entry);
    return () => this.#routeStates.delete(entry);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    this.#collectProcessMetrics();
    return this.registry.metrics();
  }

  /** Every series as prom-client's JSON, which its AggregatorRegistry sums over a cluster's workers. */
  snapshot(): ReturnType<Registry['getMetricsAsJSON']> {
    this.#collectProcessMetrics();
    return this.registry.getMetricsAsJSON();
  }

  #collectProcessMetrics(): void {
    if (this.#processMetrics) {
      this.#processMetrics = false;
      collectDefaultMetrics({ register: this.registry });
    }
  }
}
