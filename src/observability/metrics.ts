import { Counter, Registry } from 'prom-client';

export type ExchangeSource = 'exchanged' | 'cached' | 'shared' | 'uncached' | 'none';

/** `2xx`, `4xx`…: one label value per status family keeps the series count small. */
function statusFamily(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * One gateway's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several gateways in one process keep separate counts. Served at `/<prefix>/metrics/prometheus`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #routeRequests: Counter<'route' | 'status'>;
  readonly #exchanges: Counter<'filter' | 'outcome' | 'error' | 'source'>;
  /** Labelled children by route and family: prom-client would hash the label object every time. */
  readonly #routeChildren = new Map<string, { inc(): void }>();

  constructor() {
    this.#routeRequests = new Counter({
      name: 'tollgate_route_requests_total',
      help: 'Requests answered, by route (default: no route matched) and status family',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
    this.#exchanges = new Counter({
      name: 'tollgate_token_exchanges_total',
      help: 'Token exchanges by filter, outcome, OAuth error and where the token came from (exchanged, cached, shared in flight)',
      labelNames: ['filter', 'outcome', 'error', 'source'],
      registers: [this.registry],
    });
  }

  routeRequest(route: string, status: number): void {
    const family = statusFamily(status);
    const key = `${family} ${route}`;
    let child = this.#routeChildren.get(key);
    if (!child) {
      child = this.#routeRequests.labels(route, family);
      this.#routeChildren.set(key, child);
    }
    child.inc();
  }

  tokenExchange(filter: string, error: string | null, source: ExchangeSource): void {
    this.#exchanges.inc({
      filter,
      outcome: error === null ? 'success' : 'failure',
      error: error ?? '',
      source,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
