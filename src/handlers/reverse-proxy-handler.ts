import { durationSchema, objectSchema, referenceSchema, type JsonSchema } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { childPlace, formatPlace, TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import {
  clientHandlerIgnoredKeys,
  clientHandlerSchema,
  createUpstream,
  upstreamErrorCounter,
  type ClientHandlerConfig,
  type Upstream,
} from './client-handler.js';
import { isWebSocketHandshake, WebSocketProxy } from './websocket-proxy.js';

interface WebSocketConfig {
  enabled?: boolean;
  connectionTimeout?: string | number;
  soTimeout?: string | number;
  numberOfSelectors?: number;
  tls?: unknown;
  vertx?: Record<string, unknown>;
}

type ReverseProxyHandlerConfig = ClientHandlerConfig & { websocket?: WebSocketConfig };

/** PingGateway's `websocket` keys; those with no meaning here are accepted, with a warning. */
const websocketSchema: JsonSchema = objectSchema({
  enabled: { type: 'boolean', default: false },
  connectionTimeout: durationSchema,
  soTimeout: durationSchema,
  numberOfSelectors: { type: 'integer', minimum: 1 },
  tls: referenceSchema,
  vertx: { type: 'object' },
});

/** Why each accepted `websocket` key is not applied. */
const IGNORED_WEBSOCKET_KEYS = {
  numberOfSelectors: 'Node has one event loop, not selector threads',
  vertx: 'Tollgate does not run on Vert.x',
  tls: "the tunnel verifies a wss:// backend against Node's default certificate authorities",
} as const;

/**
 * Forwards the request to its (rebased) URI as a proxy: X-Forwarded-* headers set, bodies streamed.
 * Unlike ClientHandler it always answers: an unreachable upstream gives 502, a slow one 504, with
 * the reason logged and no detail sent to the client.
 */
class ReverseProxyHandler implements Handler {
  readonly #upstream: Upstream;
  readonly #upstreamError: (exchange: Exchange, error: unknown) => void;
  readonly #websocket: WebSocketProxy | undefined;

  constructor(upstream: Upstream, context: CreateContext, websocket: WebSocketProxy | undefined) {
    this.#upstream = upstream;
    this.#upstreamError = upstreamErrorCounter(context);
    this.#websocket = websocket;
  }

  async handle(exchange: Exchange): Promise<Response> {
    const { request } = exchange;
    const client = exchange.contexts.client as { remoteAddress: string; isSecure: boolean };
    const headers = request.headers;
    const forwardedFor = headers.get('x-forwarded-for');
    headers.set(
      'X-Forwarded-For',
      forwardedFor ? `${forwardedFor.join(', ')}, ${client.remoteAddress}` : client.remoteAddress,
    );
    headers.set('X-Forwarded-Proto', client.isSecure ? 'https' : 'http');
    headers.set('X-Forwarded-Host', exchange.originalHost);
    const started = performance.now();
    const { upgrade } = exchange;
    try {
      if (upgrade !== undefined && this.#websocket !== undefined && isWebSocketHandshake(exchange)) {
        return await this.#websocket.tunnel(exchange, upgrade);
      }
      return await this.#upstream.send(request, exchange);
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      this.#upstreamError(exchange, error);
      exchange.log.warn({ code: error.code, upstream: request.uri.origin }, error.message);
      return textResponse(error.status, error.publicMessage);
    } finally {
      exchange.timing.addUpstream(performance.now() - started);
    }
  }
}

/** The tunnel of a handler with `websocket.enabled`; its time-outs default to the handler's own. */
function createWebSocketProxy(
  config: ReverseProxyHandlerConfig,
  context: CreateContext,
): WebSocketProxy | undefined {
  const websocket = config.websocket;
  if (websocket === undefined) return undefined;
  const place = childPlace(context.place, 'websocket');
  for (const [key, why] of Object.entries(IGNORED_WEBSOCKET_KEYS)) {
    if (websocket[key as keyof WebSocketConfig] !== undefined) {
      context.logger.warn(
        { place: formatPlace(childPlace(place, key)) },
        `ReverseProxyHandler "websocket.${key}" is ignored: ${why}`,
      );
    }
  }
  if (websocket.enabled !== true) return undefined;
  const duration = (key: 'connectionTimeout' | 'soTimeout'): number =>
    websocket[key] === undefined
      ? parseDuration(config[key] ?? '10 seconds', childPlace(context.place, key))
      : parseDuration(websocket[key], childPlace(place, key));
  return new WebSocketProxy(
    { connectionTimeoutMs: duration('connectionTimeout'), soTimeoutMs: duration('soTimeout') },
    upstreamErrorCounter(context),
  );
}

const reverseProxyHandlerSchema: JsonSchema = {
  ...clientHandlerSchema,
  properties: {
    ...(clientHandlerSchema.properties as Record<string, JsonSchema>),
    websocket: websocketSchema,
  },
};

export const reverseProxyHandlerType = defineType<ReverseProxyHandlerConfig, Handler>({
  type: 'ReverseProxyHandler',
  aliases: ['org.forgerock.openig.handler.ReverseProxyHandlerHeaplet'],
  kind: 'Handler',
  description:
    'Proxies the request to its URI; answers 502 when the upstream is unreachable, 504 when it is slow.',
  schema: reverseProxyHandlerSchema,
  ignoredKeys: clientHandlerIgnoredKeys,
  create: (config, context) =>
    new ReverseProxyHandler(createUpstream(config, context), context, createWebSocketProxy(config, context)),
});
