import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { Agent, errors as undiciErrors } from 'undici';
import { TollgateError } from '../errors/tollgate-error.js';
import { Entity } from './entity.js';
import { isHopByHop, removeHopByHop } from './forwarding.js';
import { Headers } from './headers.js';
import { type Request, Response } from './message.js';

export interface HttpClientOptions {
  /** Pooled connections per upstream origin. */
  readonly connections: number;
  readonly connectionTimeoutMs: number;
  /** Socket inactivity limit while waiting for headers and between body chunks. */
  readonly soTimeoutMs: number;
  /** How long an idle pooled connection is kept. */
  readonly keepAliveMs: number;
}

/**
 * Sends requests upstream through one undici Agent (a pool per origin). Bodies are streamed both
 * ways; a buffered body is sent with its exact length. Failures become coded errors:
 * TG_UPSTREAM_UNREACHABLE (502) or TG_UPSTREAM_TIMEOUT (504).
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(options: HttpClientOptions) {
    this.#agent = new Agent({
      connections: options.connections,
      connect: { timeout: options.connectionTimeoutMs },
      headersTimeout: options.soTimeoutMs,
      bodyTimeout: options.soTimeoutMs,
      keepAliveTimeout: options.keepAliveMs,
      keepAliveMaxTimeout: options.keepAliveMs,
    });
  }

  async send(request: Request, signal?: AbortSignal | EventEmitter): Promise<Response> {
    const headers = request.headers;
    removeHopByHop(headers);
    headers.delete('host');
    const body = requestBody(request);
    if (Buffer.isBuffer(body)) {
      if (body.length > 0 || headers.has('content-length'))
        headers.set('Content-Length', String(body.length));
    }
    try {
      const answer = await this.#agent.request({
        origin: request.uri.origin,
        path: request.uri.pathAndQuery,
        method: request.method,
        headers: headers.toRaw(),
        body,
        signal,
      });
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined || isHopByHop(name)) continue;
        if (Array.isArray(value)) for (const v of value) responseHeaders.add(name, v);
        else responseHeaders.add(name, value);
      }
      return new Response({
        status: answer.statusCode,
        headers: responseHeaders,
        entity: new Entity(answer.body),
      });
    } catch (error) {
      throw upstreamError(error, request);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function requestBody(request: Request): Buffer | Readable | null {
  const body = request.entity.body;
  if (Buffer.isBuffer(body)) return body.length === 0 && !request.headers.has('content-length') ? null : body;
  return body;
}

/** Maps undici's failures to the gateway's two upstream error codes. */
export function upstreamError(error: unknown, request: Request): TollgateError {
  if (error instanceof TollgateError) return error;
  const target = `${request.method} ${request.uri.origin}`;
  if (
    (error instanceof DOMException && error.name === 'TimeoutError') ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new TollgateError('TG_UPSTREAM_TIMEOUT', `${target}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string })?.code;
  return new TollgateError('TG_UPSTREAM_UNREACHABLE', `${target}: ${code ?? ''} ${message}`.trim(), {
    cause: error,
  });
}
