import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import {
  clientHandlerIgnoredKeys,
  clientHandlerSchema,
  createUpstream,
  upstreamErrorCounter,
  type Upstream,
  type ClientHandlerConfig,
} from './client-handler.js';

/**
 * Forwards the request to its (rebased) URI as a proxy: X-Forwarded-* headers set, bodies streamed.
 * Unlike ClientHandler it always answers: an unreachable upstream gives 502, a slow one 504, with
 * the reason logged and no detail sent to the client.
 */
class ReverseProxyHandler implements Handler {
  readonly #upstream: Upstream;
  readonly #upstreamError: (exchange: Exchange, error: unknown) => void;

  constructor(upstream: Upstream, context: CreateContext) {
    this.#upstream = upstream;
    this.#upstreamError = upstreamErrorCounter(context);
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
    try {
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

export const reverseProxyHandlerType = defineType<ClientHandlerConfig, Handler>({
  type: 'ReverseProxyHandler',
  aliases: ['org.forgerock.openig.handler.ReverseProxyHandlerHeaplet'],
  kind: 'Handler',
  description:
    'Proxies the request to its URI; answers 502 when the upstream is unreachable, 504 when it is slow.',
  schema: clientHandlerSchema,
  ignoredKeys: clientHandlerIgnoredKeys,
  create: (config, context) => new ReverseProxyHandler(createUpstream(config, context), context),
});
