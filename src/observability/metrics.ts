import { Counter, Registry } from 'prom-client';

export type ExchangeSource = 'exchanged' | 'cached' | 'shared' | 'uncached' | 'none';

/** `2xx`, `4xx`…: one label value per status family keeps the series count small. */
function statusFamily(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * A counter whose counts the gateway keeps itself, in nested maps keyed by label values, and
 * hands to prom-client when the registry is scraped: prom-client hashes the label object on
 * every increment, even through a labelled child, which the request path should not pay for.
 */
class KeptCounter<L extends string> {
  readonly #labelNames: readonly L[];
  readonly #root = new Map<string, unknown>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    this.#labelNames = labelNames;
    const read = (): [Record<string, string>, number][] => this.#read();
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels as Partial<Record<L, string>>, value);
      },
    });
  }

  /** Adds one to the count of these label values, given in `labelNames`' order. */
  inc(first: string, ...rest: string[]): void {
    let level = this.#root;
    let key = first;
    for (const value of rest) {
      let next = level.get(key) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
      key = value;
    }
    level.set(key, ((level.get(key) as number | undefined) ?? 0) + 1);
  }

  #read(): [Record<string, string>, number][] {
    const rows: [Record<string, string>, number][] = [];
    const walk = (level: Map<string, unknown>, values: string[]): void => {
      for (const [value, child] of level) {
        if (typeof child === 'number') {
          const labels: Record<string, string> = {};
          [...values, value].forEach((v, i) => (labels[this.#labelNames[i]!] = v));
          rows.push([labels, child]);
        } else walk(child as Map<string, unknown>, [...values, value]);
      }
    };
    walk(this.#root, []);
    return rows;
  }
}

/** Label values of a status family, by status / 100. */
const STATUS_FAMILIES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * One gateway's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several gateways in one process keep separate counts. Served at `/<prefix>/metrics/prometheus`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #routeRequests = new KeptCounter(
    this.registry,
    'tollgate_route_requests_total',
    'Requests answered, by route (default: no route matched) and status family',
    ['route', 'status'],
  );
  readonly #exchanges = new KeptCounter(
    this.registry,
    'tollgate_token_exchanges_total',
    'Token exchanges by filter, outcome, OAuth error and where the token came from (exchanged, cached, shared in flight)',
    ['filter', 'outcome', 'error', 'source'],
  );

  routeRequest(route: string, status: number): void {
    this.#routeRequests.inc(route, STATUS_FAMILIES[Math.floor(status / 100)] ?? statusFamily(status));
  }

  tokenExchange(filter: string, error: string | null, source: ExchangeSource): void {
    this.#exchanges.inc(filter, error === null ? 'success' : 'failure', error ?? '', source);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
