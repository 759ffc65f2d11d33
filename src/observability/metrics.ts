import { Counter, Registry } from 'prom-client';

export type ExchangeSource = 'exchanged' | 'cached' | 'shared' | 'uncached' | 'none';

/** `2xx`, `4xx`…: one label value per status family keeps the series count small. */
function statusFamily(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** A labelled count kept by the gateway itself and handed to prom-client when scraped. */
interface Count<L extends string> {
  readonly labels: Record<L, string>;
  value: number;
}

/**
 * Counts by label set, in a plain map: prom-client hashes the label object on every increment,
 * even through a labelled child, which the request path should not pay for. The counter reads
 * the map when the registry is scraped.
 */
function countedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Map<string, Count<L>> {
  const counts = new Map<string, Count<L>>();
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of counts.values()) this.inc(labels as Partial<Record<L, string>>, value);
    },
  });
  return counts;
}

function increment<L extends string>(
  counts: Map<string, Count<L>>,
  key: string,
  labels: () => Record<L, string>,
): void {
  const count = counts.get(key);
  if (count) count.value++;
  else counts.set(key, { labels: labels(), value: 1 });
}

/**
 * One gateway's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several gateways in one process keep separate counts. Served at `/<prefix>/metrics/prometheus`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #routeRequests = countedCounter(
    this.registry,
    'tollgate_route_requests_total',
    'Requests answered, by route (default: no route matched) and status family',
    ['route', 'status'],
  );
  readonly #exchanges = countedCounter(
    this.registry,
    'tollgate_token_exchanges_total',
    'Token exchanges by filter, outcome, OAuth error and where the token came from (exchanged, cached, shared in flight)',
    ['filter', 'outcome', 'error', 'source'],
  );

  routeRequest(route: string, status: number): void {
    const family = statusFamily(status);
    increment(this.#routeRequests, `${family} ${route}`, () => ({ route, status: family }));
  }

  tokenExchange(filter: string, error: string | null, source: ExchangeSource): void {
    const code = error ?? '';
    // An OAuth error code may hold spaces: its length keeps the key unambiguous.
    increment(this.#exchanges, `${source} ${code.length} ${code}${filter}`, () => ({
      filter,
      outcome: error === null ? 'success' : 'failure',
      error: code,
      source,
    }));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
