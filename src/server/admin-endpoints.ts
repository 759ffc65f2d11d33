import { jsonResponse, textResponse, type Response } from '../http/message.js';
import type { Exchange } from '../http/exchange.js';
import type { EndpointRequest, ObjectEndpoint, ObjectEndpoints } from '../heap/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';

/** PingGateway's path of the endpoints heap objects expose, below the admin prefix. */
const OBJECTS = 'api/system/objects/';

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The admin endpoints of one gateway, the paths below its admin prefix (`/openig/`): `ping`, the
 * Prometheus metrics, and under `api/system/objects/<name>/` what heap objects expose (a
 * Router's routes, say).
 */
export class AdminEndpoints implements ObjectEndpoints {
  readonly #metrics: GatewayMetrics;
  readonly #objects = new Map<string, ObjectEndpoint>();

  constructor(init: { metrics: GatewayMetrics }) {
    this.#metrics = init.metrics;
  }

  expose(objectName: string, endpoint: ObjectEndpoint): () => void {
    this.#objects.set(objectName, endpoint);
    return () => {
      if (this.#objects.get(objectName) === endpoint) this.#objects.delete(objectName);
    };
  }

  /** Answers `path`, the raw path below the admin prefix. */
  async handle(path: string, exchange: Exchange): Promise<Response> {
    if (path === 'ping' || path === 'ping/') return textResponse(200, 'Pong');
    if (path === 'metrics/prometheus' || path === 'metrics/prometheus/0.0.4') {
      const response = textResponse(200, await this.#metrics.render());
      response.headers.set('Content-Type', this.#metrics.contentType);
      return response;
    }
    if (path.startsWith(OBJECTS)) {
      const [name, ...segments] = path.slice(OBJECTS.length).split('/').filter(Boolean).map(decodeSegment);
      const endpoint = name === undefined ? undefined : this.#objects.get(name);
      if (endpoint === undefined) return jsonResponse(404, { code: 404, reason: 'Not Found' });
      return endpoint.handle(endpointRequest(exchange, segments));
    }
    return textResponse(404);
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
