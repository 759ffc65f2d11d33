import { jsonResponse, textResponse, type Response } from '../http/message.js';
import type { Exchange } from '../http/exchange.js';
import type { EndpointRequest, ObjectEndpoint, ObjectEndpoints } from '../heap/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';

/** PingGateway's path of the endpoints heap objects expose, below the admin prefix. */
const OBJECTS = 'api/system/objects/';

/**
 * Where a gateway is in its life, as the health endpoints tell it: `starting` until every Router
 * has tried each route file it found and the connectors are open, `serving` then, `draining` once
 * it closes (from the first moment, so that a load balancer stops sending before the
 * connections go).
 */
export type GatewayPhase = 'starting' | 'serving' | 'draining';

/** Kubernetes' three probes, under PingGateway's paths. */
const PROBES: Readonly<Record<string, (phase: GatewayPhase) => boolean>> = Object.freeze({
  // The process answers, so it lives: a gateway that is starting or draining must not be restarted.
  'health/live': () => true,
  'health/ready': (phase) => phase === 'serving',
  'health/startup': (phase) => phase === 'serving',
});

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The admin endpoints of one gateway, the paths below its admin prefix (`/openig/`), or the
 * root of its admin connector: `ping`, the health probes, the Prometheus metrics, and under
 * `api/system/objects/<name>/` what heap objects expose (a Router's routes, say). Who may call
 * which is for the caller to decide (api-protection.ts).
 */
export class AdminEndpoints implements ObjectEndpoints {
  readonly #metrics: GatewayMetrics;
  readonly #phase: () => GatewayPhase;
  readonly #render: () => Promise<string>;
  readonly #objects = new Map<string, ObjectEndpoint>();

  /**
   * Without `phase` (a heap built only to check files), the probes answer as for a gateway that
   * serves. `render` replaces the metrics' own text: a unit of several serves every unit's sum.
   */
  constructor(init: { metrics: GatewayMetrics; phase?: () => GatewayPhase; render?: () => Promise<string> }) {
    this.#metrics = init.metrics;
    this.#phase = init.phase ?? (() => 'serving');
    this.#render = init.render ?? (() => init.metrics.render());
  }

  expose(objectName: string, endpoint: ObjectEndpoint): () => void {
    this.#objects.set(objectName, endpoint);
    return () => {
      if (this.#objects.get(objectName) === endpoint) this.#objects.delete(objectName);
    };
  }

  /** The route files every exposed Router serves, and those that failed to load. */
  routeCounts(): { loaded: number; failed: number } {
    let loaded = 0;
    let failed = 0;
    for (const endpoint of this.#objects.values()) {
      const counts = endpoint.routeCounts?.();
      loaded += counts?.loaded ?? 0;
      failed += counts?.failed ?? 0;
    }
    return { loaded, failed };
  }

  /** Answers `path`, the raw path below the admin prefix. */
  async handle(path: string, exchange: Exchange): Promise<Response> {
    if (path === 'ping' || path === 'ping/') return textResponse(200, 'Pong');
    const probe = PROBES[path.endsWith('/') ? path.slice(0, -1) : path];
    if (probe !== undefined) {
      const phase = this.#phase();
      const up = probe(phase);
      return jsonResponse(up ? 200 : 503, { status: up ? 'UP' : 'DOWN', phase });
    }
    if (path === 'metrics/prometheus' || path === 'metrics/prometheus/0.0.4') {
      const response = textResponse(200, await this.#render());
      response.headers.set('Content-Type', this.#metrics.contentType);
      return response;
    }
    if (path.startsWith(OBJECTS)) {
      const [name, ...segments] = path.slice(OBJECTS.length).split('/').filter(Boolean).map(decodeSegment);
      const endpoint = name === undefined ? undefined : this.#find(name);
      if (endpoint === undefined) return jsonResponse(404, { code: 404, reason: 'Not Found' });
      return endpoint.handle(endpointRequest(exchange, segments));
    }
    return textResponse(404);
  }

  /** The object's endpoint by its name, or by its name in lower case, as PingGateway's paths spell it. */
  #find(name: string): ObjectEndpoint | undefined {
    const exact = this.#objects.get(name);
    if (exact !== undefined) return exact;
    for (const [objectName, endpoint] of this.#objects) {
      if (objectName.toLowerCase() === name) return endpoint;
    }
    return undefined;
  }
}

function endpointRequest(exchange: Exchange, segments: readonly string[]): EndpointRequest {
  const { request } = exchange;
  return {
    method: request.method,
    segments,
    query: request.queryParams,
    async json() {
      await request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
      return request.entity.json;
    },
  };
}
