import { durationSchema, objectSchema, type JsonSchema } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { childPlace, configError, TollgateError } from '../errors/tollgate-error.js';
import { HttpClient } from '../http/client.js';
import type { Exchange } from '../http/exchange.js';
import type { Request, Response } from '../http/message.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import { routeLabel } from '../observability/metrics.js';

export interface ClientHandlerConfig {
  connections?: number;
  connectionTimeout?: string | number;
  soTimeout?: string | number;
  connectionTimeToLive?: string | number;
}

export const clientHandlerSchema: JsonSchema = objectSchema({
  connections: { type: 'integer', minimum: 1, default: 64 },
  connectionTimeout: durationSchema,
  soTimeout: durationSchema,
  connectionTimeToLive: durationSchema,
});

/** Builds the pooled client a ClientHandler-like type sends through; closed when its heap stops. */
export function createHttpClient(config: ClientHandlerConfig, context: CreateContext): HttpClient {
  const duration = (key: keyof ClientHandlerConfig, fallback: string): number =>
    parseDuration(config[key] ?? fallback, childPlace(context.place, key));
  const keepAliveMs = duration('connectionTimeToLive', '30 seconds');
  // undici refuses a keep-alive time-out of zero on every request, not when the pool is made.
  if (keepAliveMs <= 0) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      childPlace(context.place, 'connectionTimeToLive'),
      'a pooled connection must live longer than zero',
    );
  }
  const client = new HttpClient({
    connections: config.connections ?? 64,
    connectionTimeoutMs: duration('connectionTimeout', '10 seconds'),
    soTimeoutMs: duration('soTimeout', '10 seconds'),
    keepAliveMs: Math.min(keepAliveMs, 2 ** 31 - 1),
  });
  context.onStop(() => client.close());
  return client;
}

/**
 * Sends the request to its URI and returns the upstream response. A failure is not turned into a
 * response here: it propagates (as a coded 502/504 error) so callers such as the token-exchange
 * filter can tell a transport failure from an answer.
 */
export class ClientHandler implements Handler {
  readonly #client: HttpClient;
  readonly #upstreamError: (exchange: Exchange, error: unknown) => void;

  constructor(client: HttpClient, context: CreateContext) {
    this.#client = client;
    this.#upstreamError = upstreamErrorCounter(context);
  }

  handle(exchange: Exchange): Promise<Response> {
    return this.send(exchange.request, exchange);
  }

  async send(request: Request, exchange: Exchange): Promise<Response> {
    const started = performance.now();
    try {
      return await this.#client.send(request, exchange.cancellation);
    } catch (error) {
      this.#upstreamError(exchange, error);
      throw error;
    } finally {
      exchange.timing.addUpstream(performance.now() - started);
    }
  }
}

/** Counts a failed upstream request (a TG_UPSTREAM_* code) by route, handler and code. */
export function upstreamErrorCounter(context: CreateContext): (exchange: Exchange, error: unknown) => void {
  const { metrics } = context.gateway;
  const handler = context.name;
  return (exchange, error) => {
    if (error instanceof TollgateError && error.code.startsWith('TG_UPSTREAM_')) {
      metrics.upstreamError(routeLabel(exchange), handler, error.code);
    }
  };
}

export const clientHandlerType = defineType<ClientHandlerConfig, Handler>({
  type: 'ClientHandler',
  aliases: [
    'org.forgerock.openig.handler.ClientHandlerHeaplet',
    'org.forgerock.openig.handler.ClientHandler',
  ],
  kind: 'Handler',
  description: 'Sends requests to their URI through a pool of keep-alive connections; failures propagate.',
  schema: clientHandlerSchema,
  create: (config, context) => new ClientHandler(createHttpClient(config, context), context),
});
