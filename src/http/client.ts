import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent, errors as undiciErrors } from 'undici';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Cancellation } from './cancellation.js';
import { Entity } from './entity.js';
import { removeHopByHop } from './forwarding.js';
import { Headers } from './headers.js';
import { type Request, Response } from './message.js';
import { UpstreamBody } from './upstream-body.js';

export interface HttpClientOptions {
  /** Pooled connections per upstream origin. */
  readonly connections: number;
  readonly connectionTimeoutMs: number;
  /** Socket inactivity limit while waiting for headers and between body chunks. */
  readonly soTimeoutMs: number;
  /** How long an idle pooled connection is kept. */
  readonly keepAliveMs: number;
  /** false closes each connection after its response (PingGateway's disableReuseConnection). */
  readonly reuseConnections?: boolean;
  /** Offer HTTP/2 by ALPN to TLS upstreams (PingGateway's protocolVersion "HTTP/2"). */
  readonly allowH2?: boolean;
}

/**
 * How the TLS connection to an upstream is made and checked: node:tls options, with `ca` replacing
 * the default roots when trust managers are given.
 */
export type UpstreamTls = Pick<
  ConnectionOptions,
  | 'ca'
  | 'cert'
  | 'key'
  | 'rejectUnauthorized'
  | 'checkServerIdentity'
  | 'ciphers'
  | 'minVersion'
  | 'maxVersion'
>;

/** Where requests go first: straight to the upstream, a proxy from the environment, or a given one. */
export type UpstreamProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'system' }
  | { readonly kind: 'custom'; readonly uri: string; readonly authorization?: string };

/** What a client needs that may come from secret stores, so is read when its heap starts. */
export interface UpstreamSetup {
  readonly tls: UpstreamTls;
  readonly proxy: UpstreamProxy;
}

/** The undici dispatcher for the options: an Agent, or a proxy agent with the same pool settings. */
export function createDispatcher(options: HttpClientOptions, setup: UpstreamSetup): Dispatcher {
  const agentOptions: Agent.Options = {
    connections: options.connections,
    connect: { timeout: finiteOrNone(options.connectionTimeoutMs), ...setup.tls },
    headersTimeout: finiteOrNone(options.soTimeoutMs),
    bodyTimeout: finiteOrNone(options.soTimeoutMs),
    keepAliveTimeout: options.keepAliveMs,
    keepAliveMaxTimeout: options.keepAliveMs,
    // undici's way to say no keep-alive: at most zero requests in flight on a kept connection.
    ...(options.reuseConnections === false ? { pipelining: 0 } : {}),
    ...(options.allowH2 ? { allowH2: true } : {}),
  };
  const { proxy } = setup;
  if (proxy.kind === 'none') return new Agent(agentOptions);
  const requestTls = { timeout: finiteOrNone(options.connectionTimeoutMs), ...setup.tls };
  if (proxy.kind === 'system') return new EnvHttpProxyAgent({ ...agentOptions, requestTls });
  return new ProxyAgent({
    ...agentOptions,
    uri: proxy.uri,
    requestTls,
    ...(proxy.authorization ? { token: proxy.authorization } : {}),
  });
}

/** undici disables a time-out with 0; an "unlimited" duration is Infinity here. */
function finiteOrNone(ms: number): number {
  return Number.isFinite(ms) ? ms : 0;
}

const DIRECT: UpstreamSetup = Object.freeze<UpstreamSetup>({ tls: {}, proxy: { kind: 'none' } });

/**
 * Sends requests upstream through one undici dispatcher (a pool per origin). Bodies are streamed both
 * ways; a buffered body is sent with its exact length. Failures become coded errors:
 * TG_UPSTREAM_UNREACHABLE (502) or TG_UPSTREAM_TIMEOUT (504).
 *
 * A client whose TLS or proxy settings come from secret stores is given `load`: the dispatcher is
 * made once that has answered (`ready()`, which the heap's start awaits), never per request.
 */
export class HttpClient {
  readonly #options: HttpClientOptions;
  #agent: Dispatcher | undefined;
  #ready: Promise<Dispatcher> | undefined;
  readonly #load: (() => Promise<UpstreamSetup>) | undefined;

  constructor(options: HttpClientOptions, load?: () => Promise<UpstreamSetup>) {
    this.#options = options;
    this.#load = load;
    if (load === undefined) this.#agent = createDispatcher(options, DIRECT);
  }

  /** Reads the settings `load` gives and makes the dispatcher, once; rejects as `load` does. */
  ready(): Promise<Dispatcher> {
    if (this.#agent) return Promise.resolve(this.#agent);
    this.#ready ??= this.#load!().then((setup) => {
      this.#agent = createDispatcher(this.#options, setup);
      return this.#agent;
    });
    return this.#ready;
  }

  async send(request: Request, cancellation?: Cancellation): Promise<Response> {
    const agent = this.#agent ?? (await this.ready());
    const headers = request.headers;
    removeHopByHop(headers);
    headers.delete('host');
    const body = requestBody(request);
    if (Buffer.isBuffer(body)) {
      if (body.length > 0 || headers.has('content-length'))
        headers.set('Content-Length', String(body.length));
    }
    return new Promise((resolve, reject) => {
      agent.dispatch(
        {
          origin: request.uri.origin,
          path: request.uri.pathAndQuery,
          method: request.method as Dispatcher.HttpMethod,
          headers: headers.toRaw(),
          body,
        },
        new ResponseHandler(request, cancellation, resolve, reject),
      );
    });
  }

  async close(): Promise<void> {
    // A client closed before its dispatcher was made refuses requests as a closed dispatcher does.
    this.#ready ??= Promise.reject(
      new TollgateError('TG_UPSTREAM_UNREACHABLE', 'the client handler is stopped'),
    );
    this.#ready.catch(() => undefined);
    await (this.#agent ?? (await this.#ready.catch(() => undefined)))?.close();
  }
}

/**
 * One upstream call, on undici's dispatcher interface: the response is resolved as soon as its
 * headers arrive, with an UpstreamBody that holds or streams what follows. The cancellation
 * aborts the call (and drops its connection) until the body is complete.
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly #request: Request;
  readonly #cancellation: Cancellation | undefined;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (error: TollgateError) => void;
  #abort: ((reason: Error) => void) | undefined;
  #body: UpstreamBody | undefined;
  /** Aborts the call once undici has given the means: on cancellation, or when the body is dropped. */
  readonly #abortCall = (reason: Error): void => this.#abort?.(reason);

  constructor(
    request: Request,
    cancellation: Cancellation | undefined,
    resolve: (response: Response) => void,
    reject: (error: TollgateError) => void,
  ) {
    this.#request = request;
    this.#cancellation = cancellation;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    const cancellation = this.#cancellation;
    if (cancellation === undefined) return;
    if (cancellation.reason !== undefined) abort(cancellation.reason);
    else cancellation.onCancel(this.#abortCall);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) are the server's business, not the client's.
    if (status < 200) return true;
    const headers = new Headers();
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      headers.add(rawHeaders[i]!.toString('latin1'), rawHeaders[i + 1]!.toString('latin1'));
    }
    // With the Connection header, so the fields it names go too (RFC 9110 §7.6.1).
    removeHopByHop(headers);
    const body = new UpstreamBody(resume, this.#abortCall);
    this.#body = body;
    this.#resolve(new Response({ status, headers, entity: new Entity(body) }));
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#body!.push(chunk);
  }

  onComplete(): void {
    this.#cancellation?.offCancel(this.#abortCall);
    this.#body!.end();
  }

  onError(error: Error): void {
    this.#cancellation?.offCancel(this.#abortCall);
    const failure = upstreamError(error, this.#request);
    if (this.#body) this.#body.fail(failure);
    else this.#reject(failure);
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
  const reason = [code, message].filter((part) => part).join(' ');
  return new TollgateError('TG_UPSTREAM_UNREACHABLE', `${target}: ${reason}`, {
    cause: error,
  });
}
